package io.albert4j.train;

import io.albert4j.data.PretrainingConfig;

import java.time.Duration;

/**
 * Every setting of a pretraining run, named after GR run_pretraining.py / create_pretraining_data.py flags.
 * {@link #defaults()} are the paper's (batch 4096, LAMB 0.00176, 125k steps, 3,125 warmup, seq 512); the CLI
 * scales them down for small machines.
 *
 * @param trainBatchSize      the effective batch: sequences per optimizer update
 * @param microBatchSize      sequences per forward/backward; {@code trainBatchSize / microBatchSize} micro-batches
 *                            are accumulated into one update (must divide it)
 * @param polyPower           exponent of the polynomial decay after warmup (1 = linear)
 * @param optimizer           "lamb" (pretraining default) or "adamw"
 * @param logEverySteps       a train line in metrics.jsonl every this many steps
 * @param evalEverySteps      held-out evaluation every this many steps (0 = only at the end)
 * @param saveCheckpointsSteps checkpoint every this many steps (0 = only at the end)
 * @param recomputeActivations recompute each layer's activations in backward instead of keeping them
 * @param skipNonFiniteSteps  skip (rather than stop at) a step whose loss or gradient is NaN/Inf
 * @param timeBudgetSeconds   wall time the run may take (0 = none: {@code numTrainSteps} is a fixed plan). With a
 *                            budget, {@code numTrainSteps} is only the first plan: {@link TrainingPlan} re-plans the
 *                            step count from the measured speed so that the run ends on time, and the warmup is the
 *                            fraction {@code numWarmupSteps / numTrainSteps} of whatever total it settles on
 */
public record PretrainingOptions(
        int maxSeqLength,
        int maxPredictionsPerSeq,
        double maskedLmProb,
        int ngram,
        double shortSeqProb,
        int dupeFactor,
        int trainBatchSize,
        int microBatchSize,
        double learningRate,
        long numTrainSteps,
        long numWarmupSteps,
        double polyPower,
        String optimizer,
        float weightDecay,
        float clipNorm,
        float beta1,
        float beta2,
        float epsilon,
        int logEverySteps,
        int evalEverySteps,
        int saveCheckpointsSteps,
        int keepCheckpointMax,
        long seed,
        boolean recomputeActivations,
        boolean skipNonFiniteSteps,
        double timeBudgetSeconds) {

    /** The paper's warmup: 3,125 of its 125,000 steps. */
    public static final double WARMUP_FRACTION = 0.025;

    public PretrainingOptions {
        require(maxSeqLength >= 5, "max sequence length must be >= 5, got " + maxSeqLength);
        require(trainBatchSize >= 1 && microBatchSize >= 1, "batch sizes must be >= 1, got train batch "
                + trainBatchSize + ", micro-batch " + microBatchSize);
        require(trainBatchSize % microBatchSize == 0, "the train batch (" + trainBatchSize
                + ") must be a multiple of the micro-batch (" + microBatchSize + ")");
        require(numTrainSteps >= 1, "number of train steps must be >= 1, got " + numTrainSteps);
        require(numWarmupSteps >= 0 && numWarmupSteps <= numTrainSteps, "warmup steps must be in [0, "
                + numTrainSteps + "], got " + numWarmupSteps);
        require(learningRate > 0 && Double.isFinite(learningRate), "learning rate must be > 0, got " + learningRate);
        require("lamb".equals(optimizer) || "adamw".equals(optimizer),
                "optimizer must be lamb or adamw, got '" + optimizer + "'");
        require(logEverySteps >= 1, "log interval must be >= 1, got " + logEverySteps);
        require(evalEverySteps >= 0 && saveCheckpointsSteps >= 0, "eval/save intervals must be >= 0");
        require(keepCheckpointMax >= 1, "keep at least 1 checkpoint, got " + keepCheckpointMax);
        require(timeBudgetSeconds >= 0 && Double.isFinite(timeBudgetSeconds),
                "time budget must be >= 0 seconds (0 = none), got " + timeBudgetSeconds);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("pretraining: " + message);
        }
    }

    /** The paper's setup (albert-spec.md §4), with the micro-batch equal to the batch. */
    public static PretrainingOptions defaults() {
        return new PretrainingOptions(512, 20, 0.15, 3, 0.1, 40, 4096, 4096, 0.00176, 125_000, 3_125, 1.0, "lamb",
                0.01f, 1.0f, 0.9f, 0.999f, 1e-6f, 100, 5_000, 5_000, 5, 12345L, false, false, 0);
    }

    /**
     * The paper's warmup, 2.5% of the steps (3,125 of 125,000), rounded up: a run of fewer than 40 steps still warms
     * up over its first step (whose rate is 0, as in GR's schedule) instead of starting at the full rate.
     */
    public static long defaultWarmupSteps(long numTrainSteps) {
        return (numTrainSteps * 25 + 999) / 1000;  // in integers: 0.025 has no exact double
    }

    public int accumulationSteps() {
        return trainBatchSize / microBatchSize;
    }

    public LearningRateSchedule schedule() {
        return new LearningRateSchedule(learningRate, numTrainSteps, numWarmupSteps, polyPower, 0);
    }

    public OptimizerConfig optimizerConfig() {
        return new OptimizerConfig(beta1, beta2, epsilon, weightDecay, clipNorm, OptimizerConfig.GR_EXCLUSIONS,
                OptimizerConfig.GR_EXCLUSIONS, skipNonFiniteSteps);
    }

    /** The data pipeline's settings: micro-batches, cycling past {@code dupeFactor} so steps decide the length. */
    public PretrainingConfig dataConfig() {
        PretrainingConfig base = PretrainingConfig.defaults(maxSeqLength, microBatchSize);
        return new PretrainingConfig(maxSeqLength, shortSeqProb, maskedLmProb, maxPredictionsPerSeq, ngram,
                dupeFactor, true, base.shuffleWindowDocuments(), microBatchSize, base.prefetchBatches(),
                base.workerThreads(), seed);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Named setters over a copy of the fields (the record has too many for positional calls). */
    public static final class Builder {
        private int maxSeqLength, maxPredictionsPerSeq, ngram, dupeFactor, trainBatchSize, microBatchSize;
        private double maskedLmProb, shortSeqProb, learningRate, polyPower;
        private long numTrainSteps, numWarmupSteps, seed;
        private String optimizer;
        private float weightDecay, clipNorm, beta1, beta2, epsilon;
        private int logEverySteps, evalEverySteps, saveCheckpointsSteps, keepCheckpointMax;
        private boolean recomputeActivations, skipNonFiniteSteps;
        private double timeBudgetSeconds;

        private Builder(PretrainingOptions o) {
            maxSeqLength = o.maxSeqLength; maxPredictionsPerSeq = o.maxPredictionsPerSeq; maskedLmProb = o.maskedLmProb;
            ngram = o.ngram; shortSeqProb = o.shortSeqProb; dupeFactor = o.dupeFactor;
            trainBatchSize = o.trainBatchSize; microBatchSize = o.microBatchSize; learningRate = o.learningRate;
            numTrainSteps = o.numTrainSteps; numWarmupSteps = o.numWarmupSteps; polyPower = o.polyPower;
            optimizer = o.optimizer; weightDecay = o.weightDecay; clipNorm = o.clipNorm; beta1 = o.beta1;
            beta2 = o.beta2; epsilon = o.epsilon; logEverySteps = o.logEverySteps; evalEverySteps = o.evalEverySteps;
            saveCheckpointsSteps = o.saveCheckpointsSteps; keepCheckpointMax = o.keepCheckpointMax; seed = o.seed;
            recomputeActivations = o.recomputeActivations; skipNonFiniteSteps = o.skipNonFiniteSteps;
            timeBudgetSeconds = o.timeBudgetSeconds;
        }

        public Builder maxSeqLength(int v) { maxSeqLength = v; return this; }
        public Builder maxPredictionsPerSeq(int v) { maxPredictionsPerSeq = v; return this; }
        public Builder maskedLmProb(double v) { maskedLmProb = v; return this; }
        public Builder ngram(int v) { ngram = v; return this; }
        public Builder shortSeqProb(double v) { shortSeqProb = v; return this; }
        public Builder dupeFactor(int v) { dupeFactor = v; return this; }
        public Builder trainBatchSize(int v) { trainBatchSize = v; return this; }
        public Builder microBatchSize(int v) { microBatchSize = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder numTrainSteps(long v) { numTrainSteps = v; return this; }
        public Builder numWarmupSteps(long v) { numWarmupSteps = v; return this; }
        /** {@code numTrainSteps} with the paper's warmup fraction, rounded up ({@link #defaultWarmupSteps}). */
        public Builder trainSteps(long v) {
            numTrainSteps = v;
            numWarmupSteps = defaultWarmupSteps(v);
            return this;
        }
        public Builder polyPower(double v) { polyPower = v; return this; }
        public Builder optimizer(String v) { optimizer = v; return this; }
        public Builder weightDecay(float v) { weightDecay = v; return this; }
        public Builder clipNorm(float v) { clipNorm = v; return this; }
        public Builder beta1(float v) { beta1 = v; return this; }
        public Builder beta2(float v) { beta2 = v; return this; }
        public Builder epsilon(float v) { epsilon = v; return this; }
        public Builder logEverySteps(int v) { logEverySteps = v; return this; }
        public Builder evalEverySteps(int v) { evalEverySteps = v; return this; }
        public Builder saveCheckpointsSteps(int v) { saveCheckpointsSteps = v; return this; }
        public Builder keepCheckpointMax(int v) { keepCheckpointMax = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder recomputeActivations(boolean v) { recomputeActivations = v; return this; }
        public Builder skipNonFiniteSteps(boolean v) { skipNonFiniteSteps = v; return this; }
        public Builder timeBudgetSeconds(double v) { timeBudgetSeconds = v; return this; }
        /** A time budget ({@code null}: none, a fixed plan of {@code numTrainSteps}). */
        public Builder timeBudget(Duration v) { timeBudgetSeconds = v == null ? 0 : v.toNanos() / 1e9; return this; }

        public PretrainingOptions build() {
            return new PretrainingOptions(maxSeqLength, maxPredictionsPerSeq, maskedLmProb, ngram, shortSeqProb,
                    dupeFactor, trainBatchSize, microBatchSize, learningRate, numTrainSteps, numWarmupSteps, polyPower,
                    optimizer, weightDecay, clipNorm, beta1, beta2, epsilon, logEverySteps, evalEverySteps,
                    saveCheckpointsSteps, keepCheckpointMax, seed, recomputeActivations, skipNonFiniteSteps,
                    timeBudgetSeconds);
        }
    }
}
