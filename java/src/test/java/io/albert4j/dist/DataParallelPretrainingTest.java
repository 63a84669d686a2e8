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
 * process with a batch of 8 that reads the same two data parts ({@code --data-parts 2}): each rank reads, tokenizes
 * and masks its own half of the documents, and the single process puts the same two halves side by side in each
 * batch, so both train on the same sequences with the losses normalised over the same global batch. Only the order
 * of float sums differs (the two halves' gradients are added by MPI, not by the accumulating kernels), so the
 * comparison allows {@link #WEIGHT_TOLERANCE} per weight and {@link #LOSS_TOLERANCE} relative per logged loss; the
 * measured differences are 100 times smaller (1.2e-7 and 7.8e-8 on the machine this was written on; the test
 * prints them). Dropout is off
 * in this model (as in ALBERT v2's configs): with it the ranks draw their own masks.
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
    void twoRanksOfFourTrainAsOneProcessOfEightAndResumeOnEitherCount() throws Exception {
        MpiRun.assumeAvailable();
        List<String> args = tinyRun(dir, 20);
        Path single = dir.resolve("single");
        Path parallel = dir.resolve("parallel");
        assertEquals(0, AlbertCli.run(with(args, "--out", single.toString(), "--data-parts", "2")
                .toArray(String[]::new)));
        MpiRun.Result job = MpiRun.run(2, Duration.ofSeconds(90), List.of(), AlbertCli.class,
                with(args, "--out", parallel.toString()).toArray(String[]::new));
        assertEquals(0, job.exitCode(), job.output());
        assertTrue(job.output().contains("data-parallel: Open MPI"), job.output());
        assertTrue(job.output().contains("each rank trains on 4 of the batch's 8 sequences a step, from its own part "
                + "of the documents"), job.output());

        double lossDifference = assertSameCurve(trainLines(single), trainLines(parallel), 0);
        assertTrue(trainLines(single).get(19).get("loss").asDouble()
                < trainLines(single).get(0).get("loss").asDouble() - 0.1, "it learns");
        double weightDifference = largestDifference(single.resolve("model"), parallel.resolve("model"));
        assertTrue(weightDifference <= WEIGHT_TOLERANCE, "largest weight difference " + weightDifference);
        System.out.printf("2 ranks against 1 process: largest weight difference %.2g, largest relative loss "
                + "difference %.2g%n", weightDifference, lossDifference);

        // The checkpoint records the ranks, the parts and where each part stands.
        JsonNode state = JSON.readTree(parallel.resolve("checkpoint-20/trainer_state.json").toFile());
        JsonNode dataParallel = state.path("data_parallel");
        assertEquals(2, dataParallel.path("world_size").asInt());
        assertEquals(2, dataParallel.path("data_parts").asInt());
        JsonNode ranks = dataParallel.path("rank_cursors");
        assertEquals(2, ranks.size());
        assertEquals("part 1 of 2", ranks.get(1).get("parts").asText());
        assertEquals(2, state.get("data_cursor").size(), "one cursor per part: " + state.get("data_cursor"));
        for (int rank = 0; rank < 2; rank++) {
            assertEquals(state.get("data_cursor").get(rank), ranks.get(rank).get("cursors").get(0));
        }
        assertTrue(!state.get("data_cursor").get(0).equals(state.get("data_cursor").get(1)), "two streams");
        assertEquals(JSON.readTree(single.resolve("checkpoint-20/trainer_state.json").toFile()).get("data_cursor"),
                state.get("data_cursor"), "the single process read the same parts as far");

        // Same world size: resumed from checkpoint-10 by two ranks, bitwise the uninterrupted run, also with the
        // gradients summed after the backward instead of during it (the same buckets, the same calls).
        assertTrue(job.output().matches("(?s).*buckets, [0-9.]+ launched during the backward\\).*"), job.output());
        Path again = backToCheckpoint10(parallel, "again");
        MpiRun.Result resumed = MpiRun.run(2, Duration.ofSeconds(90), List.of(), AlbertCli.class,
                with(args, "--out", again.toString(), "--resume", "--no-gradient-overlap").toArray(String[]::new));
        assertEquals(0, resumed.exitCode(), resumed.output());
        assertTrue(resumed.output().contains("buckets, after the backward)"), resumed.output());
        assertEquals(0.0, largestDifference(parallel.resolve("model"), again.resolve("model")), resumed.output());
        assertSameCurve(trainLines(parallel), trainLines(again), 0);

        // Another world size: one process reads both parts from their cursors, the same sequences as the two ranks.
        Path resharded = backToCheckpoint10(parallel, "resharded");
        String said = runCapturingStderr(with(args, "--out", resharded.toString(), "--resume"), 0);
        assertTrue(said.contains("checkpoint-10 was written by 2 rank(s), this run has 1: the data stays split into 2 "
                + "part(s) and each rank now reads 2 of them, so every step trains on the same sequences"), said);
        double reshardDifference = largestDifference(parallel.resolve("model"), resharded.resolve("model"));
        assertTrue(reshardDifference <= WEIGHT_TOLERANCE, "largest weight difference " + reshardDifference);
        System.out.printf("resumed on 1 rank against 2: largest weight difference %.2g%n", reshardDifference);
        assertSameCurve(trainLines(parallel), trainLines(resharded), 10);

        // A run keeps its parts.
        String refused = runCapturingStderr(with(args, "--out", backToCheckpoint10(parallel, "refused").toString(),
                "--resume", "--data-parts", "4"), 1);
        assertTrue(refused.contains("checkpoint-10 splits the data into 2 part(s), not the 4 asked for"), refused);
    }

    @Test
    void aRunOfThreePartsDoesNotResumeOnTwoRanks() throws Exception {
        MpiRun.assumeAvailable();
        List<String> args = new ArrayList<>(tinyRun(dir, 2));
        args.set(args.indexOf("--batch") + 1, "6");
        Path run = dir.resolve("three");
        assertEquals(0, AlbertCli.run(with(args, "--out", run.toString(), "--data-parts", "3")
                .toArray(String[]::new)));
        MpiRun.Result job = MpiRun.run(2, Duration.ofSeconds(90), List.of(), AlbertCli.class,
                with(args, "--out", run.toString(), "--resume").toArray(String[]::new));
        assertEquals(1, job.exitCode(), job.output());
        assertTrue(job.output().contains("on 2 ranks: checkpoint-2 splits the data into 3 part(s) (fixed when the "
                + "run started), which 2 ranks cannot share equally; resume on a number of ranks that "
                + "divides 3"), job.output());
    }

    /** A copy of {@code run} as it was after checkpoint-10: later checkpoints and the model removed. */
    private Path backToCheckpoint10(Path run, String name) throws Exception {
        Path copy = dir.resolve(name);
        try (var files = Files.walk(run)) {
            for (Path from : (Iterable<Path>) files::iterator) {
                Path to = copy.resolve(run.relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(from, to);
                }
            }
        }
        for (String gone : List.of("checkpoint-20", "model")) {
            try (var files = Files.walk(copy.resolve(gone))) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return copy;
    }

    /** Runs the CLI in this JVM; returns what it said on stderr, after checking its exit code. */
    private static String runCapturingStderr(List<String> args, int expectedCode) {
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(said, true));
        int code;
        try {
            code = AlbertCli.run(args.toArray(String[]::new));
        } finally {
            System.setErr(err);
        }
        assertEquals(expectedCode, code, said.toString());
        return said.toString();
    }

    /** The train lines of {@code b} after step {@code from} against {@code a}'s: losses within tolerance. */
    private static double assertSameCurve(List<JsonNode> a, List<JsonNode> b, int from) {
        double worst = 0;
        assertEquals(20, a.size());
        assertEquals(20, b.size(), "rank 0 alone writes metrics: one line a step");
        for (int i = from; i < a.size(); i++) {
            double x = a.get(i).get("loss").asDouble();
            double y = b.get(i).get("loss").asDouble();
            assertTrue(Math.abs(x - y) <= LOSS_TOLERANCE * Math.abs(x), "step " + (i + 1) + ": loss " + x + " vs "
                    + y);
            assertEquals(a.get(i).get("mlm_accuracy").asDouble(), b.get(i).get("mlm_accuracy").asDouble());
            assertEquals(a.get(i).get("sop_accuracy").asDouble(), b.get(i).get("sop_accuracy").asDouble());
            assertEquals(a.get(i).get("lr").asDouble(), b.get(i).get("lr").asDouble());
            worst = Math.max(worst, Math.abs(x - y) / Math.abs(x));
        }
        return worst;
    }

    /** The largest |difference| between two saved models' weights. */
    static double largestDifference(Path first, Path second) throws Exception {
        double worst = 0;
        try (AlbertForPreTraining a = AlbertForPreTraining.load(first);
             AlbertForPreTraining b = AlbertForPreTraining.load(second)) {
            for (Map.Entry<String, Tensor> p : a.namedParameters().entrySet()) {
                float[] x = p.getValue().toFloatArray();
                float[] y = b.namedParameters().get(p.getKey()).toFloatArray();
                for (int i = 0; i < x.length; i++) {
                    worst = Math.max(worst, Math.abs(x[i] - y[i]));
                }
            }
        }
        return worst;
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
