package io.albert4j.train;

import io.albert4j.albert.AlbertForPreTrainingOutput;
import io.albert4j.data.Batch;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import io.albert4j.autograd.NoGrad;
import io.albert4j.backend.Backends;
import io.albert4j.ops.Ops;
import io.albert4j.ops.Step;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Running sums over batches of the pretraining objectives: mean losses, MLM accuracy (argmax at the masked
 * positions) and SOP accuracy. Only the rows that carry a label are read from the {@code [B, S, V]} logits, so
 * measuring every step costs little next to the step itself.
 */
public final class PretrainingMetrics {
    /** ALBERT's [MASK] id (albert-spec.md §3); an id in every model that albert4j's tokenizer trainer writes. */
    public static final int ALBERT_MASK_ID = 4;

    private final int maskId;
    /** Off in the training loop: it is one more pass over the vocabulary for every [MASK] row of every step. */
    private final boolean perplexityAtMask;
    private double lossSum;
    private double mlmLossSum;
    private double sopLossSum;
    private int batches;
    private long mlmCorrect;
    private long mlmTotal;
    private long sopCorrect;
    private long sopTotal;
    private long maskedInputCorrect;
    private long maskedInputTotal;
    private double maskedInputLossSum;

    public PretrainingMetrics() {
        this(ALBERT_MASK_ID, false);
    }

    /**
     * @param maskId           the [MASK] id, to score separately the positions whose input is [MASK]
     * @param perplexityAtMask also measure {@link #maskedInputPerplexity()} (held-out evaluation does)
     */
    public PretrainingMetrics(int maskId, boolean perplexityAtMask) {
        this.maskId = maskId;
        this.perplexityAtMask = perplexityAtMask;
    }

    /** Every metric, the perplexity at [MASK] inputs included: for held-out evaluation. */
    public static PretrainingMetrics forEvaluation() {
        return new PretrainingMetrics(ALBERT_MASK_ID, true);
    }

    /** Adds one batch's losses and accuracies. */
    public void add(AlbertForPreTrainingOutput out, Batch batch) {
        lossSum += scalar(out.loss());
        mlmLossSum += out.mlmLoss() == null ? 0 : scalar(out.mlmLoss());
        sopLossSum += out.sopLoss() == null ? 0 : scalar(out.sopLoss());
        batches++;
        countMlm(out.predictionLogits(), batch);
        countSop(out.sopLogits(), batch.sentenceOrderLabels());
    }

    /** Scores the batch's masked positions (GR's masked_lm_positions), which the batch carries from the masker. */
    private void countMlm(Tensor logits, Batch batch) {
        int[] positions = batch.maskedPositions();
        int[] labels = batch.maskedLabels();
        if (positions.length == 0) {
            return;
        }
        int vocab = logits.dim(logits.rank() - 1);
        // Either [M, V] (row i is positions[i]: forwardAtMaskedPositions) or [B·S, V] (every position: forward).
        boolean compact = logits.numel() / vocab == positions.length;
        Tensor rows = logits;
        if (!compact && (perplexityAtMask || !logits.device().isCpu())) {
            // Only the masked rows are scored further, and only they cross to the host: [B·S, V] logits on a GPU
            // would be hundreds of MB per step.
            try (NoGrad noGrad = NoGrad.enter()) {
                rows = Ops.gatherRows(logits.view(batch.mlmLabels().length, vocab),
                        Step.current().upload(positions, positions.length));
            }
            compact = true;
        }
        MemorySegment data = hostData(rows);
        // Each [MASK] row's cross-entropy is lse - logit[label], with the log-sum-exp from the native softmax kernel.
        MemorySegment lse = null;
        if (perplexityAtMask) {
            try (NoGrad noGrad = NoGrad.enter()) {
                lse = hostData(Ops.rowLogSumExp(rows));
            }
        }
        for (int i = 0; i < positions.length; i++) {
            int position = positions[i];
            mlmTotal++;
            long offset = (long) (compact ? i : position) * vocab;
            boolean correct = argmax(data, offset, vocab) == labels[i];
            if (correct) {
                mlmCorrect++;
            }
            if (batch.inputIds()[position] == maskId) {
                maskedInputTotal++;
                if (lse != null) {
                    maskedInputLossSum += (double) lse.getAtIndex(ValueLayout.JAVA_FLOAT, i)
                            - data.getAtIndex(ValueLayout.JAVA_FLOAT, offset + labels[i]);
                }
                if (correct) {
                    maskedInputCorrect++;
                }
            }
        }
    }

    private void countSop(Tensor logits, int[] labels) {
        if (labels == null) {
            return;
        }
        MemorySegment data = hostData(logits);
        for (int row = 0; row < labels.length; row++) {
            sopTotal++;
            if (argmax(data, 2L * row, 2) == labels[row]) {
                sopCorrect++;
            }
        }
    }

    private static int argmax(MemorySegment data, long offset, int n) {
        int best = 0;
        float bestValue = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = data.getAtIndex(ValueLayout.JAVA_FLOAT, offset + i);
            if (v > bestValue) {
                bestValue = v;
                best = i;
            }
        }
        return best;
    }

    /** CPU tensors are read in place; device tensors are copied to the host once. */
    private static MemorySegment hostData(Tensor t) {
        if (t.dtype() != DType.F32) {
            throw new IllegalArgumentException("metrics: logits must be F32, got " + t.describe());
        }
        return Backends.hostSegment(t);
    }

    static double scalar(Tensor t) {
        return Backends.hostScalar(t);
    }

    /** Adds what {@code other} has counted (one scan of the logits can feed several running sums). */
    public void addAll(PretrainingMetrics other) {
        lossSum += other.lossSum;
        mlmLossSum += other.mlmLossSum;
        sopLossSum += other.sopLossSum;
        batches += other.batches;
        mlmCorrect += other.mlmCorrect;
        mlmTotal += other.mlmTotal;
        sopCorrect += other.sopCorrect;
        sopTotal += other.sopTotal;
        maskedInputCorrect += other.maskedInputCorrect;
        maskedInputTotal += other.maskedInputTotal;
        maskedInputLossSum += other.maskedInputLossSum;
    }

    /**
     * The counts behind the accuracies ({@code [mlmCorrect, mlmTotal, sopCorrect, sopTotal, maskedInputCorrect,
     * maskedInputTotal]}), to be summed over the ranks of a data-parallel step.
     */
    long[] counts() {
        return new long[] {mlmCorrect, mlmTotal, sopCorrect, sopTotal, maskedInputCorrect, maskedInputTotal};
    }

    /**
     * A whole step as one batch: its losses (already normalised over the step's global batch) and {@link #counts()}
     * summed over micro-batches and ranks.
     */
    static PretrainingMetrics ofStep(double mlmLoss, double sopLoss, long[] counts) {
        PretrainingMetrics step = new PretrainingMetrics();
        step.mlmLossSum = mlmLoss;
        step.sopLossSum = sopLoss;
        step.lossSum = mlmLoss + sopLoss;
        step.batches = 1;
        step.mlmCorrect = counts[0];
        step.mlmTotal = counts[1];
        step.sopCorrect = counts[2];
        step.sopTotal = counts[3];
        step.maskedInputCorrect = counts[4];
        step.maskedInputTotal = counts[5];
        return step;
    }

    public int batches() {
        return batches;
    }

    /** Mean total loss (MLM + SOP) per batch; NaN before the first batch. */
    public double loss() {
        return batches == 0 ? Double.NaN : lossSum / batches;
    }

    public double mlmLoss() {
        return batches == 0 ? Double.NaN : mlmLossSum / batches;
    }

    public double sopLoss() {
        return batches == 0 ? Double.NaN : sopLossSum / batches;
    }

    /** exp(mean MLM loss). */
    public double perplexity() {
        return Math.exp(mlmLoss());
    }

    public double mlmAccuracy() {
        return mlmTotal == 0 ? Double.NaN : (double) mlmCorrect / mlmTotal;
    }

    /**
     * MLM accuracy over the positions whose input was replaced by [MASK] (80% of the predictions): unlike
     * {@link #mlmAccuracy()} it gets nothing from the 10% of targets left unchanged in the input, so it shows what
     * the model infers from context alone.
     */
    public double maskedInputAccuracy() {
        return maskedInputTotal == 0 ? Double.NaN : (double) maskedInputCorrect / maskedInputTotal;
    }

    /**
     * exp(mean cross-entropy) over the positions whose input is [MASK]. Where top-1 accuracy only moves once the
     * model has learnt local syntax (the best guess stays "the" until then), this moves as soon as the model draws
     * anything from context, such as the topic: compare it with {@code HeldOutEvaluation.unigramPerplexityAtMask}.
     * NaN unless made {@link #forEvaluation()}.
     */
    public double maskedInputPerplexity() {
        return maskedInputTotal == 0 || !perplexityAtMask ? Double.NaN
                : Math.exp(maskedInputLossSum / maskedInputTotal);
    }

    public double sopAccuracy() {
        return sopTotal == 0 ? Double.NaN : (double) sopCorrect / sopTotal;
    }

    public long maskedTokens() {
        return mlmTotal;
    }

    public void reset() {
        lossSum = mlmLossSum = sopLossSum = 0;
        batches = 0;
        mlmCorrect = mlmTotal = sopCorrect = sopTotal = maskedInputCorrect = maskedInputTotal = 0;
        maskedInputLossSum = 0;
    }
}
