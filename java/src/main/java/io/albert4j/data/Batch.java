package io.albert4j.data;

import java.util.Arrays;
import java.util.List;

/**
 * A fixed-shape batch of pretraining rows, row-major {@code [batchSize, seqLen]} int32 arrays in HuggingFace's
 * layout: {@code mlmLabels} holds the original id at masked positions and {@link #IGNORE_INDEX} elsewhere;
 * padding has id 0 ({@code <pad>}), attention mask 0 and token type 0.
 *
 * <p>Which tokens are predicted is also carried as GR's {@code masked_lm_positions} / {@code masked_lm_ids}:
 * {@code maskedPositions} are flat indices into the {@code batchSize·seqLen} cells in increasing order (row by row,
 * the order of the masker's positions), {@code maskedLabels} the original id at each. Unlike GR's they are not
 * padded to {@code max_predictions_per_seq} (so there are no {@code masked_lm_weights}): the model gathers exactly
 * these rows for the MLM head, and the metrics read exactly these. Both views are made here, once, and checked to
 * agree.
 */
public record Batch(int batchSize, int seqLen, int[] inputIds, int[] attentionMask, int[] tokenTypeIds,
                    int[] mlmLabels, int[] sentenceOrderLabels, int[] maskedPositions, int[] maskedLabels) {
    /** Label of positions that carry no MLM loss (PyTorch's CrossEntropyLoss default ignore_index). */
    public static final int IGNORE_INDEX = -100;
    /** Padding id: {@code <pad>} is id 0 in ALBERT's SentencePiece model. */
    public static final int PAD_ID = 0;

    public Batch {
        int cells = batchSize * seqLen;
        for (int[] array : new int[][] {inputIds, attentionMask, tokenTypeIds, mlmLabels}) {
            if (array.length != cells) {
                throw new IllegalArgumentException("Batch: expected " + batchSize + "x" + seqLen + " = " + cells
                        + " entries, got " + array.length);
            }
        }
        if (sentenceOrderLabels.length != batchSize) {
            throw new IllegalArgumentException("Batch: expected " + batchSize + " sentence order labels, got "
                    + sentenceOrderLabels.length);
        }
        checkMaskedPositions(mlmLabels, maskedPositions, maskedLabels);
    }

    /** A batch from dense HF labels alone: the masked positions are those with a label, in increasing order. */
    public Batch(int batchSize, int seqLen, int[] inputIds, int[] attentionMask, int[] tokenTypeIds, int[] mlmLabels,
                 int[] sentenceOrderLabels) {
        this(batchSize, seqLen, inputIds, attentionMask, tokenTypeIds, mlmLabels, sentenceOrderLabels,
                labelledCells(mlmLabels), labelsAt(mlmLabels, labelledCells(mlmLabels)));
    }

    /** Pads {@code rows} to {@code seqLen}. */
    static Batch of(List<PretrainingInstance> rows, int seqLen) {
        int batchSize = rows.size();
        int predictions = 0;
        for (PretrainingInstance row : rows) {
            predictions += row.maskedPositions().length;
        }
        int[] inputIds = new int[batchSize * seqLen];
        int[] attentionMask = new int[batchSize * seqLen];
        int[] tokenTypeIds = new int[batchSize * seqLen];
        int[] mlmLabels = new int[batchSize * seqLen];
        int[] sentenceOrderLabels = new int[batchSize];
        int[] maskedPositions = new int[predictions];
        int[] maskedLabels = new int[predictions];
        Arrays.fill(mlmLabels, IGNORE_INDEX);
        int prediction = 0;
        for (int r = 0; r < batchSize; r++) {
            PretrainingInstance row = rows.get(r);
            if (row.length() > seqLen) {
                throw new IllegalStateException("Batch: row of " + row.length() + " tokens exceeds seqLen " + seqLen);
            }
            int base = r * seqLen;
            System.arraycopy(row.inputIds(), 0, inputIds, base, row.length());
            System.arraycopy(row.segmentIds(), 0, tokenTypeIds, base, row.length());
            Arrays.fill(attentionMask, base, base + row.length(), 1);
            for (int m = 0; m < row.maskedPositions().length; m++) {
                maskedPositions[prediction] = base + row.maskedPositions()[m];
                maskedLabels[prediction] = row.maskedLabels()[m];
                mlmLabels[maskedPositions[prediction]] = maskedLabels[prediction];
                prediction++;
            }
            sentenceOrderLabels[r] = row.sentenceOrderLabel();
        }
        return new Batch(batchSize, seqLen, inputIds, attentionMask, tokenTypeIds, mlmLabels, sentenceOrderLabels,
                maskedPositions, maskedLabels);
    }

    private static int[] labelledCells(int[] mlmLabels) {
        int count = 0;
        for (int label : mlmLabels) {
            count += label != IGNORE_INDEX ? 1 : 0;
        }
        int[] cells = new int[count];
        for (int i = 0, next = 0; i < mlmLabels.length; i++) {
            if (mlmLabels[i] != IGNORE_INDEX) {
                cells[next++] = i;
            }
        }
        return cells;
    }

    private static int[] labelsAt(int[] mlmLabels, int[] cells) {
        int[] labels = new int[cells.length];
        for (int i = 0; i < cells.length; i++) {
            labels[i] = mlmLabels[cells[i]];
        }
        return labels;
    }

    /** The two views of the predicted tokens say the same: increasing positions, a label at each, none elsewhere. */
    private static void checkMaskedPositions(int[] mlmLabels, int[] positions, int[] labels) {
        if (positions.length != labels.length) {
            throw new IllegalArgumentException("Batch: " + positions.length + " masked positions but "
                    + labels.length + " masked labels");
        }
        int previous = -1;
        for (int i = 0; i < positions.length; i++) {
            int p = positions[i];
            if (p <= previous || p >= mlmLabels.length) {
                throw new IllegalArgumentException("Batch: masked position " + i + " is " + p + ", expected one in ("
                        + previous + ", " + mlmLabels.length + ") (increasing, inside the batch)");
            }
            if (mlmLabels[p] != labels[i]) {
                throw new IllegalArgumentException("Batch: masked position " + p + " has label " + labels[i]
                        + " but mlmLabels[" + p + "] = " + mlmLabels[p]);
            }
            previous = p;
        }
        int labelled = 0;
        for (int label : mlmLabels) {
            labelled += label != IGNORE_INDEX ? 1 : 0;
        }
        if (labelled != positions.length) {
            throw new IllegalArgumentException("Batch: mlmLabels label " + labelled + " cells but "
                    + positions.length + " masked positions are given");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Batch b && b.batchSize == batchSize && b.seqLen == seqLen
                && Arrays.equals(b.inputIds, inputIds) && Arrays.equals(b.attentionMask, attentionMask)
                && Arrays.equals(b.tokenTypeIds, tokenTypeIds) && Arrays.equals(b.mlmLabels, mlmLabels)
                && Arrays.equals(b.sentenceOrderLabels, sentenceOrderLabels)
                && Arrays.equals(b.maskedPositions, maskedPositions) && Arrays.equals(b.maskedLabels, maskedLabels);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(inputIds) * 31 + Arrays.hashCode(mlmLabels);
    }

    @Override
    public String toString() {
        return "Batch[" + batchSize + "x" + seqLen + ", " + maskedPositions.length + " masked]";
    }
}
