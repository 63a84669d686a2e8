package io.albert4j.train;

import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.albert.AlbertForPreTrainingOutput;
import io.albert4j.data.Batch;
import io.albert4j.data.DataException;
import io.albert4j.data.DocumentSource;
import io.albert4j.data.PretrainingConfig;
import io.albert4j.data.PretrainingDataLoader;
import io.albert4j.ops.Step;
import io.albert4j.tensor.StepArena;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluation of the pretraining objectives on a fixed set of held-out batches: built once (one pass, fixed seed),
 * so every evaluation of a run, and {@code albert eval} later, scores exactly the same masked positions.
 */
public final class HeldOutEvaluation {
    /**
     * The masking seed of a run's held-out set under the default seed (12345, + 1 for held-out): {@code albert eval}
     * masks with it unless told otherwise, so it scores what the run's evaluations scored.
     */
    public static final long DEFAULT_SEED = 12346;
    /** <pad>, <unk>, [CLS], [SEP], [MASK] are ids 0–4 (albert-spec.md §3): not words, left out of the counts. */
    private static final int LAST_SPECIAL_ID = 4;

    private final List<Batch> batches;

    private HeldOutEvaluation(List<Batch> batches) {
        this.batches = List.copyOf(batches);
    }

    /** Up to {@code maxBatches} batches of one pass over {@code source} with {@code config}'s masking. */
    public static HeldOutEvaluation collect(DocumentSource source, PretrainingConfig config, int maxBatches) {
        PretrainingConfig onePass = config.withDupeFactor(1, false);
        List<Batch> batches = new ArrayList<>();
        try (PretrainingDataLoader loader = PretrainingDataLoader.open(source, onePass)) {
            while (batches.size() < maxBatches && loader.hasNext()) {
                batches.add(loader.next());
            }
        }
        if (batches.isEmpty()) {
            throw new DataException(source.description() + ": no held-out instances (is the corpus empty?)");
        }
        return new HeldOutEvaluation(batches);
    }

    public static HeldOutEvaluation of(List<Batch> batches) {
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("held-out evaluation needs at least one batch");
        }
        return new HeldOutEvaluation(batches);
    }

    public List<Batch> batches() {
        return batches;
    }

    /** As {@link #evaluate(AlbertForPreTraining, StepArena)} in an arena of its own. */
    public PretrainingMetrics evaluate(AlbertForPreTraining model) {
        try (StepArena arena = new StepArena(model.backend(), 64L << 20)) {
            return evaluate(model, arena);
        }
    }

    /** Runs the model (dropout off) on every batch; the model's train/eval mode is restored afterwards. */
    public PretrainingMetrics evaluate(AlbertForPreTraining model, StepArena arena) {
        boolean wasTraining = model.isTraining();
        model.eval();
        PretrainingMetrics metrics = PretrainingMetrics.forEvaluation();
        try {
            for (Batch b : batches) {
                try (Step step = Step.inference(model.backend(), arena)) {
                    AlbertForPreTrainingOutput out = model.forwardAtMaskedPositions(PretrainingInputs.of(b), 0L);
                    metrics.add(out, b);
                }
            }
        } finally {
            if (wasTraining) {
                model.train();
            }
        }
        return metrics;
    }

    /**
     * MLM accuracy, over all labelled positions, of a predictor that uses no context: it copies the input token
     * where the input is not [MASK] (BERT masking leaves 10% of the targets unchanged and swaps 10% for a random
     * token, so copying is right about half the time there) and guesses the most frequent target at [MASK]
     * inputs. A model learns the copying within a few hundred steps, so this, not the constant guess alone, is
     * the bar for the all-positions accuracy that GR's {@code masked_lm_accuracy} reports.
     */
    public double copyOrUnigramBaseline() {
        return contextFreeAccuracy(false);
    }

    /**
     * MLM accuracy at the [MASK] inputs of the best constant guess: always predicting the most frequent target
     * there. A model that uses context must beat it; it is an upper bound for any unigram predictor.
     */
    public double unigramBaselineAtMask() {
        return contextFreeAccuracy(true);
    }

    /**
     * Perplexity at the [MASK] inputs of a unigram model of this very text: token frequencies counted over the
     * visible, unlabelled positions of these batches (add-half smoothing over {@code vocabSize}), so it is fitted
     * to the same documents without seeing the answers. A model that ignores context does no better; a
     * {@link PretrainingMetrics#maskedInputPerplexity()} below it shows that the model draws on context.
     */
    public double unigramPerplexityAtMask(int vocabSize) {
        long[] counts = new long[vocabSize];
        long total = 0;
        for (Batch b : batches) {
            for (int i = 0; i < b.inputIds().length; i++) {
                int id = b.inputIds()[i];
                if (b.mlmLabels()[i] == Batch.IGNORE_INDEX && b.attentionMask()[i] != 0 && id > LAST_SPECIAL_ID
                        && id < vocabSize) {
                    counts[id]++;
                    total++;
                }
            }
        }
        double smoothing = 0.5;
        double denominator = total + smoothing * vocabSize;
        double crossEntropy = 0;
        long targets = 0;
        for (Batch b : batches) {
            for (int i = 0; i < b.maskedPositions().length; i++) {
                int label = b.maskedLabels()[i];
                if (b.inputIds()[b.maskedPositions()[i]] == PretrainingMetrics.ALBERT_MASK_ID && label < vocabSize) {
                    crossEntropy -= Math.log((counts[label] + smoothing) / denominator);
                    targets++;
                }
            }
        }
        return targets == 0 ? Double.NaN : Math.exp(crossEntropy / targets);
    }

    /** Copy the input where it is visible, guess the most frequent target where it is [MASK]. */
    private double contextFreeAccuracy(boolean maskInputsOnly) {
        int guess = mostFrequentTargetAtMask();
        long correct = 0;
        long total = 0;
        for (Batch b : batches) {
            for (int i = 0; i < b.maskedPositions().length; i++) {
                int input = b.inputIds()[b.maskedPositions()[i]];
                boolean masked = input == PretrainingMetrics.ALBERT_MASK_ID;
                if (masked || !maskInputsOnly) {
                    int prediction = masked ? guess : input;
                    correct += prediction == b.maskedLabels()[i] ? 1 : 0;
                    total++;
                }
            }
        }
        return total == 0 ? Double.NaN : (double) correct / total;
    }

    private int mostFrequentTargetAtMask() {
        Map<Integer, Integer> counts = new HashMap<>();
        for (Batch b : batches) {
            for (int i = 0; i < b.maskedPositions().length; i++) {
                if (b.inputIds()[b.maskedPositions()[i]] == PretrainingMetrics.ALBERT_MASK_ID) {
                    counts.merge(b.maskedLabels()[i], 1, Integer::sum);
                }
            }
        }
        // Ties go to the smaller id, so the baseline does not depend on HashMap order.
        int best = -1;
        int bestCount = 0;
        for (Map.Entry<Integer, Integer> e : counts.entrySet()) {
            if (e.getValue() > bestCount || (e.getValue() == bestCount && e.getKey() < best)) {
                best = e.getKey();
                bestCount = e.getValue();
            }
        }
        return best;
    }

    /** SOP accuracy of always answering the majority label of these batches. */
    public double sopMajorityBaseline() {
        long ones = 0;
        long total = 0;
        for (Batch b : batches) {
            for (int label : b.sentenceOrderLabels()) {
                ones += label;
                total++;
            }
        }
        return total == 0 ? Double.NaN : (double) Math.max(ones, total - ones) / total;
    }
}
