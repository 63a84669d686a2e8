package io.albert4j.cli;

import io.albert4j.albert.PositionEmbeddingInit;
import io.albert4j.backend.Backend;
import io.albert4j.backend.cuda.CudaBackend;
import io.albert4j.dist.Communicator;
import io.albert4j.dist.Communicators;
import io.albert4j.dist.MpiCommunicator;
import io.albert4j.dist.NcclCommunicator;
import io.albert4j.data.CorpusFormat;
import io.albert4j.tensor.Device;
import io.albert4j.train.Pretrainer;
import io.albert4j.train.PretrainingOptions;
import io.albert4j.train.PretrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code albert pretrain}: MLM + SOP pretraining with every hyperparameter of GR run_pretraining.py /
 * create_pretraining_data.py as a flag. Defaults are the paper's except the batch, steps and sequence length,
 * which are sized for one machine (the paper's batch of 4096 is {@code --batch 4096 --micro-batch 32}).
 * {@code --minutes M} trains for a time budget instead of a step count
 * ({@link PretrainingOptions#timeBudgetSeconds()}). The run itself is {@link PretrainingRun}.
 *
 * <p>Under {@code mpirun -np N} every process is one rank of a data-parallel run ({@link Communicators}): rank and
 * world size are MPI's, {@code --batch} stays the global batch and {@code --micro-batch} (default: the batch over
 * the ranks) is per rank; with {@code --device cuda} each rank takes the GPU of its local rank and reduces its
 * gradients with NCCL when libnccl.so.2 is there. Rank 0 alone prints and writes the run directory.
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = "Pretrain ALBERT (MLM + sentence-order prediction) on a text corpus.")
final class PretrainCommand implements Callable<Integer> {
    /**
     * The steps without --steps or --minutes, and the first plan of a time budget. That plan is re-made after 8 steps
     * or 2% of the budget, whichever comes first, so this guess decides only the learning rates of those steps.
     */
    static final long DEFAULT_STEPS = 10_000;

    @Option(names = "--corpus", required = true, split = ",", paramLabel = "PATH",
            description = "text files or folders (recursive)")
    List<Path> corpus;

    @Option(names = "--corpus-format",
            description = "SENTENCE_PER_LINE (blank line between documents, the original format), PROSE "
                    + "(one document per file or blank-line block, sentences split here) or SHARDS (the files of "
                    + "`albert data prepare`); default: SHARDS when the files start with the shard header, else "
                    + "SENTENCE_PER_LINE")
    CorpusFormat corpusFormat;

    @Option(names = "--eval-corpus", split = ",", paramLabel = "PATH",
            description = "held-out text; default: every 20th file of --corpus is held out (when it has >= 2)")
    List<Path> evalCorpus;

    @Option(names = "--tokenizer", paramLabel = "spiece.model",
            description = "SentencePiece model; default: train one on the corpus into OUT/spiece.model "
                    + "(or reuse it from an earlier run)")
    Path tokenizer;

    @Option(names = "--vocab-size", defaultValue = "30000",
            description = "pieces of the tokenizer trained when --tokenizer is not given; default ${DEFAULT-VALUE}")
    int vocabSize;

    @Option(names = "--config", defaultValue = "demo",
            description = "base|large|xlarge|xxlarge[-v1|-v2], demo, or a config.json; default ${DEFAULT-VALUE}")
    String config;

    @Option(names = "--init-checkpoint", paramLabel = "DIR", description = "start from this model directory's weights")
    Path initCheckpoint;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "run directory")
    Path out;

    @Option(names = "--resume", description = "continue from the newest complete checkpoint in --out (with "
            + "--minutes: the same budget, what the checkpoint had left of it)")
    boolean resume;

    @Option(names = "--overwrite", description = "write into an --out that holds other files (they are kept, "
            + "in OUT/model too); without --resume, start over an earlier run there (its checkpoints and metrics "
            + "are deleted, its model replaced at the end)")
    boolean overwrite;

    @Option(names = {"--max-seq-length", "--seq"}, defaultValue = "128") int maxSeqLength;
    @Option(names = "--max-predictions-per-seq", defaultValue = "20") int maxPredictionsPerSeq;
    @Option(names = "--masked-lm-prob", defaultValue = "0.15") double maskedLmProb;
    @Option(names = "--ngram", defaultValue = "3") int ngram;
    @Option(names = "--position-init", defaultValue = "normal", converter = PositionInitConverter.class,
            description = "how a fresh model's position embeddings start: normal (HF's) or random-walk (the demo's); "
                    + "default ${DEFAULT-VALUE}")
    PositionEmbeddingInit positionInit;
    @Option(names = "--short-seq-prob", defaultValue = "0.1") double shortSeqProb;
    @Option(names = "--dupe-factor", defaultValue = "40", description = "as GR's create_pretraining_data: N "
            + "differently segmented and masked copies of the corpus; pass p over the corpus reads copy p mod N, in "
            + "a fresh order, so masks repeat every N passes; default ${DEFAULT-VALUE}") int dupeFactor;
    @Option(names = {"--train-batch-size", "--batch"}, defaultValue = "64",
            description = "sequences per update (the paper: 4096); default ${DEFAULT-VALUE}") int batch;
    @Option(names = "--micro-batch", defaultValue = "0",
            description = "sequences per forward/backward, gradients accumulated up to --batch; 0 = --batch")
    int microBatch;
    @Option(names = {"--learning-rate", "--lr"}, defaultValue = "0.00176") double learningRate;
    @Option(names = {"--num-train-steps", "--steps"}, paramLabel = "N",
            description = "a fixed plan of N updates, wins over --minutes; default " + DEFAULT_STEPS
                    + " without --minutes") Long steps;
    @Option(names = "--minutes", paramLabel = "M", description = "train for M minutes of wall time: the step count "
            + "is re-planned from the measured speed as the run goes (evaluations and checkpoints included), and the "
            + "learning rate warms up over the first 2.5%% and decays to 0 at the end of the re-planned total")
    Double minutes;
    @Option(names = {"--num-warmup-steps", "--warmup-steps"}, defaultValue = "-1",
            description = "default: 2.5%% of the steps (the paper's 3,125 of 125,000)") long warmupSteps;
    @Option(names = "--poly-power", defaultValue = "1.0") double polyPower;
    @Option(names = "--optimizer", defaultValue = "lamb", description = "lamb or adamw") String optimizer;
    @Option(names = "--weight-decay", defaultValue = "0.01") float weightDecay;
    @Option(names = "--clip-norm", defaultValue = "1.0") float clipNorm;
    @Option(names = "--beta1", defaultValue = "0.9") float beta1;
    @Option(names = "--beta2", defaultValue = "0.999") float beta2;
    @Option(names = "--epsilon", defaultValue = "1e-6") float epsilon;
    @Option(names = "--log-every", defaultValue = "10", description = "metrics.jsonl line every N steps") int logEvery;
    @Option(names = "--eval-every", defaultValue = "500", description = "held-out evaluation every N steps")
    int evalEvery;
    @Option(names = "--eval-batches", defaultValue = "20") int evalBatches;
    @Option(names = "--save-checkpoints-steps", defaultValue = "1000") int saveEvery;
    @Option(names = "--keep-checkpoint-max", defaultValue = "3") int keepCheckpoints;
    @Option(names = "--seed", defaultValue = "12345") long seed;
    @Option(names = "--recompute-activations",
            description = "recompute each layer in backward instead of storing its activations (less memory)")
    boolean recompute;
    @Option(names = "--skip-nonfinite-steps", description = "skip a step with a NaN/Inf loss or gradient instead "
            + "of stopping") boolean skipNonFinite;
    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda[:N]") String device;
    @Option(names = "--threads", defaultValue = "0", description = "CPU kernel threads; 0 = all cores") int threads;
    @Option(names = "--tf32", description = "cuda only: fp32 matrix products on TF32 tensor cores") boolean tf32;
    @Option(names = "--bf16", description = "cpu only: matrix products on bf16 operands with fp32 accumulation "
            + "(AVX512_BF16; weights and optimizer stay fp32)") boolean bf16;
    @Option(names = "--no-progress", description = "log lines instead of a progress bar") boolean noProgress;
    @Option(names = "--collective-timeout", defaultValue = "600", paramLabel = "SECONDS", description = "under "
            + "mpirun: a rank that waits this long in one collective (the others died or hang) ends itself, and with "
            + "it the job; allow for rank 0's evaluations and checkpoint writes; default ${DEFAULT-VALUE}")
    double collectiveTimeout;

    @Option(names = "--data-parts", defaultValue = "0", paramLabel = "N", description = "split the documents into N "
            + "parts, each read (tokenized, masked) by one rank, or several by each with fewer ranks; a multiple of the "
            + "ranks; default: one per rank. A checkpoint keeps its parts: --resume works on any number of ranks that "
            + "divides them, and one process with --data-parts N trains on the sequences N ranks would")
    int dataParts;
    @Option(names = "--no-gradient-overlap", description = "under mpirun: sum the gradients over the ranks after the "
            + "backward pass instead of bucket by bucket during it (same weights, bit for bit; for comparison)")
    boolean noGradientOverlap;

    /** The ranks of this run (1 until {@link #call()} has joined them). */
    private int ranks = 1;

    @Override
    public Integer call() throws Exception {
        if (!(collectiveTimeout > 0)) {
            throw new IllegalArgumentException("--collective-timeout must be > 0 seconds, got " + collectiveTimeout);
        }
        try (Communicator world = Communicators.fromEnvironment(
                Duration.ofMillis(Math.round(collectiveTimeout * 1000)), System.err)) {
            ranks = world.size();
            try {
                return call(world);
            } catch (Exception | Error e) {
                if (world instanceof MpiCommunicator mpi && ranks > 1) {
                    // Leaving through MPI_Finalize would wait for the ranks still training: end the job instead.
                    System.err.printf("albert pretrain, rank %d of %d: %s%n", world.rank(), ranks, e.getMessage());
                    System.err.flush();
                    mpi.abort(1);
                }
                throw e;
            }
        }
    }

    private Integer call(Communicator world) throws Exception {
        PretrainingOptions options = options();
        boolean root = world.isRoot();
        if (steps != null && minutes != null && root) {
            System.err.println("note: --steps wins over --minutes: a fixed plan of " + steps + " steps");
        }
        Device parsed = Device.parse(device);
        if (ranks > 1 && parsed.kind() == Device.Kind.CUDA && !device.contains(":")) {
            parsed = Device.cuda(Communicators.localRank(System.getenv()));  // one GPU per rank on each machine
        }
        Backend backend = BackendSetup.open(parsed, threads, tf32, bf16);
        Communicator gradients = world;
        if (ranks > 1 && backend instanceof CudaBackend cuda && world instanceof MpiCommunicator mpi) {
            String missing = NcclCommunicator.unavailableReason();
            if (missing == null) {
                gradients = NcclCommunicator.over(mpi, cuda);
            } else if (root) {
                System.err.println("note: " + missing + "; gradients go through the host over MPI");
            }
        }
        Pretrainer.Result result = runBuilder(backend).communicator(gradients).build().run();
        if (!root) {
            return 0;
        }
        if (result.firstStep() == result.finalStep()) {
            System.out.printf("done: %d steps (all trained before); model in %s%n", result.finalStep(),
                    result.modelDir());
        } else {
            System.out.printf("done: %d steps, %.0f tokens/s; model in %s%n", result.finalStep(),
                    result.tokensPerSecond(), result.modelDir());
        }
        if (result.lastEval() != null) {
            System.out.printf("held-out: loss %.4f, MLM accuracy %.4f, SOP accuracy %.4f, perplexity %.2f%n",
                    result.lastEval().loss(), result.lastEval().mlmAccuracy(), result.lastEval().sopAccuracy(),
                    result.lastEval().perplexity());
        }
        if (options.timeBudgetSeconds() > 0) {
            System.out.printf("time budget: trained for %.2f of the planned %s minutes, %d steps (first plan %d)%n",
                    result.trainingTime().toMillis() / 60e3, minutes, result.finalStep(), options.numTrainSteps());
        }
        return 0;
    }

    PretrainingOptions options() {
        boolean budgeted = steps == null && minutes != null;
        if (minutes != null && !(minutes > 0 && Double.isFinite(minutes))) {
            throw new IllegalArgumentException("--minutes must be > 0, got " + minutes);
        }
        if (budgeted && warmupSteps >= 0) {
            throw new IllegalArgumentException("--warmup-steps needs --steps: with --minutes the warmup is 2.5% of "
                    + "the re-planned total");
        }
        if (microBatch <= 0 && batch % ranks != 0) {
            throw new IllegalArgumentException("--batch " + batch + " does not split over " + ranks + " ranks: give a "
                    + "multiple of " + ranks + " or a --micro-batch");
        }
        PretrainingOptions.Builder plan = PretrainingOptions.defaults().toBuilder()
                .trainSteps(steps != null ? steps : DEFAULT_STEPS);
        if (warmupSteps >= 0) {
            plan.numWarmupSteps(warmupSteps);
        }
        return plan.maxSeqLength(maxSeqLength)
                .maxPredictionsPerSeq(maxPredictionsPerSeq).maskedLmProb(maskedLmProb).ngram(ngram)
                .shortSeqProb(shortSeqProb).dupeFactor(dupeFactor).trainBatchSize(batch)
                .microBatchSize(microBatch <= 0 ? batch / ranks : microBatch).learningRate(learningRate).polyPower(polyPower)
                .optimizer(optimizer).weightDecay(weightDecay).clipNorm(clipNorm).beta1(beta1).beta2(beta2)
                .epsilon(epsilon).logEverySteps(logEvery).evalEverySteps(evalEvery).saveCheckpointsSteps(saveEvery)
                .keepCheckpointMax(keepCheckpoints).seed(seed).recomputeActivations(recompute)
                .skipNonFiniteSteps(skipNonFinite).timeBudgetSeconds(budgeted ? minutes * 60 : 0).build();
    }

    /** The run these options describe: {@link PretrainingRun} does the work, this command parses and prints. */
    PretrainingRun pretraining(Backend backend) {
        return runBuilder(backend).build();
    }

    private PretrainingRun.Builder runBuilder(Backend backend) {
        return PretrainingRun.builder().corpus(corpus).corpusFormat(corpusFormat).evalCorpus(evalCorpus)
                .tokenizer(tokenizer).vocabSize(vocabSize).tokenizerProgress(new TokenizerProgress()).config(config)
                .initCheckpoint(initCheckpoint).runDirectory(out).options(options()).evalBatches(evalBatches)
                .resume(resume).overwrite(overwrite).backend(backend).showProgress(!noProgress)
                .dataParts(dataParts).overlapGradientReduction(!noGradientOverlap).positionEmbeddingInit(positionInit);
    }
}
