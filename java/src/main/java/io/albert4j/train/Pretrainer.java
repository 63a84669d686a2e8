package io.albert4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.albert.AlbertForPreTrainingOutput;
import io.albert4j.dist.Communicator;
import io.albert4j.dist.GradientAllReduce;
import io.albert4j.dist.SingleProcess;
import io.albert4j.data.Batch;
import io.albert4j.data.DataCursor;
import io.albert4j.data.DataParts;
import io.albert4j.data.DocumentSource;
import io.albert4j.data.PretrainingDataLoader;
import io.albert4j.io.AtomicFiles;
import io.albert4j.io.ForeignFilesException;
import io.albert4j.io.HfModelDirectory;
import io.albert4j.ops.Ops;
import io.albert4j.ops.Step;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The pretraining loop of GR run_pretraining.py: micro-batches from the data pipeline, MLM + SOP loss, gradients
 * accumulated over {@code trainBatchSize / microBatchSize} micro-batches, global-norm clipping and a LAMB (or
 * AdamW) update at the scheduled learning rate; metrics to {@code DIR/metrics.jsonl}, held-out evaluation and
 * atomic checkpoints {@code DIR/checkpoint-STEP/}, and the final model in {@code DIR/model/}.
 *
 * <p>Exact resume: a checkpoint holds the weights, the optimizer moments, the step and the data cursor, and every
 * other random draw derives from (seed, step), so a resumed run computes bitwise the losses that an uninterrupted
 * run with the same seed would have. A run is done when its final model is on disk: resuming a run whose last
 * checkpoint is the final step writes {@code DIR/model/} from it again, so a kill during that save loses nothing.
 *
 * <p>The run directory holds only what a run writes ({@link #isRunEntry}); a fresh run refuses a directory that
 * holds anything else, or an earlier run, unless told to {@link #overwrite}.
 *
 * <p>With a time budget ({@link PretrainingOptions#timeBudgetSeconds()}) a {@link TrainingPlan} re-plans the step
 * count from the measured speed as the run goes and the learning rate follows the re-planned total. A checkpoint
 * then also holds the plan and the budget time used so far: a resumed run continues the same schedule with what is
 * left of the budget. It cannot be bitwise the uninterrupted run, whose step count depended on its own timing.
 *
 * <p>Data-parallel ({@link #communicator}): the corpus is split into {@link #dataParts} parts (by default one per
 * rank), and every rank runs this loop on the rows of its own parts ({@link DataParts}): it reads, tokenizes and
 * masks only its share of the documents. {@code trainBatchSize} stays the global batch, {@code microBatchSize} is
 * per rank. The losses are normalised over the global batch (MLM by the masked tokens of all ranks and
 * micro-batches, SOP by its rows), so the summed gradients, and the update every rank then makes, are those of one
 * process over the same batch: one process reading the same parts ({@code dataParts(N)}) trains on the same
 * sequences. Rank 0 alone writes the run directory; checkpoints record the world size, the number of parts and
 * every part's cursor, so a run resumes on any number of ranks that divides the number of parts.
 */
public final class Pretrainer {
    /** Where the final model goes under the run directory. */
    public static final String MODEL_DIR = "model";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Settings that may change between a checkpoint and its resumption without changing the numbers. */
    private static final Set<String> RESUME_MAY_CHANGE = Set.of("logEverySteps", "evalEverySteps",
            "saveCheckpointsSteps", "keepCheckpointMax", "recomputeActivations", "skipNonFiniteSteps",
            // Per rank, so it changes with the rank count; the update is that of the global batch either way.
            "microBatchSize");
    /** What a run writes besides its checkpoints; spiece.model/.vocab: the tokenizer the CLI trains into a run. */
    private static final Set<String> RUN_FILES = Set.of(MODEL_DIR, MetricsLog.FILE_NAME,
            MetricsLog.FILE_NAME + ".previous", TrainingPlot.PNG_FILE, TrainingPlot.HTML_FILE,
            HfModelDirectory.TOKENIZER_FILE, "spiece.vocab");
    /** Settings added after checkpoints were first written, with the value an older checkpoint's run had. */
    private static final Map<String, String> ADDED_SETTINGS = Map.of("timeBudgetSeconds", "0.0");

    private final AlbertForPreTraining model;
    private final PretrainingOptions options;
    private final DocumentSource corpus;
    private final HeldOutEvaluation heldOut;
    private final Path runDir;
    private final Path tokenizerModel;
    private boolean showProgress = true;
    private boolean overwrite;
    private PrintStream log = System.err;
    private LongSupplier nanoTime = System::nanoTime;
    private Communicator communicator = SingleProcess.INSTANCE;
    /** Whether bucket all-reduces run during the backward pass (several ranks, CPU gradients). */
    private boolean overlapGradientReduction = true;
    /** How many parts a fresh run splits the corpus into; 0: one per rank. */
    private int dataParts;
    /** With several ranks, rank 0's clock as every rank last heard it, so that all plan the same steps. */
    private volatile long agreedNanos;
    /** Rank 0's clock since the plan was made (several ranks only). */
    private LongSupplier rootClock;

    /**
     * @param heldOut        batches for evaluation (may be null: no evaluation)
     * @param tokenizerModel spiece.model copied into every checkpoint (may be null)
     */
    public Pretrainer(AlbertForPreTraining model, PretrainingOptions options, DocumentSource corpus,
                      HeldOutEvaluation heldOut, Path runDir, Path tokenizerModel) {
        this.model = model;
        this.options = options;
        this.corpus = corpus;
        this.heldOut = heldOut;
        this.runDir = runDir;
        this.tokenizerModel = tokenizerModel;
        if (corpus.vocabulary().vocabSize() > model.config().vocabSize()) {
            throw new IllegalArgumentException("pretraining: the corpus' tokenizer has " + corpus.vocabulary().vocabSize()
                    + " pieces but the model's vocab_size is " + model.config().vocabSize());
        }
        if (options.maxSeqLength() > model.config().maxPositionEmbeddings()) {
            throw new IllegalArgumentException("pretraining: max sequence length " + options.maxSeqLength()
                    + " exceeds the model's max_position_embeddings " + model.config().maxPositionEmbeddings());
        }
    }

    /** Off: no progress bar (tests); log lines still go to {@link #logTo}. */
    public Pretrainer showProgress(boolean show) {
        this.showProgress = show;
        return this;
    }

    public Pretrainer logTo(PrintStream stream) {
        this.log = stream;
        return this;
    }

    /**
     * On: other files in the run directory and in {@code DIR/model/} are accepted and left alone, and a fresh run
     * ({@code run(false)}) starts over an earlier run there, deleting that run's checkpoints, metrics and plots
     * (its model is replaced only when the new one is complete). Off by default: a resumed run accepts other files
     * in the run directory but not in {@code DIR/model/}, a fresh one neither.
     */
    public Pretrainer overwrite(boolean on) {
        this.overwrite = on;
        return this;
    }

    /** Whether {@code name} is an entry a run writes into its directory (or a leftover of such a write). */
    public static boolean isRunEntry(String name) {
        String target = AtomicFiles.leftoverOf(name).orElse(name);
        return RUN_FILES.contains(target) || TrainingCheckpoints.isCheckpointName(target);
    }

    /**
     * Throws what {@link #run(boolean)} would refuse for {@code runDir}, before any work is done: for a fresh run
     * (neither {@code resume} nor {@code overwrite}) a directory with files a run does not write ({@link
     * ForeignFilesException}) or with an earlier run; for every run a {@code model/} folder that holds more than a
     * model, unless {@code overwrite}.
     */
    public static void checkRunDirectory(Path runDir, boolean resume, boolean overwrite) throws IOException {
        if (Files.exists(runDir) && !Files.isDirectory(runDir)) {
            throw new FileAlreadyExistsException(runDir.toString(), null, "is a file, not a run directory");
        }
        if (!resume && !overwrite) {
            List<String> foreign = ForeignFilesException.foreignEntries(runDir, Pretrainer::isRunEntry);
            if (!foreign.isEmpty()) {
                throw new ForeignFilesException(runDir, "a training run", foreign);
            }
            if (!TrainingCheckpoints.completeCheckpoints(runDir, false).isEmpty()
                    || Files.exists(runDir.resolve(MODEL_DIR))) {
                // Mixing two runs' checkpoints would make a later --resume continue the wrong one.
                throw new IllegalArgumentException(runDir + " already holds a training run (checkpoints or a model): "
                        + "resume it (--resume), start it over (--overwrite) or train into a new directory");
            }
        }
        HfModelDirectory.checkCanSave(runDir.resolve(MODEL_DIR), overwrite);
    }

    /**
     * The ranks of a data-parallel run ({@link SingleProcess} by default). The model must start from the same weights
     * on every rank (same seed or checkpoint: checked), and every rank must read the same corpus.
     */
    public Pretrainer communicator(Communicator ranks) {
        this.communicator = ranks;
        return this;
    }

    /**
     * How many parts ({@link DataParts}) a fresh run splits the corpus into, each read by one rank or, with fewer
     * ranks, several parts by each; 0 (the default): one per rank. Must be a multiple of the rank count. A resumed
     * run keeps its checkpoint's parts (a different non-zero value is refused). One process with {@code
     * dataParts(N)} trains on the sequences that N ranks would.
     */
    public Pretrainer dataParts(int parts) {
        if (parts < 0) {
            throw new IllegalArgumentException("pretraining: data parts must be >= 1 (or 0: one per rank), got "
                    + parts);
        }
        this.dataParts = parts;
        return this;
    }

    /**
     * On (the default): with several ranks, each bucket of gradients is summed over the ranks on a communication
     * thread as soon as the backward pass has completed it ({@link GradientAllReduce}); off: all of them after the
     * backward. The weights are bitwise the same either way.
     */
    public Pretrainer overlapGradientReduction(boolean on) {
        this.overlapGradientReduction = on;
        return this;
    }

    /** The clock a time budget is measured on, in nanoseconds ({@code System::nanoTime}); tests pass a fake one. */
    public Pretrainer clock(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        return this;
    }

    /**
     * What a run did. {@code stepLosses[i]} is the mean loss of step {@code firstStep + i} (NaN when skipped).
     * {@code trainingTime} is the wall time of the run, for a resumed run with a time budget including what its
     * checkpoint had used.
     */
    public record Result(long firstStep, long finalStep, double[] stepLosses, PretrainingMetrics lastEval,
                         double tokensPerSecond, long skippedSteps, Path modelDir, Duration trainingTime) {
    }

    /**
     * Trains from the newest complete checkpoint in the run directory when {@code resume} is set (from scratch when
     * there is none), else from the model's current weights.
     */
    public Result run(boolean resume) throws IOException {
        return run(resume, Long.MAX_VALUE);
    }

    /**
     * As {@link #run(boolean)}, but stops (with a checkpoint) once {@code stopAtStep} steps are done, leaving the
     * schedule untouched: a later {@code run(true)} continues as if never interrupted.
     */
    public Result run(boolean resume, long stopAtStep) throws IOException {
        boolean root = communicator.isRoot();
        int accumulation = accumulationSteps();
        // Rank 0 alone touches the run directory; the others wait for its verdict, so a refusal stops every rank.
        Exception setupFailure = null;
        if (root) {
            try {
                // Leftovers of writes that were killed: temporary directories go, a set-aside one comes back.
                TrainingCheckpoints.recoverLeftovers(runDir);
                AtomicFiles.recover(runDir.resolve(MODEL_DIR));
                checkRunDirectory(runDir, resume, overwrite);
                Files.createDirectories(runDir);
                if (!resume && overwrite) {
                    removeEarlierRun();
                }
            } catch (IOException | RuntimeException e) {
                setupFailure = e;
            }
        }
        agreeOrThrow(setupFailure, "set up " + runDir);
        long startStep = 0;
        Optional<TrainingCheckpoints.Checkpoint> checkpoint = resume ? TrainingCheckpoints.latest(runDir)
                : Optional.empty();
        startStep = checkpoint.map(TrainingCheckpoints.Checkpoint::step).orElse(0L);
        checkSameOnEveryRank(startStep, "the checkpoint step to resume from",
                "every rank must see the same run directory (a shared file system)");
        List<DataCursor> partCursors;
        if (checkpoint.isPresent()) {
            checkCompatible(checkpoint.get().state().runConfig());
            partCursors = partCursors(checkpoint.get().state().dataCursor());
            String name = checkpoint.get().directory().getFileName().toString();
            int parts = partCursors.size();
            if (dataParts != 0 && dataParts != parts) {
                throw new IllegalArgumentException("cannot resume " + runDir + ": " + name + " splits the data into "
                        + parts + " part(s), not the " + dataParts + " asked for; a run keeps its parts (leave the "
                        + "number of data parts unset to resume)");
            }
            if (parts % communicator.size() != 0) {
                throw new IllegalArgumentException("cannot resume " + runDir + " on " + communicator.size()
                        + " ranks: " + name + " splits the data into " + parts + " part(s) (fixed when the run "
                        + "started), which " + communicator.size() + " ranks cannot share equally; resume on "
                        + "a number of ranks that divides " + parts + " (each then reads " + parts + "/ranks parts "
                        + "and the steps train on the same sequences)");
            }
            int savedWorld = checkpoint.get().state().worldSize();
            if (savedWorld != communicator.size() && root) {
                log.printf("note: %s was written by %d rank(s), this run has %d: the data stays split into %d "
                                + "part(s) and each rank now reads %d of them, so every step trains on the same "
                                + "sequences (the global batch of %d, %d rows per rank); it is not bitwise the "
                                + "uninterrupted run (sums in another order, other dropout masks)%n", name,
                        savedWorld, communicator.size(), parts, parts / communicator.size(), options.trainBatchSize(),
                        options.trainBatchSize() / communicator.size());
            }
            checkpoint.get().loadModel(model.namedParameters());
            startStep = checkpoint.get().step();
            if (root) {
                log.println("resuming from " + checkpoint.get().directory() + " at step " + startStep);
            }
        } else {
            int parts = dataParts == 0 ? communicator.size() : dataParts;
            if (parts % communicator.size() != 0) {
                throw new IllegalArgumentException("pretraining: " + parts + " data parts do not divide among "
                        + communicator.size() + " ranks: give a multiple of " + communicator.size());
            }
            partCursors = java.util.Collections.nCopies(parts, DataCursor.start(options.seed()));
            if (resume && root) {
                log.println("no complete checkpoint in " + runDir + ": starting from step 0");
            }
        }
        DataParts myParts = DataParts.ofRank(partCursors.size(), communicator.rank(), communicator.size());
        if (options.microBatchSize() % myParts.count() != 0) {
            throw new IllegalArgumentException("pretraining: each rank reads " + myParts.count() + " of the "
                    + myParts.total() + " data parts, so its micro-batch (" + options.microBatchSize()
                    + ") must be a multiple of " + myParts.count());
        }
        List<DataCursor> myCursors = partCursors.subList(myParts.first(), myParts.first() + myParts.count());
        LongSupplier clock = nanoTime;
        if (communicator.size() > 1) {
            long origin = nanoTime.getAsLong();
            agreedNanos = 0;
            clock = () -> agreedNanos;
            rootClock = () -> nanoTime.getAsLong() - origin;
        }
        TrainingPlan plan = checkpoint.isPresent()
                ? TrainingPlan.resume(options, clock, startStep, checkpoint.get().state().plan())
                : TrainingPlan.start(options, clock);
        Path modelDir = runDir.resolve(MODEL_DIR);
        if (checkpoint.isPresent() && startStep >= plan.plannedSteps() && root) {
            log.println("step " + startStep + " of " + plan.plannedSteps() + " already trained: writing the "
                    + "final model from " + checkpoint.get().directory().getFileName() + " into " + modelDir);
        }
        model.train();
        model.enableGradients();
        model.zeroGradients();
        TrainingCheckpoints checkpoints = new TrainingCheckpoints(runDir, options.keepCheckpointMax());
        if (root) {
            MetricsLog.truncateAfter(runDir, startStep);
        }
        checkSameWeights(startStep);
        long arenaBytes = 64L << 20;
        try (StepArena arena = new StepArena(model.backend(), arenaBytes);
             StepArena evalArena = new StepArena(model.backend(), arenaBytes);
             Optimizer optimizer = newOptimizer();
             PretrainingDataLoader loader = PretrainingDataLoader.resume(corpus, options.dataConfig(), myCursors,
                     myParts);
             GradientAllReduce gradients = new GradientAllReduce(communicator, gradientsInOrder(),
                     GradientAllReduce.DEFAULT_BUCKET_BYTES, overlapGradientReduction);
             MetricsLog metricsLog = root ? new MetricsLog(runDir) : null;
             ProgressDisplay progress = showProgress && root
                     ? ProgressDisplay.create("pretrain", plan.plannedSteps(), startStep) : null) {
            checkpoint.ifPresent(c -> c.loadOptimizer(optimizer));
            model.setActivationRecomputation(options.recomputeActivations());
            PretrainingMetrics window = new PretrainingMetrics();
            PretrainingMetrics lastEval = null;
            List<Double> losses = new ArrayList<>();
            long skipped = 0;
            long windowTokens = 0;
            long windowNanos = 0;
            long totalTokens = 0;
            long totalNanos = 0;
            long endStep = Math.min(plan.plannedSteps(), Math.max(startStep, stopAtStep));
            for (long step = startStep; step < endStep; step++) {
                long t0 = System.nanoTime();
                double lr = plan.learningRate(step);
                StepOutcome outcome = trainStep(step, loader, arena, accumulation, gradients);
                long tokens = outcome.tokens();
                boolean applied = outcome.finite() && applyUpdate(optimizer, (float) lr, step);
                if (!applied) {
                    skipped++;
                } else {
                    window.addAll(outcome.metrics());
                }
                losses.add(applied ? outcome.metrics().loss() : Double.NaN);
                long nanos = System.nanoTime() - t0;
                windowTokens += tokens;
                windowNanos += nanos;
                totalTokens += tokens;
                totalNanos += nanos;
                long done = step + 1;
                plan.stepDone(done);
                endStep = Math.min(plan.plannedSteps(), Math.max(startStep, stopAtStep));
                double tokensPerSecond = windowTokens / (windowNanos / 1e9);
                if (progress != null) {
                    progress.setTotalSteps(plan.plannedSteps());
                    progress.update(done, window.loss(), window.mlmAccuracy(), window.sopAccuracy(), lr,
                            tokensPerSecond);
                }
                if ((done % options.logEverySteps() == 0 || done == endStep) && metricsLog != null) {
                    metricsLog.append(MetricsRecord.train(done, window.loss(), window.mlmAccuracy(),
                            window.sopAccuracy(), lr, tokensPerSecond));
                    window.reset();
                    windowTokens = 0;
                    windowNanos = 0;
                }
                boolean last = done == endStep;
                if (heldOut != null && root && ((options.evalEverySteps() > 0
                        && done % options.evalEverySteps() == 0) || last)) {
                    lastEval = heldOut.evaluate(model, evalArena);
                    metricsLog.append(MetricsRecord.eval(done, lastEval.loss(), lastEval.mlmAccuracy(),
                            lastEval.sopAccuracy(), lastEval.maskedInputAccuracy(),
                            lastEval.maskedInputPerplexity()));
                    if (progress == null || !last) {
                        log.printf("step %d: held-out loss %.4f, MLM accuracy %.4f (%.4f, perplexity %.1f at [MASK] "
                                        + "inputs), SOP accuracy %.4f%n", done, lastEval.loss(), lastEval.mlmAccuracy(),
                                lastEval.maskedInputAccuracy(), lastEval.maskedInputPerplexity(),
                                lastEval.sopAccuracy());
                    }
                }
                if ((options.saveCheckpointsSteps() > 0 && done % options.saveCheckpointsSteps() == 0) || last) {
                    ObjectNode dataParallel = checkSameWeights(done).put("rows_per_rank", options.microBatchSize());
                    List<DataCursor> everyPart = cursorsOfEveryPart(loader.cursors());
                    dataParallel.put("data_parts", everyPart.size());
                    dataParallel.set("rank_cursors", rankCursors(everyPart));
                    if (root) {
                        checkpoints.save(stateAt(done, everyPart, plan, dataParallel),
                                JSON.readTree(model.config().toJson()), model.namedParameters(), tokenizerModel,
                                optimizer);
                    }
                }
            }
            if (endStep == plan.plannedSteps() && root) {
                // Also when nothing was left to train: the final save may be what a kill interrupted.
                model.save(modelDir, tokenizerModel, overwrite);
            }
            if (root && totalNanos > 0) {
                log.printf("%d steps at %.1f ms a step (the training steps alone, without evaluations and saves)%n",
                        losses.size(), totalNanos / 1e6 / losses.size());
            }
            if (communicator.size() > 1 && root && totalNanos > 0) {
                log.printf("%s: the gradient all-reduce (%d buckets%s) took %.1f ms a step, of which the training "
                                + "thread waited %.1f ms, %.1f%% of the step time%n", communicator.description(),
                        gradients.bucketCount(), gradients.overlaps() ? String.format(", %.1f launched during the "
                                + "backward", gradients.meanBucketsLaunchedEarly()) : ", after the backward",
                        gradients.meanCommunicationSeconds() * 1e3, gradients.meanSeconds() * 1e3,
                        100 * gradients.meanSeconds() * losses.size() / (totalNanos / 1e9));
            }
            // No rank leaves before rank 0 has written the model: a launcher may end a job when its first rank exits.
            communicator.barrier();
            double[] stepLosses = losses.stream().mapToDouble(Double::doubleValue).toArray();
            return new Result(startStep, Math.max(startStep, endStep), stepLosses, lastEval,
                    totalNanos == 0 ? Double.NaN : totalTokens / (totalNanos / 1e9), skipped, modelDir, plan.elapsed());
        } finally {
            model.setActivationRecomputation(false);
        }
    }

    /**
     * Forward and backward of every micro-batch of one step on this rank. The step's losses are normalised over the
     * global batch, every rank's micro-batches together: micro-batch {@code i} weighs its mean MLM loss by
     * {@code m_i / M} (its masked tokens over all of the step's) and its mean SOP loss by {@code rows_i / R}, so
     * the gradients summed over micro-batches and ranks are those of the global batch's loss. With one process and
     * no accumulation both weights are 1 and the step is what it always was. Returns the global tokens, whether
     * every rank's losses were finite and the step's global metrics.
     *
     * <p>The gradients are summed over the ranks here too, before the step's other reductions: bucket by bucket
     * during the last micro-batch's backward when overlapping, the rest after it. Every rank launches every bucket,
     * also after a non-finite loss (whose gradients are then discarded), so that all make the same calls.
     */
    private StepOutcome trainStep(long step, PretrainingDataLoader loader, StepArena arena, int accumulation,
                                  GradientAllReduce gradients) {
        Batch[] micros = new Batch[accumulation];
        long[] masked = new long[accumulation];
        long localMasked = 0;
        long localTokens = 0;
        for (int micro = 0; micro < accumulation; micro++) {
            // All drawn up front, also after a NaN, so that the data order does not depend on what was skipped.
            micros[micro] = loader.next();
            masked[micro] = micros[micro].maskedPositions().length;
            for (int m : micros[micro].attentionMask()) {
                localTokens += m;
            }
            localMasked += masked[micro];
        }
        double[] globalMasked = {localMasked};
        communicator.allReduceSum(globalMasked);
        double globalRows = options.trainBatchSize();
        boolean finite = true;
        PretrainingMetrics nonFinite = null;
        double mlmWeighted = 0;
        double sopWeighted = 0;
        PretrainingMetrics counted = new PretrainingMetrics();
        for (int micro = 0; micro < accumulation; micro++) {
            if (!finite) {
                continue;
            }
            Batch batch = micros[micro];
            try (Step s = Step.training(model.backend(), arena)) {
                AlbertForPreTrainingOutput out = model.forwardAtMaskedPositions(PretrainingInputs.of(batch),
                        dropoutSeed(step, communicator.rank() * accumulation + micro));
                PretrainingMetrics one = new PretrainingMetrics();
                one.add(out, batch);
                if (!Double.isFinite(one.loss())) {
                    finite = false;
                    nonFinite = one;
                    continue;
                }
                mlmWeighted += one.mlmLoss() * masked[micro];
                sopWeighted += one.sopLoss() * batch.batchSize();
                counted.addAll(one);
                float mlmWeight = globalMasked[0] == 0 ? 0f : (float) (masked[micro] / globalMasked[0]);
                float sopWeight = (float) (batch.batchSize() / globalRows);
                Tensor objective = mlmWeight == sopWeight ? out.loss()
                        : Ops.add(Ops.scale(out.mlmLoss(), mlmWeight), Ops.scale(out.sopLoss(), sopWeight));
                Tensor seed = s.allocate(DType.F32, objective.shape());
                s.backend().fill(mlmWeight == sopWeight ? mlmWeight : 1.0f, seed);
                if (micro == accumulation - 1 && gradients.overlaps()) {
                    // The last backward completes the gradients: buckets go out as it finishes them.
                    gradients.start();
                    s.tape().onGradientFinal(gradients::gradientFinal);
                }
                s.tape().backward(objective, seed);
            }
        }
        gradients.finish();
        // One reduction for what the step measured, whether every rank was finite, and rank 0's clock.
        long[] counts = counted.counts();
        double[] stats = new double[4 + counts.length];
        stats[0] = finite ? 0 : 1;
        stats[1] = mlmWeighted;
        stats[2] = sopWeighted;
        stats[3] = localTokens;
        for (int i = 0; i < counts.length; i++) {
            stats[4 + i] = counts[i];
        }
        double[] clock = {communicator.isRoot() && rootClock != null ? rootClock.getAsLong() : 0};
        if (communicator.size() > 1) {
            double[] both = java.util.Arrays.copyOf(stats, stats.length + 1);
            both[stats.length] = clock[0];
            communicator.allReduceSum(both);
            System.arraycopy(both, 0, stats, 0, stats.length);
            agreedNanos = (long) both[stats.length];
        }
        boolean allFinite = stats[0] == 0;
        if (!allFinite) {
            model.zeroGradients();
            if (!options.skipNonFiniteSteps()) {
                throw nonFinite != null
                        ? new NonFiniteLossException(step, nonFinite.loss(), nonFinite.mlmLoss(), nonFinite.sopLoss())
                        : new NonFiniteLossException(step, Double.NaN, Double.NaN, Double.NaN);
            }
            if (communicator.isRoot()) {
                log.printf("step %d: loss is not finite%s, skipping the step%n", step,
                        communicator.size() > 1 ? " on " + (long) stats[0] + " rank(s)" : "");
            }
            return new StepOutcome((long) stats[3], false, null);
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] = (long) stats[4 + i];
        }
        PretrainingMetrics metrics = PretrainingMetrics.ofStep(globalMasked[0] == 0 ? 0 : stats[1] / globalMasked[0],
                stats[2] / globalRows, counts);
        return new StepOutcome((long) stats[3], true, metrics);
    }

    private record StepOutcome(long tokens, boolean finite, PretrainingMetrics metrics) {
    }

    /** Micro-batches per rank and step: the global batch over (ranks × micro-batch). */
    private int accumulationSteps() {
        long perStep = (long) options.microBatchSize() * communicator.size();
        if (options.trainBatchSize() % perStep != 0) {
            throw new IllegalArgumentException("pretraining: the train batch (" + options.trainBatchSize() + ") must "
                    + "be a multiple of the micro-batch (" + options.microBatchSize() + ") times the ranks ("
                    + communicator.size() + ")");
        }
        return Math.toIntExact(options.trainBatchSize() / perStep);
    }

    /**
     * Throws {@code failure} on the rank that had it and, on every other rank, an exception saying that another
     * rank failed: no rank goes on to a collective that a failed rank will never join.
     */
    private void agreeOrThrow(Exception failure, String what) throws IOException {
        if (communicator.allAgree(failure == null)) {
            return;
        }
        if (failure instanceof IOException io) {
            throw io;
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        throw new IllegalStateException("rank " + communicator.rank() + " of " + communicator.size() + ": another "
                + "rank could not " + what + " (its message says why)");
    }

    /** Throws unless every rank has the same {@code value}. */
    private void checkSameOnEveryRank(long value, String what, String hint) {
        long[] all = communicator.allGather(new long[] {value});
        for (long v : all) {
            if (v != all[0]) {
                throw new IllegalStateException("ranks disagree on " + what + ": " + java.util.Arrays.toString(all)
                        + " (rank by rank); " + hint);
            }
        }
    }

    /**
     * Checks that every rank holds bitwise the same weights (they start equal and take the same updates: a
     * difference means a rank read another checkpoint or diverged) and returns the world size as JSON.
     */
    private ObjectNode checkSameWeights(long step) {
        ObjectNode node = JSON.createObjectNode().put("world_size", communicator.size());
        if (communicator.size() == 1) {
            return node;
        }
        long hash = 1;
        for (Tensor parameter : model.namedParameters().values()) {
            float[] values = parameter.device().isCpu() ? parameter.toFloatArray()
                    : io.albert4j.backend.Backends.hostFloats(parameter);
            hash = 31 * hash + java.util.Arrays.hashCode(values);
        }
        checkSameOnEveryRank(hash, "the weights at step " + step, "the ranks did not start from the same weights or "
                + "have diverged");
        return node;
    }

    /** The cursors of a checkpoint's data: one object for an unsplit corpus, else an array, one per part. */
    private static List<DataCursor> partCursors(JsonNode saved) {
        if (saved.isArray()) {
            List<DataCursor> cursors = new ArrayList<>();
            saved.forEach(c -> cursors.add(DataCursor.fromJson(c.toString())));
            if (cursors.isEmpty()) {
                throw new IllegalArgumentException("trainer state: data_cursor is an empty array");
            }
            return cursors;
        }
        return List.of(DataCursor.fromJson(saved.toString()));
    }

    private static final int CURSOR_LONGS = 7;

    /** Every part's cursor, gathered from the ranks that read them (rank order is part order). */
    private List<DataCursor> cursorsOfEveryPart(List<DataCursor> mine) {
        long[] local = new long[mine.size() * CURSOR_LONGS];
        for (int i = 0; i < mine.size(); i++) {
            DataCursor c = mine.get(i);
            System.arraycopy(new long[] {c.seed(), c.pass(), c.window(), c.fileSlot(), c.byteOffset(),
                    c.instanceInWindow(), c.batches()}, 0, local, i * CURSOR_LONGS, CURSOR_LONGS);
        }
        long[] all = communicator.allGather(local);
        List<DataCursor> cursors = new ArrayList<>();
        for (int o = 0; o < all.length; o += CURSOR_LONGS) {
            cursors.add(new DataCursor(all[o], (int) all[o + 1], (int) all[o + 2], (int) all[o + 3], all[o + 4],
                    (int) all[o + 5], all[o + 6]));
        }
        return cursors;
    }

    /** Which parts each rank reads and where each stands, for trainer_state.json. */
    private com.fasterxml.jackson.databind.node.ArrayNode rankCursors(List<DataCursor> everyPart) throws IOException {
        var ranks = JSON.createArrayNode();
        for (int rank = 0; rank < communicator.size(); rank++) {
            DataParts parts = DataParts.ofRank(everyPart.size(), rank, communicator.size());
            ObjectNode entry = JSON.createObjectNode().put("rank", rank).put("parts", parts.describe());
            var cursors = entry.putArray("cursors");
            for (int p = parts.first(); p < parts.first() + parts.count(); p++) {
                cursors.add(JSON.readTree(everyPart.get(p).toJson()));
            }
            ranks.add(entry);
        }
        return ranks;
    }

    /**
     * The gradients in the reverse of the parameters' order, which is about the order the backward pass completes
     * them (heads first, then the shared block, the embedding projection and the embeddings): the order of the
     * all-reduce buckets, so that the first ones can go out while the backward runs.
     */
    private List<Tensor> gradientsInOrder() {
        List<Tensor> grads = new ArrayList<>();
        for (Tensor parameter : model.namedParameters().values()) {
            if (parameter.grad() != null) {
                grads.add(parameter.grad());
            }
        }
        return grads.reversed();
    }

    /** Clip, update, clear the gradients; false when the optimizer skipped a non-finite gradient. */
    private boolean applyUpdate(Optimizer optimizer, float lr, long step) {
        long before = optimizer.stepCount();
        try {
            optimizer.step(lr);
        } finally {
            optimizer.zeroGrad();
        }
        boolean applied = optimizer.stepCount() > before;
        if (!applied) {
            log.printf("step %d: gradient norm is not finite, step skipped%n", step);
        }
        return applied;
    }

    /** Dropout masks depend only on (seed, step, micro-batch), which is what makes resuming exact. */
    private long dropoutSeed(long step, int micro) {
        long z = options.seed() * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + micro * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 31)) * 0xD6E8FEB86659FD93L;
        return z ^ (z >>> 32);
    }

    private Optimizer newOptimizer() {
        Map<String, Tensor> params = model.namedParameters();
        return "adamw".equals(options.optimizer()) ? new AdamW(params, options.optimizerConfig())
                : new Lamb(params, options.optimizerConfig());
    }

    /** The state to save; the data cursor is one object for an unsplit corpus, else an array, one per part. */
    private TrainerState stateAt(long step, List<DataCursor> everyPart, TrainingPlan plan, ObjectNode dataParallel)
            throws IOException {
        JsonNode cursor;
        if (everyPart.size() == 1) {
            cursor = JSON.readTree(everyPart.getFirst().toJson());
        } else {
            var array = JSON.createArrayNode();
            for (DataCursor c : everyPart) {
                array.add(JSON.readTree(c.toJson()));
            }
            cursor = array;
        }
        ObjectNode rng = JSON.createObjectNode();
        rng.put("seed", options.seed());
        rng.put("dropout", "derived from (seed, step, micro-batch)");
        return new TrainerState(step, rng, cursor, JSON.valueToTree(options), plan.toJson(), dataParallel);
    }

    private void checkCompatible(JsonNode saved) {
        JsonNode now = JSON.valueToTree(options);
        List<String> differences = new ArrayList<>();
        now.fieldNames().forEachRemaining(name -> {
            JsonNode old = saved.has(name) || !ADDED_SETTINGS.containsKey(name) ? saved.get(name)
                    : JSON.getNodeFactory().textNode(ADDED_SETTINGS.get(name));
            // Compared as text: a float written to JSON reads back as a double node of the same decimal text.
            if (!RESUME_MAY_CHANGE.contains(name) && (old == null || !now.get(name).asText().equals(old.asText()))) {
                differences.add(name + " " + old + " -> " + now.get(name));
            }
        });
        if (!differences.isEmpty()) {
            throw new IllegalArgumentException("cannot resume " + runDir + ": the run was started with different "
                    + "settings (" + String.join(", ", differences) + "); use the original settings or a new --out");
        }
    }

    /** What {@link #overwrite} replaces of an earlier run at the start of a fresh one. */
    private void removeEarlierRun() throws IOException {
        Set<String> files = Set.of(MetricsLog.FILE_NAME, MetricsLog.FILE_NAME + ".previous", TrainingPlot.PNG_FILE,
                TrainingPlot.HTML_FILE);
        try (var entries = Files.list(runDir)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                String name = p.getFileName().toString();
                if (files.contains(name) || (TrainingCheckpoints.isCheckpointName(name) && Files.isDirectory(p))) {
                    AtomicFiles.deleteRecursively(p);
                }
            }
        }
    }
}
