package io.albert4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.tokenizer.SentencePieceProcessor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code albert tokenizer train} end to end on a generated corpus folder, and its error for an empty corpus. */
class TokenizerTrainCommandTest {
    @Test
    void trainsFromAFolderAndWritesModelAndVocab(@TempDir Path dir) throws Exception {
        Path corpus = Files.createDirectories(dir.resolve("corpus"));
        Random random = new Random(7);
        String[] words = {"liberty", "union", "congress", "people", "nation", "states", "peace", "war", "trade",
            "treaty", "the", "of", "and", "to", "in", "a"};
        for (int file = 0; file < 2; file++) {
            List<String> lines = new ArrayList<>();
            for (int n = 0; n < 300; n++) {
                StringBuilder line = new StringBuilder();
                for (int w = 0; w < 8; w++) {
                    line.append(words[random.nextInt(words.length)]).append(w == 7 ? "." : " ");
                }
                lines.add(line.toString());
                lines.add(n % 10 == 0 ? "" : line.toString().toUpperCase());
            }
            Files.write(corpus.resolve("part" + file + ".txt"), lines, StandardCharsets.UTF_8);
        }
        // Raw text, as spm_train: upper- and lower-case words are different pieces.
        int code = AlbertCli.run("tokenizer", "train", "--corpus", corpus.toString(), "--vocab-size", "90",
                "--no-albert-preprocess", "--model-prefix", dir.resolve("m").toString());
        assertEquals(0, code);
        assertTrue(Files.size(dir.resolve("m.vocab")) > 0);
        SentencePieceProcessor spm = SentencePieceProcessor.load(dir.resolve("m.model"));
        assertEquals(90, spm.vocabSize());
        assertEquals("[SEP]", spm.idToPiece(3));
        assertTrue(spm.findPiece("\u2581liberty") > 12 || spm.findPiece("\u2581LIBERTY") > 12,
                "a frequent word became a piece");

        // Default: ALBERT-preprocessed (lower-cased) text, so no piece has an upper-case letter.
        code = AlbertCli.run("tokenizer", "train", "--corpus", corpus.toString(), "--vocab-size", "60",
                "--model-prefix", dir.resolve("lc").toString());
        assertEquals(0, code);
        SentencePieceProcessor lower = SentencePieceProcessor.load(dir.resolve("lc.model"));
        assertTrue(lower.findPiece("\u2581liberty") > 12, "a frequent word became a piece");
        for (int id = 13; id < lower.vocabSize(); id++) {
            String piece = lower.idToPiece(id);
            assertEquals(piece.toLowerCase(java.util.Locale.ROOT), piece, "piece " + id);
        }
    }

    @Test
    void emptyCorpusFailsWithAClearMessage(@TempDir Path dir) throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n\n");
        PrintStream savedErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = AlbertCli.run("tokenizer", "train", "--corpus", empty.toString(), "--vocab-size", "100",
                    "--out", dir.resolve("x.model").toString());
        } finally {
            System.setErr(savedErr);
        }
        assertEquals(1, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("corpus is empty"), err.toString(StandardCharsets.UTF_8));
        assertTrue(Files.notExists(dir.resolve("x.model")));
    }
}
