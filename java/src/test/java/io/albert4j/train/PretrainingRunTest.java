package io.albert4j.train;

import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.io.ForeignFilesException;
import io.albert4j.tokenizer.AlbertTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pretraining recipe as a JVM app calls it: no CLI, no exit codes; results and exceptions. */
class PretrainingRunTest {
    private static final String CONFIG = "{\"vocab_size\": 40, \"embedding_size\": 8, \"hidden_size\": 16, "
            + "\"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"intermediate_size\": 32, "
            + "\"max_position_embeddings\": 32}";

    @Test
    void everyTwentiethFileCountedFromTheLastIsHeldOut() {
        List<Path> files = IntStream.range(0, 41).mapToObj(i -> Path.of("f" + i)).toList();
        assertEquals(List.of(Path.of("f40"), Path.of("f20"), Path.of("f0")), PretrainingRun.heldOutFiles(files));
        assertEquals(List.of(Path.of("f0")), PretrainingRun.heldOutFiles(files.subList(0, 1)));
    }

    @Test
    void trainsTheTokenizerSplitsTheCorpusAndPretrains(@TempDir Path dir) throws Exception {
        Path corpus = Files.createDirectories(dir.resolve("corpus"));
        for (int file = 0; file < 3; file++) {
            List<String> lines = new ArrayList<>();
            for (int d = 0; d < 12; d++) {
                lines.addAll(List.of("the nation is strong.", "the congress shall meet.", "we must reduce the debt.",
                        ""));
            }
            Files.write(corpus.resolve("part" + file + ".txt"), lines, StandardCharsets.UTF_8);
        }
        Path config = Files.writeString(dir.resolve("config.json"), CONFIG);
        Path runDir = dir.resolve("run");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PretrainingOptions options = PretrainingOptions.defaults().toBuilder().maxSeqLength(32).trainBatchSize(2)
                .microBatchSize(2).trainSteps(2).dupeFactor(2).logEverySteps(1).build();
        Pretrainer.Result result = PretrainingRun.builder().corpus(List.of(corpus)).runDirectory(runDir)
                .vocabSize(40).config(config.toString()).options(options).evalBatches(1).showProgress(false)
                .log(new PrintStream(log, true, StandardCharsets.UTF_8)).build().run();

        String text = log.toString(StandardCharsets.UTF_8);
        assertEquals(2, result.finalStep());
        assertTrue(text.contains("training a 40-piece SentencePiece tokenizer"), text);
        assertTrue(text.contains("2 training files, 1 held-out"), text);
        assertEquals(40, AlbertTokenizer.load(runDir.resolve("spiece.model")).vocabSize());
        assertTrue(result.lastEval() != null && result.lastEval().maskedTokens() > 0, "held-out evaluation ran");
        try (AlbertForPreTraining model = AlbertForPreTraining.load(result.modelDir())) {
            assertEquals(16, model.config().hiddenSize(), "the config.json's model");
        }

        // The same directory again without resume or overwrite: an exception, not an exit code, and no work done.
        Path mine = Files.writeString(Files.createDirectories(dir.resolve("mine")).resolve("notes.txt"), "mine");
        PretrainingRun intoForeignFolder = PretrainingRun.builder().corpus(List.of(corpus))
                .runDirectory(mine.getParent()).vocabSize(40).config(config.toString()).options(options)
                .showProgress(false).log(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
                .build();
        assertThrows(ForeignFilesException.class, intoForeignFolder::run);
        assertEquals(List.of(mine), Files.list(mine.getParent()).toList(), "no tokenizer trained, nothing written");
    }
}
