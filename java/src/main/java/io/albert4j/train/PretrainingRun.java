package io.albert4j.train;

import io.albert4j.albert.AlbertConfig;
import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.albert.ModelConfigs;
import io.albert4j.albert.PositionEmbeddingInit;
import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.data.CorpusFiles;
import io.albert4j.data.CorpusFormat;
import io.albert4j.data.DocumentSource;
import io.albert4j.data.VocabularyInfo;
import io.albert4j.dist.Communicator;
import io.albert4j.dist.SingleProcess;
import io.albert4j.data.SentencePieceTraining;
import io.albert4j.io.HfModelDirectory;
import io.albert4j.tokenizer.AlbertTokenizer;
import io.albert4j.tokenizer.SentencePieceModel;
import io.albert4j.tokenizer.UnigramTrainerConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import static java.util.Objects.requireNonNull;

/**
 * A whole pretraining run from text files, the recipe behind {@code albert pretrain} and {@code albert demo}: the
 * tokenizer (trained into the run directory when none is given and none is there yet), the held-out split (every
 * 20th file unless a held-out corpus is given), the model config (a preset, {@code demo} or a config.json, with
 * the tokenizer's vocabulary), then {@link Pretrainer} with held-out evaluation, checkpoints and the final model.
 *
 * <pre>{@code
 * Pretrainer.Result result = PretrainingRun.builder()
 *         .corpus(List.of(Path.of("books/")))
 *         .runDirectory(Path.of("runs/books"))
 *         .config("demo")
 *         .options(PretrainingOptions.defaults().toBuilder().maxSeqLength(128).trainBatchSize(64)
 *                 .microBatchSize(64).trainSteps(2_000).build())
 *         .build()
 *         .run();
 * try (var model = AlbertForPreTraining.load(result.modelDir())) { ... }
 * }</pre>
 *
 * Failures are exceptions: a run directory holding other files ({@code io.albert4j.io.ForeignFilesException}) or
 * an earlier run, an empty corpus, a config that does not fit the tokenizer. What the run does is logged to
 * {@link Builder#log} (stderr by default) as it goes.
 */
public final class PretrainingRun {
    /** Every this-many-th file of the corpus, counted from the last, is held out when no held-out corpus is given. */
    public static final int HELD_OUT_EVERY = 20;

    private final List<Path> corpus;
    private final CorpusFormat corpusFormat;
    private final List<Path> evalCorpus;
    private final Path tokenizer;
    private final int vocabSize;
    private final UnigramTrainerConfig.Progress tokenizerProgress;
    private final String config;
    private final Path initCheckpoint;
    private final Path runDirectory;
    private final PretrainingOptions options;
    private final int evalBatches;
    private final boolean resume;
    private final boolean overwrite;
    private final Backend backend;
    private final boolean showProgress;
    private final PrintStream log;
    private final Communicator communicator;
    private final int dataParts;
    private final boolean overlapGradientReduction;
    private final PositionEmbeddingInit positionEmbeddingInit;

    private PretrainingRun(Builder b) {
        corpus = List.copyOf(Objects.requireNonNull(b.corpus, "pretraining run: no corpus"));
        corpusFormat = b.corpusFormat;
        evalCorpus = b.evalCorpus == null ? List.of() : List.copyOf(b.evalCorpus);
        tokenizer = b.tokenizer;
        vocabSize = b.vocabSize;
        tokenizerProgress = b.tokenizerProgress;
        config = b.config;
        initCheckpoint = b.initCheckpoint;
        runDirectory = Objects.requireNonNull(b.runDirectory, "pretraining run: no run directory");
        options = b.options;
        evalBatches = b.evalBatches;
        resume = b.resume;
        overwrite = b.overwrite;
        backend = b.backend != null ? b.backend : Backends.cpu();
        showProgress = b.showProgress;
        log = b.log;
        communicator = b.communicator;
        dataParts = b.dataParts;
        overlapGradientReduction = b.overlapGradientReduction;
        positionEmbeddingInit = b.positionEmbeddingInit;
        if (evalBatches < 1) {
            throw new IllegalArgumentException("pretraining run: evalBatches must be >= 1, got " + evalBatches);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How a fresh model's position embeddings start. */
    public PositionEmbeddingInit positionEmbeddingInit() {
        return positionEmbeddingInit;
    }

    public PretrainingOptions options() {
        return options;
    }

    public Path runDirectory() {
        return runDirectory;
    }

    /** The files held out from {@code files} when no held-out corpus is given: every 20th, counted from the last. */
    public static List<Path> heldOutFiles(List<Path> files) {
        List<Path> held = new ArrayList<>();
        for (int i = files.size() - 1; i >= 0; i -= HELD_OUT_EVERY) {
            held.add(files.get(i));
        }
        return held;
    }

    /**
     * Runs the recipe: refuses a run directory {@link Pretrainer#checkRunDirectory} refuses before any work, then
     * tokenizer, split, held-out batches, model and training ({@link Pretrainer#run(boolean)}).
     */
    public Pretrainer.Result run() throws IOException {
        boolean root = communicator.isRoot();
        if (root) {  // the other ranks of a data-parallel run leave the run directory to rank 0
            Pretrainer.checkRunDirectory(runDirectory, resume, overwrite);
            Files.createDirectories(runDirectory);
        }
        List<Path> corpusFiles = CorpusFiles.list(corpus);
        CorpusFormat format = corpusFormat != null ? corpusFormat : CorpusFiles.detectFormat(corpusFiles);
        Path tokenizerModel = tokenizerModel(format);
        AlbertTokenizer tok = AlbertTokenizer.load(tokenizerModel);
        List<Path> trainFiles = new ArrayList<>(corpusFiles);
        List<Path> heldOutFiles = new ArrayList<>();
        if (!evalCorpus.isEmpty()) {
            heldOutFiles.addAll(CorpusFiles.list(evalCorpus));
        } else if (trainFiles.size() >= 2) {
            heldOutFiles.addAll(heldOutFiles(trainFiles));
            trainFiles.removeAll(heldOutFiles);
        } else if (root) {
            log.println("note: one corpus file and no held-out corpus: training without held-out evaluation");
        }
        DocumentSource train = DocumentSource.open(trainFiles, format, tok);
        if (format == CorpusFormat.SHARDS && !train.vocabulary().equals(VocabularyInfo.of(tok))) {
            throw new IllegalArgumentException(train.description() + " was prepared with another tokenizer than "
                    + tokenizerModel + " (vocabulary of " + train.vocabulary().vocabSize() + " pieces, the tokenizer "
                    + "has " + tok.vocabSize() + " or other word starts)");
        }
        // A held-out corpus of its own has its own format: detected, or the text format named for the corpus.
        CorpusFormat heldOutFormat = evalCorpus.isEmpty() ? format
                : corpusFormat != null && corpusFormat.isText() ? corpusFormat : null;
        HeldOutEvaluation heldOut = heldOutFiles.isEmpty() || !root ? null : HeldOutEvaluation.collect(
                DocumentSource.open(heldOutFiles, heldOutFormat, tok),
                options.dataConfig().withSeed(options.seed() + 1), evalBatches);
        try (AlbertForPreTraining model = initCheckpoint != null ? AlbertForPreTraining.load(initCheckpoint, backend)
                : AlbertForPreTraining.create(modelConfig(tok), backend, options.seed())) {
            String length = options.timeBudgetSeconds() > 0
                    ? String.format(Locale.ROOT, "%.2f minutes (steps planned from the measured speed)",
                            options.timeBudgetSeconds() / 60)
                    : options.numTrainSteps() + " steps";
            if (initCheckpoint == null) {
                model.initializePositionEmbeddings(positionEmbeddingInit, options.seed());
            }
            PrintStream say = root ? log : new PrintStream(java.io.OutputStream.nullOutputStream());
            say.printf("pretraining %s: %,d parameters, %d training files, %d held-out; batch %d (micro-batch "
                            + "%d), seq %d, %s, %s lr %s%n", initCheckpoint != null ? initCheckpoint : config,
                    model.parameterCount(), trainFiles.size(), heldOutFiles.size(), options.trainBatchSize(),
                    options.microBatchSize(), options.maxSeqLength(), length, options.optimizer(),
                    options.learningRate());
            if (communicator.size() > 1) {
                say.printf("data-parallel: %s; each rank trains on %d of the batch's %d sequences a step, "
                                + "from its own part of the documents%n", communicator.description(),
                        options.trainBatchSize() / communicator.size(), options.trainBatchSize());
            }
            if (heldOut != null) {
                log.printf("held-out baselines at [MASK] inputs: unigram accuracy %.4f, perplexity %.1f "
                                + "(a unigram model of the held-out text)%n", heldOut.unigramBaselineAtMask(),
                        heldOut.unigramPerplexityAtMask(model.config().vocabSize()));
            }
            return new Pretrainer(model, options, train, heldOut, runDirectory, tokenizerModel)
                    .showProgress(showProgress).logTo(log).overwrite(overwrite).communicator(communicator)
                    .dataParts(dataParts).overlapGradientReduction(overlapGradientReduction).run(resume);
        }
    }

    /** The given tokenizer, else RUN/spiece.model, trained on the corpus first when it is not there yet. */
    private Path tokenizerModel(CorpusFormat format) throws IOException {
        if (tokenizer != null) {
            return tokenizer;
        }
        Path trained = runDirectory.resolve(HfModelDirectory.TOKENIZER_FILE);
        if (!Files.isRegularFile(trained) && format == CorpusFormat.SHARDS) {
            throw new IllegalArgumentException("the corpus is prepared shards, which hold ids, not text: give the "
                    + "tokenizer they were prepared with");
        }
        if (!Files.isRegularFile(trained) && communicator.size() > 1) {
            throw new IllegalArgumentException("with " + communicator.size() + " ranks, give a tokenizer (train one "
                    + "first: albert tokenizer train)");
        }
        if (!Files.isRegularFile(trained)) {
            log.printf("training a %d-piece SentencePiece tokenizer on the corpus into %s%n", vocabSize, trained);
            long start = System.nanoTime();
            SentencePieceModel model = SentencePieceTraining.train(CorpusFiles.list(corpus), format,
                    UnigramTrainerConfig.albert(vocabSize).withProgress(tokenizerProgress), true);
            SentencePieceTraining.save(model, trained);
            log.printf(Locale.ROOT, "wrote %s and %s: %d pieces in %.1f s%n", trained,
                    SentencePieceTraining.vocabFileOf(trained), model.pieces().size(),
                    (System.nanoTime() - start) / 1e9);
        }
        return trained;
    }

    private AlbertConfig modelConfig(AlbertTokenizer tok) {
        return ModelConfigs.resolve(config, tok.vocabSize(), options.maxSeqLength());
    }

    /** Named settings of a run; {@link #corpus} and {@link #runDirectory} are required. */
    public static final class Builder {
        private List<Path> corpus;
        private CorpusFormat corpusFormat;
        private List<Path> evalCorpus;
        private Path tokenizer;
        private int vocabSize = 30_000;
        private UnigramTrainerConfig.Progress tokenizerProgress = UnigramTrainerConfig.Progress.NONE;
        private String config = "demo";
        private Path initCheckpoint;
        private Path runDirectory;
        private PretrainingOptions options = PretrainingOptions.defaults();
        private int evalBatches = 20;
        private boolean resume;
        private boolean overwrite;
        private Backend backend;
        private boolean showProgress = true;
        private PrintStream log = System.err;
        private Communicator communicator = SingleProcess.INSTANCE;
        private int dataParts;
        private boolean overlapGradientReduction = true;
        private PositionEmbeddingInit positionEmbeddingInit = PositionEmbeddingInit.NORMAL;

        private Builder() {
        }

        /** Text files or folders (searched recursively). */
        public Builder corpus(List<Path> v) { corpus = v; return this; }
        /**
         * How the corpus is laid out; default (null): prepared shards when every file starts with the shard header,
         * else SENTENCE_PER_LINE, the original format.
         */
        public Builder corpusFormat(CorpusFormat v) { corpusFormat = v; return this; }
        /** Held-out text; default (null or empty): every 20th corpus file, when there are at least two. */
        public Builder evalCorpus(List<Path> v) { evalCorpus = v; return this; }
        /** An existing SentencePiece model; default (null): RUN/spiece.model, trained on the corpus if missing. */
        public Builder tokenizer(Path v) { tokenizer = v; return this; }
        /** Pieces of the tokenizer trained when none is given (default 30,000, the released models'). */
        public Builder vocabSize(int v) { vocabSize = v; return this; }
        /** Told how that tokenizer training goes (default, or null: nothing). */
        public Builder tokenizerProgress(UnigramTrainerConfig.Progress v) { tokenizerProgress = v; return this; }
        /** base|large|xlarge|xxlarge[-v1|-v2], demo (the default) or a config.json: see {@link ModelConfigs}. */
        public Builder config(String v) { config = requireNonNull(v); return this; }
        /** Start from this model directory's weights (and config) instead of a fresh model. */
        public Builder initCheckpoint(Path v) { initCheckpoint = v; return this; }
        public Builder runDirectory(Path v) { runDirectory = v; return this; }
        /** Every training setting (default {@link PretrainingOptions#defaults()}, the paper's). */
        public Builder options(PretrainingOptions v) { options = requireNonNull(v); return this; }
        /** Held-out batches scored at each evaluation (default 20). */
        public Builder evalBatches(int v) { evalBatches = v; return this; }
        /** Continue from the newest complete checkpoint in the run directory. */
        public Builder resume(boolean v) { resume = v; return this; }
        /** See {@link Pretrainer#overwrite}. */
        public Builder overwrite(boolean v) { overwrite = v; return this; }
        /** Where the model lives (default the CPU backend). */
        public Builder backend(Backend v) { backend = v; return this; }
        /** A progress bar on the terminal while training (default on); off, log lines only. */
        public Builder showProgress(boolean v) { showProgress = v; return this; }
        /** Where the run reports what it does (default stderr). */
        public Builder log(PrintStream v) { log = requireNonNull(v); return this; }
        /** The ranks of a data-parallel run (default one process): see {@link Pretrainer#communicator}. */
        public Builder communicator(Communicator v) { communicator = requireNonNull(v); return this; }
        /** Parts the corpus is split into (default 0: one per rank): see {@link Pretrainer#dataParts}. */
        public Builder dataParts(int v) { dataParts = v; return this; }
        /** Gradient all-reduce during the backward pass (default on): see {@link Pretrainer#overlapGradientReduction}. */
        public Builder overlapGradientReduction(boolean v) { overlapGradientReduction = v; return this; }
        /** How a fresh model's position embeddings start (default NORMAL, HF's); ignored when starting from weights. */
        public Builder positionEmbeddingInit(PositionEmbeddingInit v) { positionEmbeddingInit = requireNonNull(v); return this; }

        public PretrainingRun build() {
            return new PretrainingRun(this);
        }
    }
}
