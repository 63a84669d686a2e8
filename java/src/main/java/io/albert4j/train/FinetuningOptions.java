package io.albert4j.train;

/**
 * The fine-tuning loop's settings, after GR's run_classifier / run_squad / run_race: AdamW at {@code learningRate}
 * with linear warmup and linear decay to 0, batches of {@code batchSize} features accumulated from micro-batches of
 * {@code microBatchSize}, for {@code trainSteps} updates, or {@code epochs} passes over the training features when
 * {@code trainSteps} is 0. Warmup is {@code warmupSteps} updates, or {@code warmupFraction} of all when
 * {@code warmupSteps} is negative. The held-out set is scored every {@code evalEverySteps} updates (0: at the end of
 * each epoch) and at the end, and the best score is kept as the checkpoint (as the paper reports GLUE: best dev
 * checkpoint).
 */
public record FinetuningOptions(double learningRate, int batchSize, int microBatchSize, double epochs, long trainSteps,
                                double warmupFraction, long warmupSteps, int evalEverySteps, int logEverySteps,
                                long seed, OptimizerConfig optimizer) {
    public FinetuningOptions {
        // One line per broken setting, with its value (in a compact constructor `this` would still print zeros).
        java.util.List<String> problems = new java.util.ArrayList<>();
        if (!(learningRate > 0)) {
            problems.add("learning rate must be > 0, got " + learningRate);
        }
        if (batchSize <= 0) {
            problems.add("batch size must be > 0, got " + batchSize);
        }
        if (microBatchSize <= 0) {
            problems.add("micro-batch size must be > 0, got " + microBatchSize);
        } else if (batchSize > 0 && batchSize % microBatchSize != 0) {
            problems.add("batch size " + batchSize + " must be a multiple of the micro-batch size " + microBatchSize);
        }
        if (trainSteps < 0) {
            problems.add("steps must be >= 0 (0: by epochs), got " + trainSteps);
        } else if (trainSteps == 0 && !(epochs > 0)) {
            problems.add("epochs must be > 0 when no step count is given, got " + epochs);
        }
        if (!(warmupFraction >= 0 && warmupFraction < 1)) {
            problems.add("warmup fraction must be in [0, 1), got " + warmupFraction);
        }
        if (evalEverySteps < 0) {
            problems.add("evaluation interval must be >= 0 (0: every epoch), got " + evalEverySteps);
        }
        if (logEverySteps <= 0) {
            problems.add("log interval must be > 0, got " + logEverySteps);
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("fine-tuning: " + String.join("; ", problems));
        }
    }

    /** GR's run_classifier defaults: lr 2e-5, batch 32, 3 epochs, 10% warmup, AdamW with GR's settings. */
    public static FinetuningOptions defaults() {
        return new FinetuningOptions(2e-5, 32, 32, 3, 0, 0.1, -1, 0, 20, 12345, OptimizerConfig.defaults());
    }

    public int accumulationSteps() {
        return batchSize / microBatchSize;
    }

    /** Updates in the whole run for {@code trainingSize} features. */
    public long totalSteps(int trainingSize) {
        if (trainSteps > 0) {
            return trainSteps;
        }
        long perEpoch = (trainingSize + batchSize - 1) / batchSize;
        return Math.max(1, (long) Math.ceil(perEpoch * epochs));
    }

    public long warmup(long totalSteps) {
        return warmupSteps >= 0 ? Math.min(warmupSteps, totalSteps) : Math.round(totalSteps * warmupFraction);
    }

    public FinetuningOptions withLearningRate(double v) {
        return new FinetuningOptions(v, batchSize, microBatchSize, epochs, trainSteps, warmupFraction, warmupSteps,
                evalEverySteps, logEverySteps, seed, optimizer);
    }

    public FinetuningOptions withBatch(int batch, int micro) {
        return new FinetuningOptions(learningRate, batch, micro, epochs, trainSteps, warmupFraction, warmupSteps,
                evalEverySteps, logEverySteps, seed, optimizer);
    }

    public FinetuningOptions withLength(double epochCount, long steps) {
        return new FinetuningOptions(learningRate, batchSize, microBatchSize, epochCount, steps, warmupFraction,
                warmupSteps, evalEverySteps, logEverySteps, seed, optimizer);
    }

    public FinetuningOptions withWarmup(double fraction, long steps) {
        return new FinetuningOptions(learningRate, batchSize, microBatchSize, epochs, trainSteps, fraction, steps,
                evalEverySteps, logEverySteps, seed, optimizer);
    }

    public FinetuningOptions withEvaluation(int everySteps, int logEvery) {
        return new FinetuningOptions(learningRate, batchSize, microBatchSize, epochs, trainSteps, warmupFraction,
                warmupSteps, everySteps, logEvery, seed, optimizer);
    }

    public FinetuningOptions withSeed(long v) {
        return new FinetuningOptions(learningRate, batchSize, microBatchSize, epochs, trainSteps, warmupFraction,
                warmupSteps, evalEverySteps, logEverySteps, v, optimizer);
    }
}
