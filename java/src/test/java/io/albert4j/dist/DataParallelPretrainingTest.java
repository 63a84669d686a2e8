package io.albert4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.cli.AlbertCli;
import io.albert4j.tensor.Tensor;
import io.albert4j.testing.MpiRun;
import io.albert4j.testing.TestResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mpirun -np 2 albert pretrain} with 4 sequences per rank trains the weights and the loss curve of one
 * process with a batch of 8: the same rows, the losses normalised over the same global batch, the same updates.
 * Only the order of float sums differs (the two halves' gradients are added by MPI, not by the accumulating
 * kernels), so the comparison allows {@link #WEIGHT_TOLERANCE} per weight and {@link #LOSS_TOLERANCE} relative per
 * logged loss; the measured differences are 100 times smaller (1.8e-7 and 5e-8 on the machine this was written
 * on). Dropout is off in this model (as in ALBERT v2's configs): with it the ranks draw their own masks.
 */
class DataParallelPretrainingTest {
    /** Largest |difference| allowed per weight after 20 steps (weights are ~0.02, updates ~1e-3). */
    static final double WEIGHT_TOLERANCE = 1e-5;
    /** Largest relative difference allowed per logged training loss. */
    static final double LOSS_TOLERANCE = 1e-5;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** A corpus of 60 short documents, a tiny dropout-free ALBERT and the flags both runs share. */
    static List<String> tinyRun(Path dir, int steps) throws Exception {
        SplittableRandom random = new SplittableRandom(1);
        String[] words = "the nation is strong congress shall meet we must reduce public debt army and navy are ready"
                .split(" ");
        StringBuilder text = new StringBuilder();
        for (int d = 0; d < 60; d++) {
            for (int s = random.nextInt(2, 7); s > 0; s--) {
                for (int w = random.nextInt(4, 13); w > 0; w--) {
                    text.append(words[random.nextInt(words.length)]).append(w > 1 ? " " : ".\n");
                }
            }
            text.append('\n');
        }
        Path corpus = Files.writeString(dir.resolve("corpus.txt"), text);
        Path config = Files.writeString(dir.resolve("config.json"), "{\"vocab_size\": 8000, \"embedding_size\": 16, "
                + "\"hidden_size\": 32, \"num_hidden_layers\": 2, \"num_attention_heads\": 2, \"intermediate_size\": "
                + "64, \"max_position_embeddings\": 32, \"hidden_dropout_prob\": 0.0, "
                + "\"attention_probs_dropout_prob\": 0.0, \"classifier_dropout_prob\": 0.0}");
        return List.of("pretrain", "--corpus", corpus.toString(), "--tokenizer",
                TestResources.file("/tokenizer/sotu8k.model").toString(), "--config", config.toString(), "--seq", "32",
                "--batch", "8", "--steps", Integer.toString(steps), "--lr", "0.005", "--log-every", "1",
                "--save-checkpoints-steps", "10", "--no-progress");
    }

    static List<String> with(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all;
    }

    @Test
    void twoRanksOfFourTrainAsOneProcessOfEight() throws Exception {
        MpiRun.assumeAvailable();
        List<String> args = tinyRun(dir, 20);
        Path single = dir.resolve("single");
        Path parallel = dir.resolve("parallel");
        assertEquals(0, AlbertCli.run(with(args, "--out", single.toString()).toArray(String[]::new)));
        MpiRun.Result job = MpiRun.run(2, Duration.ofSeconds(90), List.of(), AlbertCli.class,
                with(args, "--out", parallel.toString()).toArray(String[]::new));
        assertEquals(0, job.exitCode(), job.output());
        assertTrue(job.output().contains("data-parallel: Open MPI"), job.output());
        assertTrue(job.output().contains("each rank trains on 4 of the batch's 8 sequences"), job.output());

        List<JsonNode> one = trainLines(single);
        List<JsonNode> two = trainLines(parallel);
        assertEquals(20, one.size());
        assertEquals(20, two.size(), "rank 0 alone writes metrics: one line a step");
        for (int i = 0; i < one.size(); i++) {
            double a = one.get(i).get("loss").asDouble();
            double b = two.get(i).get("loss").asDouble();
            assertTrue(Math.abs(a - b) <= LOSS_TOLERANCE * Math.abs(a), "step " + (i + 1) + ": loss " + a + " vs "
                    + b);
            assertEquals(one.get(i).get("mlm_accuracy").asDouble(), two.get(i).get("mlm_accuracy").asDouble());
            assertEquals(one.get(i).get("sop_accuracy").asDouble(), two.get(i).get("sop_accuracy").asDouble());
            assertEquals(one.get(i).get("lr").asDouble(), two.get(i).get("lr").asDouble());
        }
        assertTrue(one.get(19).get("loss").asDouble() < one.get(0).get("loss").asDouble() - 0.1, "it learns");

        double worst = 0;
        try (AlbertForPreTraining a = AlbertForPreTraining.load(single.resolve("model"));
             AlbertForPreTraining b = AlbertForPreTraining.load(parallel.resolve("model"))) {
            for (Map.Entry<String, Tensor> p : a.namedParameters().entrySet()) {
                float[] x = p.getValue().toFloatArray();
                float[] y = b.namedParameters().get(p.getKey()).toFloatArray();
                for (int i = 0; i < x.length; i++) {
                    worst = Math.max(worst, Math.abs(x[i] - y[i]));
                }
            }
        }
        assertTrue(worst <= WEIGHT_TOLERANCE, "largest weight difference " + worst);

        // The checkpoint records the ranks and where each one's data stands.
        JsonNode state = JSON.readTree(parallel.resolve("checkpoint-20/trainer_state.json").toFile());
        assertEquals(2, state.path("data_parallel").path("world_size").asInt());
        JsonNode cursors = state.path("data_parallel").path("rank_cursors");
        assertEquals(2, cursors.size());
        for (JsonNode cursor : cursors) {
            assertEquals(state.get("data_cursor"), cursor.get("cursor"), "one stream, one position: " + cursors);
        }
        assertEquals("[4, 8) of each global micro-batch of 8", cursors.get(1).get("rows").asText());
        assertEquals(JSON.readTree(single.resolve("checkpoint-20/trainer_state.json").toFile()).get("data_cursor"),
                state.get("data_cursor"), "the single process read the same rows");

        // Resumed by one process, the two-rank run says what a change of world size means.
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(said, true));
        int code;
        try {
            code = AlbertCli.run(with(args, "--out", parallel.toString(), "--resume").toArray(String[]::new));
        } finally {
            System.setErr(err);
        }
        assertEquals(0, code, said.toString());
        assertTrue(said.toString().contains("checkpoint-20 was written by 2 rank(s), this run has 1: the global batch "
                + "(8) and the data cursor carry over"), said.toString());
    }

    static List<JsonNode> trainLines(Path run) throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode node = JSON.readTree(line);
            if ("train".equals(node.get("split").asText())) {
                lines.add(node);
            }
        }
        return lines;
    }
}
