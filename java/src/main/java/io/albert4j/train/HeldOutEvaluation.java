package io.albert4j.train;

import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.albert.AlbertForPreTrainingOutput;
import io.albert4j.albert.AlbertInputs;
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

    /** Runs the model (dropout off) on every batch; the model's train/eval mode is restored afterwards. */
    public PretrainingMetrics evaluate(AlbertForPreTraining model, StepArena arena) {
        boolean wasTraining = model.isTraining();
        model.eval();
        PretrainingMetrics metrics = new PretrainingMetrics();
        try {
            for (Batch b : batches) {
                try (Step step = Step.inference(model.backend(), arena)) {
                    AlbertInputs inputs = AlbertInputs.copyOf(b.batchSize(), b.seqLen(), b.inputIds(),
                            b.attentionMask(), b.tokenTypeIds(), b.mlmLabels(), b.sentenceOrderLabels());
                    AlbertForPreTrainingOutput out = model.forward(inputs, 0L);
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
     * MLM accuracy of the best constant guess: always predicting the most frequent masked token of these very
     * batches. A model that uses context must beat it; it is an upper bound for any unigram predictor.
     */
    public double unigramBaseline() {
        return bestConstantGuess(false);
    }

    /** As {@link #unigramBaseline()}, over the positions whose input is [MASK] only. */
    public double unigramBaselineAtMask() {
        return bestConstantGuess(true);
    }

    private double bestConstantGuess(boolean maskInputsOnly) {
        Map<Integer, Integer> counts = new HashMap<>();
        long total = 0;
        for (Batch b : batches) {
            for (int i = 0; i < b.mlmLabels().length; i++) {
                int label = b.mlmLabels()[i];
                if (label != Batch.IGNORE_INDEX
                        && (!maskInputsOnly || b.inputIds()[i] == PretrainingMetrics.ALBERT_MASK_ID)) {
                    counts.merge(label, 1, Integer::sum);
                    total++;
                }
            }
        }
        int best = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        return total == 0 ? Double.NaN : (double) best / total;
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
