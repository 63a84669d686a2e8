package io.albert4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.albert4j.testing.TestResources;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code albert inspect} on each kind of checkpoint: one line per tensor, or JSON. */
class InspectCommandTest {
    /** Runs the CLI; returns exit code, stdout, stderr. */
    private static String[] run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try {
            int code = AlbertCli.run(args);
            return new String[] {Integer.toString(code), stdout.toString(StandardCharsets.UTF_8),
                    stderr.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void aTensorFlowBundleListsItsScalarsWithTheirValues() {
        Path prefix = Path.of(System.getProperty("albert4j.sharedData", "../shared/data"), "tf-checkpoints",
                "saved_model_half_plus_two_cpu", "variables");
        assumeTrue(Files.isRegularFile(prefix.resolveSibling("variables.index")),
                "shared/data/tf-checkpoints is absent");
        String[] result = run("inspect", prefix.toString());
        assertEquals("0", result[0], result[2]);
        List<String> lines = result[1].lines().toList();
        assertEquals(6, lines.size(), result[1]);
        assertTrue(lines.get(0).matches("a\\s+F32\\s+\\[\\]\\s+0\\.5"), lines.get(0));
        assertTrue(lines.get(2).matches("b\\s+F32\\s+\\[\\]\\s+2\\.0"), lines.get(2));
        assertEquals("5 tensors, 5 elements", lines.get(5));
    }

    @Test
    void aFolderAndABinListTheirTensorsAndJsonHasTheValues() throws Exception {
        Path folder = TestResources.folder("/fixtures/torch/albert_pretraining_f32", "config.json", "pytorch_model.bin");
        String[] lines = run("inspect", folder.toString(), "--values", "2");
        assertEquals("0", lines[0], lines[2]);
        assertTrue(lines[1].lines().anyMatch(l -> l.matches("albert\\.embeddings\\.position_ids\\s+I64\\s+\\[1, 16\\]"
                + "\\s+\\[0, 1, \\.\\.\\.\\]")), lines[1]);

        String[] json = run("inspect", TestResources.file("/fixtures/torch/views.bin").toString(), "--json");
        assertEquals("0", json[0], json[2]);
        JsonNode root = new ObjectMapper().readTree(json[1]);
        JsonNode scalar = null;
        for (JsonNode t : root.get("tensors")) {
            if (t.get("name").asText().equals("scalar")) {
                scalar = t;
            }
        }
        assertEquals(3.5, scalar.get("values").get(0).asDouble());
        assertEquals(0, scalar.get("shape").size());
        assertEquals(7, root.get("tensors").size());
    }

    @Test
    void aPathThatIsNoCheckpointIsOneClearLine() {
        String[] result = run("inspect", "no-such-checkpoint");
        assertEquals("1", result[0]);
        assertEquals("albert inspect: no-such-checkpoint: does not exist (nor is it a TensorFlow checkpoint prefix: "
                + "there is no no-such-checkpoint.index)", result[2].strip());
        String[] evil = run("inspect", TestResources.file("/fixtures/torch/evil_global.bin").toString());
        assertEquals("1", evil[0]);
        assertTrue(evil[2].contains("refused without running anything"), evil[2]);
    }
}
