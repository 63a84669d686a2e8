package io.albert4j.cli;

import io.albert4j.albert.PositionEmbeddingInit;
import io.albert4j.train.PretrainingOptions;
import io.albert4j.train.PretrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code albert demo} end to end with a corpus given (so no npm): tokenizer, a short pretraining run, held-out
 * evaluation, fill-mask on the saved model and the training-curve plot, all from one command. Whether the demo
 * learns is a 5-minute measurement (README, "The demo, measured"), not a unit test.
 */
class DemoCommandTest {
    @Test
    void minutesAreATimeBudgetAndStepsAFixedPlan() {
        DemoCommand budgeted = new DemoCommand();
        new CommandLine(budgeted).parseArgs("--minutes", "2.5");
        PretrainingRun pretrain = budgeted.pretraining(List.of(Path.of("a.txt")), Path.of("spiece.model"),
                Path.of("run"));
        assertEquals(150, pretrain.options().timeBudgetSeconds(), 1e-9);

        DemoCommand fixed = new DemoCommand();
        new CommandLine(fixed).parseArgs("--minutes", "2.5", "--steps", "300");
        PretrainingOptions options = fixed.pretraining(List.of(Path.of("a.txt")), Path.of("spiece.model"),
                Path.of("run")).options();
        assertEquals(0, options.timeBudgetSeconds());
        assertEquals(300, options.numTrainSteps());
        assertEquals(8, options.numWarmupSteps(), "2.5% of the steps");
    }

    @Test
    void masksWholeWordsUnlessToldToMaskNgrams() {
        DemoCommand plain = new DemoCommand();
        new CommandLine(plain).parseArgs();
        assertEquals(1, plain.pretraining(List.of(Path.of("a.txt")), Path.of("spiece.model"), Path.of("run"))
                .options().ngram(), "the demo's recipe: whole words");
        DemoCommand albert = new DemoCommand();
        new CommandLine(albert).parseArgs("--ngram", "3");
        assertEquals(3, albert.pretraining(List.of(Path.of("a.txt")), Path.of("spiece.model"), Path.of("run"))
                .options().ngram(), "ALBERT's n-gram masking on request");
    }

    @Test
    void startsPositionsAsARandomWalkUnlessToldOtherwise() {
        DemoCommand plain = new DemoCommand();
        new CommandLine(plain).parseArgs();
        assertEquals(PositionEmbeddingInit.RANDOM_WALK, plain.pretraining(List.of(Path.of("a.txt")),
                Path.of("spiece.model"), Path.of("run")).positionEmbeddingInit());
        DemoCommand hf = new DemoCommand();
        new CommandLine(hf).parseArgs("--position-init", "normal");
        assertEquals(PositionEmbeddingInit.NORMAL, hf.pretraining(List.of(Path.of("a.txt")),
                Path.of("spiece.model"), Path.of("run")).positionEmbeddingInit());
    }

    @Test
    void runsEveryStageOnAGivenCorpus(@TempDir Path dir) throws Exception {
        Path corpus = Files.createDirectories(dir.resolve("corpus"));
        Random random = new Random(11);
        String[] words = {"liberty", "union", "congress", "people", "nation", "states", "peace", "war", "trade",
            "treaty", "the", "of", "and", "to", "in", "a", "we", "must", "reduce", "debt", "army", "president"};
        // 21 files: the pretraining driver holds out every 20th, so two addresses' worth go to evaluation.
        for (int file = 0; file < 21; file++) {
            List<String> lines = new ArrayList<>();
            for (int paragraph = 0; paragraph < 40; paragraph++) {
                StringBuilder text = new StringBuilder();
                for (int sentence = 0; sentence < 4; sentence++) {
                    for (int w = 0; w < 9; w++) {
                        text.append(words[random.nextInt(words.length)]).append(w == 8 ? ". " : " ");
                    }
                }
                lines.add(text.toString().trim());
                lines.add("");
            }
            Files.write(corpus.resolve(String.format("address%02d.txt", file)), lines, StandardCharsets.UTF_8);
        }
        Path out = dir.resolve("demo");
        PrintStream stdout = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int code;
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            code = AlbertCli.run("demo", "--corpus", corpus.toString(), "--out", out.toString(), "--minutes", "0.01",
                    "--vocab-size", "60");
        } finally {
            System.setOut(stdout);
        }
        String log = buffer.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, log);
        for (String stage : List.of("[1/4] corpus: 21 files", "[2/4] training a 60-piece", "[3/4] pretraining",
                "minutes of the 0.01-minute budget", "[4/4] results", "MLM accuracy", "SOP accuracy", "the congress of the united [MASK] shall meet.")) {
            assertTrue(log.contains(stage), "missing '" + stage + "' in:\n" + log);
        }
        Path model = out.resolve("run").resolve("model");
        for (Path file : List.of(out.resolve("spiece.model"), model.resolve("config.json"),
                model.resolve("model.safetensors"), model.resolve("spiece.model"),
                out.resolve("run").resolve("metrics.jsonl"), out.resolve("run").resolve("training-curves.png"),
                out.resolve("run").resolve("training-curves.html"))) {
            assertTrue(Files.isRegularFile(file) && Files.size(file) > 0, file + " was not written");
        }
    }
}
