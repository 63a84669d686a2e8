package io.albert4j.data;

import java.util.Arrays;
import java.util.List;

/**
 * A fixed-shape batch of pretraining rows, row-major {@code [batchSize, seqLen]} int32 arrays in HuggingFace's
 * layout: {@code mlmLabels} holds the original id at masked positions and {@link #IGNORE_INDEX} elsewhere;
 * padding has id 0 ({@code <pad>}), attention mask 0 and token type 0.
 */
public record Batch(int batchSize, int seqLen, int[] inputIds, int[] attentionMask, int[] tokenTypeIds,
                    int[] mlmLabels, int[] sentenceOrderLabels) {
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
    }

    /** Pads {@code rows} to {@code seqLen}. */
    static Batch of(List<PretrainingInstance> rows, int seqLen) {
        int batchSize = rows.size();
        int[] inputIds = new int[batchSize * seqLen];
        int[] attentionMask = new int[batchSize * seqLen];
        int[] tokenTypeIds = new int[batchSize * seqLen];
        int[] mlmLabels = new int[batchSize * seqLen];
        int[] sentenceOrderLabels = new int[batchSize];
        Arrays.fill(mlmLabels, IGNORE_INDEX);
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
                mlmLabels[base + row.maskedPositions()[m]] = row.maskedLabels()[m];
            }
            sentenceOrderLabels[r] = row.sentenceOrderLabel();
        }
        return new Batch(batchSize, seqLen, inputIds, attentionMask, tokenTypeIds, mlmLabels, sentenceOrderLabels);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Batch b && b.batchSize == batchSize && b.seqLen == seqLen
                && Arrays.equals(b.inputIds, inputIds) && Arrays.equals(b.attentionMask, attentionMask)
                && Arrays.equals(b.tokenTypeIds, tokenTypeIds) && Arrays.equals(b.mlmLabels, mlmLabels)
                && Arrays.equals(b.sentenceOrderLabels, sentenceOrderLabels);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(inputIds) * 31 + Arrays.hashCode(mlmLabels);
    }

    @Override
    public String toString() {
        return "Batch[" + batchSize + "x" + seqLen + "]";
    }
}
