package io.albert4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.albert4j.io.HfModelDirectory;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingCheckpointsTest {
    @TempDir
    Path runDir;

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Tensor parameter(float[] values, int... shape) {
        Tensor p = Tensor.ofFloats(values, shape).setRequiresGrad(true);
        p.setGrad(Tensor.allocateHost(DType.F32, shape));
        return p;
    }

    private static Map<String, Tensor> model(float base) {
        Map<String, Tensor> p = new LinkedHashMap<>();
        p.put("albert.pooler.weight", parameter(new float[] {base, 2, 3, 4}, 2, 2));
        p.put("albert.pooler.bias", parameter(new float[] {base, -1}, 2));
        p.put("predictions.bias", parameter(new float[] {0.5f, base, 1.5f}, 3));
        return p;
    }

    private static ObjectNode config() {
        return JSON.createObjectNode().put("model_type", "albert").put("hidden_size", 2);
    }

    private static TrainerState state(long step) {
        ObjectNode rng = JSON.createObjectNode().put("dropout_seed", 1234 + step);
        ObjectNode cursor = JSON.createObjectNode().put("shard", 3).put("offset", step * 64);
        return new TrainerState(step, rng, cursor, JSON.createObjectNode().put("lr", 0.00176));
    }

    private static void train(Map<String, Tensor> params, Optimizer optimizer, int steps) {
        for (int s = 0; s < steps; s++) {
            for (Tensor p : params.values()) {
                float[] g = new float[(int) p.numel()];
                Arrays.fill(g, 0.1f * (s + 1));
                p.grad().copyFrom(g);
            }
            optimizer.step(0.01f);
        }
    }

    @Test
    void savesKeepsLastKAndResumesFromTheNewest() throws IOException {
        TrainingCheckpoints checkpoints = new TrainingCheckpoints(runDir, 2);
        Map<String, Tensor> params = model(1);
        try (Lamb lamb = new Lamb(params, OptimizerConfig.defaults(), ReferenceOptimizerBackend.create())) {
            for (long step = 100; step <= 300; step += 100) {
                train(params, lamb, 1);
                checkpoints.save(state(step), config(), params, null, lamb);
            }
            assertFalse(Files.exists(runDir.resolve("checkpoint-100")), "only the last 2 are kept");
            assertTrue(Files.exists(runDir.resolve("checkpoint-200")));

            TrainingCheckpoints.Checkpoint latest = TrainingCheckpoints.latest(runDir).orElseThrow();
            assertEquals(300, latest.step());
            assertEquals(300 * 64, latest.state().dataCursor().get("offset").asLong());
            assertEquals(1534, latest.state().rngState().get("dropout_seed").asLong());
            assertEquals(2, HfModelDirectory.readConfig(latest.directory()).get("hidden_size").asInt(),
                    "a checkpoint is a loadable HF model directory");

            // Resume into a fresh model and optimizer: one more step must match the original run exactly.
            Map<String, Tensor> resumed = model(0);
            try (Lamb resumedLamb = new Lamb(resumed, OptimizerConfig.defaults(), ReferenceOptimizerBackend.create())) {
                latest.loadModel(resumed);
                latest.loadOptimizer(resumedLamb);
                assertEquals(3, resumedLamb.stepCount());
                train(params, lamb, 1);
                train(resumed, resumedLamb, 1);
                params.forEach((k, v) -> assertArrayEquals(v.toFloatArray(), resumed.get(k).toFloatArray(), k));
            }
        }
    }

    @Test
    void interruptedAndCorruptCheckpointsAreSkipped() throws IOException {
        TrainingCheckpoints checkpoints = new TrainingCheckpoints(runDir, 5);
        Map<String, Tensor> params = model(1);
        try (AdamW adamw = new AdamW(params, OptimizerConfig.defaults(), ReferenceOptimizerBackend.create())) {
            checkpoints.save(state(10), config(), params, null, adamw);
            Path good = runDir.resolve("checkpoint-10");

            // Killed before the rename: a temporary directory with partial content.
            Path temp = Files.createDirectory(runDir.resolve(".checkpoint-20.tmp-123"));
            Files.writeString(temp.resolve("config.json"), "{");
            // Killed after the rename of a hand-copied checkpoint but before COMPLETE was written.
            copyTree(good, runDir.resolve("checkpoint-30"));
            rewriteStep(runDir.resolve("checkpoint-30"), 30);
            Files.delete(runDir.resolve("checkpoint-30").resolve(TrainingCheckpoints.COMPLETE_MARKER));
            // Marked complete, but the weights were truncated afterwards (disk trouble).
            copyTree(good, runDir.resolve("checkpoint-40"));
            rewriteStep(runDir.resolve("checkpoint-40"), 40);
            Files.writeString(runDir.resolve("checkpoint-40").resolve(TrainingCheckpoints.COMPLETE_MARKER), "40\n");
            Path weights = runDir.resolve("checkpoint-40").resolve(HfModelDirectory.WEIGHTS_FILE);
            byte[] bytes = Files.readAllBytes(weights);
            Files.write(weights, Arrays.copyOf(bytes, bytes.length - 5));
            // A marker that belongs to a different step.
            copyTree(good, runDir.resolve("checkpoint-50"));

            assertEquals(10, TrainingCheckpoints.latest(runDir).orElseThrow().step());
            assertEquals(List.of(10L), TrainingCheckpoints.completeCheckpoints(runDir, false).stream()
                    .map(TrainingCheckpoints.Checkpoint::step).toList());

            // The next save cleans up temporary leftovers and becomes the latest.
            checkpoints.save(state(60), config(), params, null, adamw);
            assertFalse(Files.exists(temp));
            assertEquals(60, TrainingCheckpoints.latest(runDir).orElseThrow().step());
        }
    }

    @Test
    void emptyOrMissingRunDirectoryHasNoCheckpoint() throws IOException {
        assertTrue(TrainingCheckpoints.latest(runDir).isEmpty());
        assertTrue(TrainingCheckpoints.latest(runDir.resolve("nope")).isEmpty());
    }

    private static void rewriteStep(Path dir, long step) throws IOException {
        Path file = dir.resolve(TrainingCheckpoints.TRAINER_STATE_FILE);
        ObjectNode node = (ObjectNode) JSON.readTree(file.toFile());
        node.put("step", step);
        Files.writeString(file, node.toString());
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }
}
