package io.albert4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.albert4j.albert.AlbertPreTrainedModel;
import io.albert4j.io.AtomicFiles;
import io.albert4j.io.ForeignFilesException;
import io.albert4j.io.HfModelDirectory;
import io.albert4j.ops.Step;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The fine-tuning loop of GR's run_classifier / run_squad / run_race, for any {@link FinetuningTask}: AdamW with
 * GR's settings (global-norm clipping 1.0, weight decay 0.01 except LayerNorm and biases), linear warmup then
 * linear decay to 0, gradient accumulation over micro-batches, the training features shuffled every epoch, the
 * held-out set scored every N steps with the best checkpoint kept (the paper reports the best dev checkpoint).
 *
 * <p>The run directory holds {@code model/} (the best checkpoint so far, or the final model without held-out data:
 * a HuggingFace model directory whose config.json also says how to use it for the task), {@code metrics.jsonl}
 * (train and eval lines; {@code albert plot} draws them), {@code eval_results.json} and the task's prediction
 * files of the best checkpoint. Each is written atomically ({@link AtomicFiles}), so a kill leaves the previous best
 * or the new one, never a mix. After {@link #run()} the model holds the best checkpoint's weights.
 *
 * <pre>{@code
 * try (var task = ClassificationTask.forTraining(spec, pretrainedDir, train, dev, seed)) {
 *     Finetuner.Result r = new Finetuner(task, FinetuningOptions.defaults(), Path.of("runs/sst2"),
 *             pretrainedDir.resolve("spiece.model")).run();
 *     System.out.println(r.best().metrics());
 * }
 * }</pre>
 */
public final class Finetuner {
    public static final String MODEL_DIR = "model";
    public static final String EVAL_RESULTS_FILE = "eval_results.json";
    /** What every run writes; a task adds its prediction files ({@link FinetuningTask#outputFiles()}). */
    public static final Set<String> RUN_FILES = Set.of(MODEL_DIR, MetricsLog.FILE_NAME, EVAL_RESULTS_FILE,
            TrainingPlot.PNG_FILE, TrainingPlot.HTML_FILE);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** 64 MiB first slab; the arena grows to the first step's high-water mark. */
    private static final long ARENA_BYTES = 64L << 20;

    private final FinetuningTask task;
    private final FinetuningOptions options;
    private final Path runDir;
    private final Path tokenizerModel;
    private boolean showProgress = true;
    private boolean overwrite;
    private PrintStream log = System.err;

    /** @param tokenizerModel spiece.model copied into every saved checkpoint (may be null) */
    public Finetuner(FinetuningTask task, FinetuningOptions options, Path runDir, Path tokenizerModel) {
        if (task.trainingSize() == 0) {
            throw new IllegalArgumentException("fine-tuning " + task.name() + ": no training examples");
        }
        this.task = task;
        this.options = options;
        this.runDir = runDir;
        this.tokenizerModel = tokenizerModel;
    }

    /** Off: no progress bar (tests, services); log lines still go to {@link #logTo}. */
    public Finetuner showProgress(boolean show) {
        this.showProgress = show;
        return this;
    }

    public Finetuner logTo(PrintStream stream) {
        this.log = stream;
        return this;
    }

    /** On: the run directory may hold other files (kept) and an earlier fine-tuning run (replaced). */
    public Finetuner overwrite(boolean on) {
        this.overwrite = on;
        return this;
    }

    /**
     * What a run did: the step and evaluation of the best checkpoint (null without held-out data), the last
     * evaluation, the mean training loss of each step, the training speed and where the model went.
     */
    public record Result(long steps, long bestStep, FinetuningEvaluation best, FinetuningEvaluation last,
                         double[] stepLosses, double tokensPerSecond, Path modelDir) {
    }

    /** The entries a run writes into its directory, for {@code task}. */
    public static Set<String> runEntries(FinetuningTask task) {
        Set<String> names = new HashSet<>(RUN_FILES);
        names.addAll(task.outputFiles());
        return names;
    }

    /**
     * Throws what {@link #run()} would refuse, before any work: a file in the way, a directory with files a run
     * does not write, or an earlier run (unless {@code overwrite}).
     */
    public static void checkRunDirectory(Path runDir, Set<String> runEntries, boolean overwrite) throws IOException {
        if (Files.exists(runDir) && !Files.isDirectory(runDir)) {
            throw new FileAlreadyExistsException(runDir.toString(), null, "is a file, not a run directory");
        }
        if (overwrite) {
            return;
        }
        List<String> foreign = ForeignFilesException.foreignEntries(runDir,
                name -> runEntries.contains(AtomicFiles.leftoverOf(name).orElse(name)));
        if (!foreign.isEmpty()) {
            throw new ForeignFilesException(runDir, "a fine-tuning run", foreign);
        }
        if (Files.exists(runDir.resolve(MODEL_DIR)) || Files.exists(runDir.resolve(MetricsLog.FILE_NAME))) {
            throw new IllegalArgumentException(runDir + " already holds a fine-tuning run: start it over "
                    + "(--overwrite) or fine-tune into a new directory");
        }
        HfModelDirectory.checkCanSave(runDir.resolve(MODEL_DIR), false);
    }

    public Result run() throws IOException {
        AtomicFiles.recover(runDir.resolve(MODEL_DIR));
        checkRunDirectory(runDir, runEntries(task), overwrite);
        Files.createDirectories(runDir);
        Files.deleteIfExists(runDir.resolve(MetricsLog.FILE_NAME)); // an earlier run's, with --overwrite
        AlbertPreTrainedModel model = task.model();
        int size = task.trainingSize();
        long totalSteps = options.totalSteps(size);
        long stepsPerEpoch = (size + options.batchSize() - 1) / options.batchSize();
        LearningRateSchedule schedule = LearningRateSchedule.linear(options.learningRate(), totalSteps,
                options.warmup(totalSteps));
        log.printf(Locale.ROOT, "fine-tuning %s: %d training features, %d steps of %d (%d per epoch), lr %.2e, "
                        + "%d warmup steps%s%n", task.name(), size, totalSteps, options.batchSize(), stepsPerEpoch,
                options.learningRate(), options.warmup(totalSteps), task.canEvaluate() ? "" : ", no held-out data");
        model.train();
        model.enableGradients();
        model.zeroGradients();
        FinetuningEvaluation best = null;
        FinetuningEvaluation last = null;
        long bestStep = -1;
        List<Double> losses = new ArrayList<>();
        long totalTokens = 0;
        long totalNanos = 0;
        try (StepArena arena = new StepArena(model.backend(), ARENA_BYTES);
             AdamW optimizer = new AdamW(model.namedParameters(), options.optimizer());
             MetricsLog metrics = new MetricsLog(runDir);
             ProgressDisplay progress = showProgress ? ProgressDisplay.create(task.name(), totalSteps, 0) : null) {
            int[] order = null;
            int cursor = size;
            long epoch = 0;
            double windowLoss = 0;
            int windowCount = 0;
            long windowTokens = 0;
            long windowNanos = 0;
            for (long step = 0; step < totalSteps; step++) {
                long t0 = System.nanoTime();
                double lr = schedule.at(step);
                double stepLoss = 0;
                long stepTokens = 0;
                int accumulation = options.accumulationSteps();
                int inBatch = 0;
                List<int[]> micro = new ArrayList<>();
                // One batch: the next batchSize features of the epoch's order (the epoch's last batch may be short).
                if (cursor >= size) {
                    order = permutation(size, options.seed() + epoch++);
                    cursor = 0;
                }
                int end = Math.min(size, cursor + options.batchSize());
                for (int start = cursor; start < end; start += options.microBatchSize()) {
                    int[] slice = java.util.Arrays.copyOfRange(order, start, Math.min(end, start + options.microBatchSize()));
                    micro.add(slice);
                    inBatch += slice.length;
                }
                cursor = end;
                for (int m = 0; m < micro.size(); m++) {
                    int[] features = micro.get(m);
                    stepTokens += task.tokens(features);
                    try (Step s = Step.training(model.backend(), arena)) {
                        Tensor loss = task.loss(features, dropoutSeed(step, m));
                        float value = loss.getFloat(0);
                        if (!Float.isFinite(value)) {
                            model.zeroGradients();
                            throw new NonFiniteLossException(task.name(), step, value);
                        }
                        // Weighted by the micro-batch's share of the batch, so the update sees the batch mean.
                        double weight = (double) features.length / inBatch;
                        stepLoss += value * weight;
                        Tensor seed = s.allocate(DType.F32, loss.shape());
                        s.backend().fill((float) weight, seed);
                        s.tape().backward(loss, seed);
                    }
                }
                optimizer.step((float) lr);
                optimizer.zeroGrad();
                long nanos = System.nanoTime() - t0;
                losses.add(stepLoss);
                windowLoss += stepLoss;
                windowCount++;
                windowTokens += stepTokens;
                windowNanos += nanos;
                totalTokens += stepTokens;
                totalNanos += nanos;
                long done = step + 1;
                double tokensPerSecond = windowTokens / (windowNanos / 1e9);
                if (progress != null) {
                    progress.update(done, windowLoss / windowCount, lr, tokensPerSecond,
                            best == null ? "" : best.primaryMetric() + " " + format(best.primary()));
                }
                if (done % options.logEverySteps() == 0 || done == totalSteps) {
                    Map<String, Double> line = new LinkedHashMap<>();
                    line.put("loss", windowLoss / windowCount);
                    line.put("lr", lr);
                    line.put("tokens_per_second", tokensPerSecond);
                    line.put("epoch", (double) done / stepsPerEpoch);
                    metrics.append(MetricsRecord.TRAIN, done, line);
                    if (progress == null) {
                        log.printf(Locale.ROOT, "step %d/%d loss %.4f lr %.2e tok/s %.0f%n", done, totalSteps,
                                windowLoss / windowCount, lr, tokensPerSecond);
                    }
                    windowLoss = 0;
                    windowCount = 0;
                    windowTokens = 0;
                    windowNanos = 0;
                }
                boolean evaluateNow = done == totalSteps || (options.evalEverySteps() > 0
                        ? done % options.evalEverySteps() == 0 : done % stepsPerEpoch == 0);
                if (task.canEvaluate() && evaluateNow) {
                    model.eval();
                    last = task.evaluate();
                    model.train();
                    metrics.append(MetricsRecord.EVAL, done, last.metrics());
                    boolean improved = last.betterThan(best);
                    log.printf(Locale.ROOT, "step %d: %s%s%n", done, describe(last), improved ? " (best so far)" : "");
                    if (improved) {
                        best = last;
                        bestStep = done;
                        saveCheckpoint(last, done);
                    }
                }
            }
            if (!task.canEvaluate()) {
                saveCheckpoint(null, totalSteps);
            }
        } finally {
            model.eval();
        }
        if (best != null && bestStep != totalSteps) {
            // The caller gets the model it would load from model/: the best checkpoint, not the last step.
            HfModelDirectory.loadWeights(runDir.resolve(MODEL_DIR), model.namedParameters(), true);
            Step.parametersChanged();
        }
        try {
            TrainingPlot.write(runDir);
        } catch (RuntimeException | IOException e) {
            log.println("training curves not drawn: " + e.getMessage());
        }
        return new Result(totalSteps, bestStep, best, last, losses.stream().mapToDouble(Double::doubleValue).toArray(),
                totalNanos == 0 ? Double.NaN : totalTokens / (totalNanos / 1e9), runDir.resolve(MODEL_DIR));
    }

    private void saveCheckpoint(FinetuningEvaluation evaluation, long step) throws IOException {
        HfModelDirectory.save(runDir.resolve(MODEL_DIR), task.configJson(evaluation), task.model().namedParameters(),
                tokenizerModel, overwrite);
        if (evaluation != null) {
            task.writeOutputs(evaluation, runDir);
        }
        ObjectNode results = JSON.createObjectNode();
        results.put("task", task.name());
        results.put("step", step);
        if (evaluation != null) {
            results.put("primary_metric", evaluation.primaryMetric());
            ObjectNode values = results.putObject("metrics");
            evaluation.metrics().forEach((k, v) -> {
                if (Double.isFinite(v)) {
                    values.put(k, v);
                } else {
                    values.putNull(k);
                }
            });
        }
        String text = JSON.writeValueAsString(results) + "\n";
        AtomicFiles.writeFile(runDir.resolve(EVAL_RESULTS_FILE), temp -> Files.writeString(temp, text));
    }

    static String describe(FinetuningEvaluation evaluation) {
        StringBuilder b = new StringBuilder();
        evaluation.metrics().forEach((k, v) -> b.append(b.isEmpty() ? "" : ", ").append(k).append(' ')
                .append(format(v)));
        return b.toString();
    }

    private static String format(double v) {
        return Double.isNaN(v) ? "nan" : String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.1f" : "%.4f", v);
    }

    /** A seeded Fisher-Yates shuffle of 0..n-1: the data order depends only on (seed, epoch). */
    static int[] permutation(int n, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** Dropout masks depend only on (seed, step, micro-batch). */
    private long dropoutSeed(long step, int micro) {
        long z = options.seed() * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + micro * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 31)) * 0xD6E8FEB86659FD93L;
        return z ^ (z >>> 32);
    }
}
