package io.albert4j.cli;

import io.albert4j.albert.AlbertForPreTraining;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code albert init} writes a model directory and never deletes what the user keeps in that folder. */
class InitCommandTest {
    private static final String TINY = "{\"vocab_size\": 100, \"embedding_size\": 8, \"hidden_size\": 16, "
            + "\"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"intermediate_size\": 32, "
            + "\"max_position_embeddings\": 16}";

    /** The exit code, with what the command printed on stderr appended after a newline. */
    private static String run(String... args) {
        PrintStream err = System.err;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            return AlbertCli.run(args) + "\n" + buffer.toString(StandardCharsets.UTF_8);
        } finally {
            System.setErr(err);
        }
    }

    @Test
    void refusesAFolderWithOtherFilesAndKeepsThemWithOverwrite(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("tiny.json"), TINY);
        Path mine = Files.createDirectories(dir.resolve("mydir"));
        Path notes = Files.writeString(mine.resolve("notes.txt"), "precious\n");

        String refused = run("init", "--config", config.toString(), "--out", mine.toString());
        assertTrue(refused.startsWith("1\n"), refused);
        assertTrue(refused.contains(mine + ": holds 1 entry that is not part of a model directory (notes.txt)")
                && refused.contains("--overwrite"), refused);
        assertEquals(List.of("notes.txt"), names(mine));

        String written = run("init", "--config", config.toString(), "--out", mine.toString(), "--overwrite");
        assertTrue(written.startsWith("0\n"), written);
        assertEquals("precious\n", Files.readString(notes));
        assertEquals(List.of("config.json", "model.safetensors", "notes.txt"), names(mine));
        try (AlbertForPreTraining model = AlbertForPreTraining.load(mine)) {
            assertEquals(16, model.config().hiddenSize());
        }

        // A folder holding only an earlier model is that model's, and is replaced without asking.
        Path fresh = dir.resolve("fresh");
        assertTrue(run("init", "--config", config.toString(), "--out", fresh.toString()).startsWith("0\n"));
        assertTrue(run("init", "--config", config.toString(), "--out", fresh.toString(), "--seed", "2")
                .startsWith("0\n"));
        assertEquals(List.of("config.json", "model.safetensors"), names(fresh));
    }

    private static List<String> names(Path dir) throws Exception {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
