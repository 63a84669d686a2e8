package io.albert4j.albert;

import io.albert4j.ops.Step;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.util.Arrays;

/**
 * One batch for the model, as I32 tensors of shape {@code [B, S]} (labels) or {@code [B]} (sentence order).
 * {@code attentionMask} (1 = token, 0 = padding) and {@code tokenTypeIds} may be null (all ones / all zeros, as
 * in HF). {@code labels} are MLM targets with -100 for "no loss here"; {@code sentenceOrderLabel} is 0 (original
 * order) or 1 (swapped). Both may be null.
 *
 * <p>{@code maskedPositions} and {@code maskedLabels} ({@code [M]} each, may be null) are GR's
 * {@code masked_lm_positions} / {@code masked_lm_ids}: the flat indices into {@code B·S} that the MLM head predicts,
 * in increasing order, and the target id at each. {@link AlbertForPreTraining#forwardAtMaskedPositions} runs the
 * head at these rows only; the pretraining data ({@code data.Batch}) carries them from the masker.
 */
public record AlbertInputs(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds, Tensor labels,
                           Tensor sentenceOrderLabel, Tensor maskedPositions, Tensor maskedLabels) {
    /** HF CrossEntropyLoss's ignore_index. */
    public static final int IGNORE_INDEX = -100;

    public AlbertInputs {
        if (inputIds == null) {
            throw new NullPointerException("inputs: input_ids is required");
        }
        requireI32("input_ids", inputIds);
        if (inputIds.rank() != 2) {
            throw new IllegalArgumentException("inputs: input_ids must be [batch, seq], got " + inputIds.describe());
        }
        int[] bs = inputIds.shape();
        for (var named : new Object[][] {{"attention_mask", attentionMask}, {"token_type_ids", tokenTypeIds},
                {"labels", labels}}) {
            Tensor t = (Tensor) named[1];
            if (t != null) {
                requireI32((String) named[0], t);
                if (!Arrays.equals(t.shape(), bs)) {
                    throw new IllegalArgumentException("inputs: " + named[0] + " " + t.describe()
                            + " must have the shape of input_ids " + Arrays.toString(bs));
                }
            }
        }
        if (sentenceOrderLabel != null) {
            requireI32("sentence_order_label", sentenceOrderLabel);
            if (sentenceOrderLabel.numel() != bs[0]) {
                throw new IllegalArgumentException("inputs: sentence_order_label " + sentenceOrderLabel.describe()
                        + " must hold one label per row (" + bs[0] + ")");
            }
        }
        if ((maskedPositions == null) != (maskedLabels == null)) {
            throw new IllegalArgumentException("inputs: masked_lm_positions and masked_lm_ids go together");
        }
        if (maskedPositions != null) {
            requireI32("masked_lm_positions", maskedPositions);
            requireI32("masked_lm_ids", maskedLabels);
            if (maskedPositions.rank() != 1 || maskedLabels.rank() != 1
                    || maskedPositions.numel() != maskedLabels.numel()) {
                throw new IllegalArgumentException("inputs: masked_lm_positions " + maskedPositions.describe()
                        + " and masked_lm_ids " + maskedLabels.describe() + " must both be [M]");
            }
        }
    }

    /** Inputs without masked positions. */
    public AlbertInputs(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds, Tensor labels,
                        Tensor sentenceOrderLabel) {
        this(inputIds, attentionMask, tokenTypeIds, labels, sentenceOrderLabel, null, null);
    }

    private static void requireI32(String name, Tensor t) {
        if (t.dtype() != DType.I32) {
            throw new IllegalArgumentException("inputs: " + name + " must be I32, got " + t.describe());
        }
    }

    /** Inputs without labels. */
    public AlbertInputs(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds) {
        this(inputIds, attentionMask, tokenTypeIds, null, null);
    }

    public int batchSize() {
        return inputIds.dim(0);
    }

    public int sequenceLength() {
        return inputIds.dim(1);
    }

    public AlbertInputs withLabels(Tensor mlmLabels, Tensor sentenceOrder) {
        return new AlbertInputs(inputIds, attentionMask, tokenTypeIds, mlmLabels, sentenceOrder, maskedPositions,
                maskedLabels);
    }

    /**
     * These inputs with the predicted positions copied into the current {@link Step}: {@code positions} are flat
     * indices into {@code B·S}, increasing, and {@code targets} the id to predict at each (GR's
     * {@code masked_lm_positions} / {@code masked_lm_ids}).
     */
    public AlbertInputs withMaskedPositions(int[] positions, int[] targets) {
        int cells = batchSize() * sequenceLength();
        if (positions.length != targets.length) {
            throw new IllegalArgumentException("inputs: " + positions.length + " masked positions but "
                    + targets.length + " targets");
        }
        for (int i = 0; i < positions.length; i++) {
            if (positions[i] >= cells || positions[i] < (i == 0 ? 0 : positions[i - 1] + 1)) {
                throw new IllegalArgumentException("inputs: masked position " + i + " is " + positions[i]
                        + "; positions must increase and lie in [0, " + cells + ")");
            }
        }
        Step step = Step.current();
        return new AlbertInputs(inputIds, attentionMask, tokenTypeIds, labels, sentenceOrderLabel,
                step.upload(positions, positions.length), step.upload(targets, targets.length));
    }

    /**
     * Copies flat row-major Java arrays ({@code batch·seq} each; mask and types may be null) into tensors of the
     * current {@link Step}'s arena.
     */
    public static AlbertInputs copyOf(int batch, int seq, int[] inputIds, int[] attentionMask, int[] tokenTypeIds) {
        Step step = Step.current();
        return new AlbertInputs(copy(step, "input_ids", inputIds, batch, seq),
                attentionMask == null ? null : copy(step, "attention_mask", attentionMask, batch, seq),
                tokenTypeIds == null ? null : copy(step, "token_type_ids", tokenTypeIds, batch, seq));
    }

    /**
     * Training inputs: as {@link #copyOf(int, int, int[], int[], int[])} plus MLM labels ({@code batch·seq},
     * {@link #IGNORE_INDEX} where nothing is predicted) and one sentence-order label per row (either may be null).
     */
    public static AlbertInputs copyOf(int batch, int seq, int[] inputIds, int[] attentionMask, int[] tokenTypeIds,
                                      int[] mlmLabels, int[] sentenceOrderLabels) {
        AlbertInputs inputs = copyOf(batch, seq, inputIds, attentionMask, tokenTypeIds);
        Step step = Step.current();
        return inputs.withLabels(mlmLabels == null ? null : copy(step, "labels", mlmLabels, batch, seq),
                sentenceOrderLabels == null ? null
                        : copy(step, "sentence_order_label", sentenceOrderLabels, batch, 1).view(batch));
    }

    /** As {@link #copyOf(int, int, int[], int[], int[])} from {@code [batch][seq]} arrays (rows of equal length). */
    public static AlbertInputs copyOf(int[][] inputIds, int[][] attentionMask, int[][] tokenTypeIds) {
        int batch = inputIds.length;
        int seq = batch == 0 ? 0 : inputIds[0].length;
        return copyOf(batch, seq, flatten("input_ids", inputIds, batch, seq),
                attentionMask == null ? null : flatten("attention_mask", attentionMask, batch, seq),
                tokenTypeIds == null ? null : flatten("token_type_ids", tokenTypeIds, batch, seq));
    }

    static int[] flatten(String name, int[][] rows, int batch, int seq) {
        if (rows.length != batch) {
            throw new IllegalArgumentException("inputs: " + name + " has " + rows.length + " rows, expected " + batch);
        }
        int[] flat = new int[batch * seq];
        for (int b = 0; b < batch; b++) {
            if (rows[b].length != seq) {
                throw new IllegalArgumentException("inputs: " + name + " row " + b + " has length " + rows[b].length
                        + ", expected " + seq + " (pad every row to the same length)");
            }
            System.arraycopy(rows[b], 0, flat, b * seq, seq);
        }
        return flat;
    }

    private static Tensor copy(Step step, String name, int[] values, int batch, int seq) {
        if (batch <= 0 || seq <= 0) {
            throw new IllegalArgumentException("inputs: empty batch [" + batch + ", " + seq + "]");
        }
        if (values.length != batch * seq) {
            throw new IllegalArgumentException("inputs: " + name + " has " + values.length + " values, expected "
                    + batch + "·" + seq + " = " + batch * seq);
        }
        return step.upload(values, batch, seq);
    }
}
