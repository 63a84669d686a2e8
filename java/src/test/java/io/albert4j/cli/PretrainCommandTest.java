package io.albert4j.cli;

import io.albert4j.train.PretrainingOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** pretrain → fill-mask → eval through the CLI, on a tiny model and a generated corpus. */
class PretrainCommandTest {

    private static PretrainingOptions optionsOf(String... args) {
        PretrainCommand command = new PretrainCommand();
        new CommandLine(command).parseArgs(args);
        return command.options();
    }

    @Test
    void minutesAreATimeBudgetAndStepsWinOverThem() {
        PretrainingOptions budget = optionsOf("--corpus", "c", "--out", "o", "--minutes", "2");
        assertEquals(120, budget.timeBudgetSeconds(), 1e-9);
        assertEquals(PretrainCommand.DEFAULT_STEPS, budget.numTrainSteps(), "the first plan");
        assertEquals(0.025, (double) budget.numWarmupSteps() / budget.numTrainSteps(), 1e-9);

        PretrainingOptions fixed = optionsOf("--corpus", "c", "--out", "o", "--minutes", "2", "--steps", "400");
        assertEquals(0, fixed.timeBudgetSeconds());
        assertEquals(400, fixed.numTrainSteps());
        assertEquals(0, optionsOf("--corpus", "c", "--out", "o").timeBudgetSeconds());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> optionsOf("--corpus", "c", "--out", "o", "--minutes", "2", "--warmup-steps", "100"));
        assertTrue(e.getMessage().contains("--warmup-steps needs --steps"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> optionsOf("--corpus", "c", "--out", "o", "--minutes", "0"));
    }

    @Test
    void aShortRunWarmsUpInsteadOfStartingAtTheFullRate() {
        assertEquals(1, PretrainingOptions.defaultWarmupSteps(2));
        assertEquals(1, PretrainingOptions.defaultWarmupSteps(39));
        assertEquals(2, PretrainingOptions.defaultWarmupSteps(41));
        assertEquals(250, PretrainingOptions.defaultWarmupSteps(10_000));
        assertEquals(3_125, PretrainingOptions.defaultWarmupSteps(125_000), "the paper's");
        PretrainingOptions twoSteps = optionsOf("--corpus", "c", "--out", "o", "--steps", "2", "--lr", "0.01");
        assertEquals(0.0, twoSteps.schedule().at(0), "step 0 is the warmup's first");
        assertTrue(twoSteps.schedule().at(1) < 0.01, "and no step runs at the peak: " + twoSteps.schedule().at(1));
    }

    @Test
    void pretrainReadsPreparedShardsAsTheTextTheyCameFrom(@TempDir Path dir) throws Exception {
        Path spiece = io.albert4j.testing.TestResources.file("/tokenizer/sotu8k.model");
        Path text = dir.resolve("text/corpus.txt");
        Files.createDirectories(text.getParent());
        StringBuilder body = new StringBuilder();
        for (int d = 0; d < 30; d++) {
            body.append("the nation is strong.\nthe congress shall meet ").append(d).append(".\n\n");
        }
        Files.writeString(text, body);
        Path shards = dir.resolve("shards");
        io.albert4j.data.ShardPreparer.prepare(List.of(text), io.albert4j.data.CorpusFormat.SENTENCE_PER_LINE,
                io.albert4j.tokenizer.AlbertTokenizer.load(spiece), shards);
        Path config = dir.resolve("config.json");
        Files.writeString(config, "{\"vocab_size\": 8000, \"embedding_size\": 16, \"hidden_size\": 32, "
                + "\"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"intermediate_size\": 64, "
                + "\"max_position_embeddings\": 32}");
        int[] code = new int[1];
        for (String source : List.of("text", "shards")) {
            String out = capture(() -> AlbertCli.run("pretrain", "--corpus", dir.resolve(source).toString(),
                    "--tokenizer", spiece.toString(), "--config", config.toString(), "--out",
                    dir.resolve("run-" + source).toString(), "--seq", "32", "--batch", "4", "--steps", "3",
                    "--log-every", "1", "--no-progress"), code);
            assertEquals(0, code[0], out);
        }
        assertEquals(Files.readAllLines(dir.resolve("run-text/metrics.jsonl")).stream()
                        .map(line -> line.replaceAll(",\"(tokens_per_second|time)\":[^,}]*", "")).toList(),
                Files.readAllLines(dir.resolve("run-shards/metrics.jsonl")).stream()
                        .map(line -> line.replaceAll(",\"(tokens_per_second|time)\":[^,}]*", "")).toList(),
                "the shards' batches are the text's");
    }

    private static String capture(Supplier<Integer> run, int[] code) {
        PrintStream out = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true));
        try {
            code[0] = run.get();
        } finally {
            System.setOut(out);
        }
        return buffer.toString();
    }

    @Test
    void pretrainThenFillMaskAndEvalOnTheSavedModel(@TempDir Path dir) throws Exception {
        Path spiece = io.albert4j.testing.TestResources.file("/tokenizer/sotu8k.model");
        Path corpus = dir.resolve("corpus");
        Files.createDirectories(corpus);
        StringBuilder text = new StringBuilder();
        for (int d = 0; d < 30; d++) {
            text.append("the nation is strong.\nthe congress shall meet.\nwe must reduce the debt.\n\n");
        }
        Files.writeString(corpus.resolve("a.txt"), text);
        Files.writeString(corpus.resolve("b.txt"), text);
        Path config = dir.resolve("config.json");
        Files.writeString(config, "{\"vocab_size\": 8000, \"embedding_size\": 16, \"hidden_size\": 32, "
                + "\"num_hidden_layers\": 2, \"num_attention_heads\": 2, \"intermediate_size\": 64, "
                + "\"max_position_embeddings\": 64}");
        Path run = dir.resolve("run");
        int[] code = new int[1];
        String out = capture(() -> AlbertCli.run("pretrain", "--corpus", corpus.toString(), "--tokenizer",
                spiece.toString(), "--config", config.toString(), "--out", run.toString(), "--seq", "32",
                "--batch", "4", "--micro-batch", "2", "--steps", "3", "--no-progress", "--eval-batches", "2"), code);
        assertEquals(0, code[0], out);
        assertTrue(out.contains("done: 3 steps"), out);
        assertTrue(out.contains("held-out:"), out);
        Path model = run.resolve("model");
        assertTrue(Files.isRegularFile(model.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(run.resolve("metrics.jsonl")));

        out = capture(() -> AlbertCli.run("fill-mask", "--model", model.toString(), "--top-k", "3",
                "the [MASK] is strong."), code);
        assertEquals(0, code[0], out);
        assertEquals(4, out.lines().count(), out);

        out = capture(() -> AlbertCli.run("eval", "--model", model.toString(), "--corpus", corpus.toString(),
                "--seq", "32", "--batch", "2", "--max-batches", "2"), code);
        assertEquals(0, code[0], out);
        assertTrue(out.contains("MLM accuracy") && out.contains("perplexity"), out);
        assertTrue(out.matches("(?s).*at \\[MASK\\] inputs +[0-9.]+ +\\(unigram model of the text [0-9.]+\\).*"), out);

        out = capture(() -> AlbertCli.run("fill-mask", "--model", model.toString(), "no mask here"), code);
        assertNotEquals(0, code[0]);

        // Without --tokenizer a tokenizer is trained on the corpus into the run directory.
        Path fresh = dir.resolve("fresh");
        out = capture(() -> AlbertCli.run("pretrain", "--corpus", corpus.toString(), "--vocab-size", "40",
                "--config", config.toString(), "--out", fresh.toString(), "--seq", "32", "--batch", "2",
                "--steps", "1", "--no-progress", "--eval-batches", "1"), code);
        assertEquals(0, code[0], out);
        assertEquals(40, io.albert4j.tokenizer.AlbertTokenizer.load(fresh.resolve("spiece.model")).vocabSize());

        // A second run into a directory with checkpoints is refused instead of mixing the two runs.
        out = capture(() -> AlbertCli.run("pretrain", "--corpus", corpus.toString(), "--tokenizer", spiece.toString(),
                "--config", config.toString(), "--out", run.toString(), "--seq", "32", "--batch", "2", "--steps", "1",
                "--no-progress"), code);
        assertNotEquals(0, code[0]);

        // A finished run whose model is gone: --resume writes it again from the last checkpoint.
        io.albert4j.io.AtomicFiles.deleteRecursively(model);
        out = capture(() -> AlbertCli.run("pretrain", "--corpus", corpus.toString(), "--tokenizer",
                spiece.toString(), "--config", config.toString(), "--out", run.toString(), "--seq", "32",
                "--batch", "4", "--micro-batch", "2", "--steps", "3", "--no-progress", "--eval-batches", "2",
                "--resume"), code);
        assertEquals(0, code[0], out);
        assertTrue(out.contains("done: 3 steps (all trained before); model in " + model), out);
        assertTrue(Files.isRegularFile(model.resolve("model.safetensors")));

        // A folder with the user's own files is not a run directory: refused before any work, the files kept.
        Path notes = Files.writeString(Files.createDirectories(dir.resolve("mine")).resolve("notes.txt"), "mine");
        PrintStream err = System.err;
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        System.setErr(new PrintStream(errors, true));
        try {
            code[0] = AlbertCli.run("pretrain", "--corpus", corpus.toString(), "--vocab-size", "40", "--config",
                    config.toString(), "--out", notes.getParent().toString(), "--steps", "1", "--no-progress");
        } finally {
            System.setErr(err);
        }
        assertNotEquals(0, code[0]);
        assertTrue(errors.toString().contains("not part of a training run (notes.txt)")
                && errors.toString().contains("--overwrite"), errors.toString());
        assertEquals(List.of(notes), Files.list(notes.getParent()).toList(), "no tokenizer trained, nothing written");
    }
}
