package io.albert4j.train;

import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.cli.AlbertCli;
import io.albert4j.io.AtomicFiles;
import io.albert4j.io.HfModelDirectory;
import io.albert4j.testing.KilledJvm;
import io.albert4j.testing.TestResources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code albert pretrain} (the real CLI main, in a child JVM) SIGKILLed at random moments, over and over, each time
 * resumed with {@code --resume}: after every kill the newest complete checkpoint validates, loads and is bitwise the
 * uninterrupted run's checkpoint of that step, and the run finally resumed to its end has bitwise the uninterrupted
 * run's loss curve (metrics.jsonl but for times and speeds), checkpoints and model.
 *
 * <p>Half of the kills come at a random delay after the start; the other half are aimed at checkpoint writes
 * without any hook in the code: the test polls the run directory and kills within a random 0-3 ms of seeing a
 * checkpoint's temporary directory appear (so the write is caught at varying depths: files half written, before
 * the fsync, before the rename). Where each kill landed is read back from what it left on disk. A run that reaches
 * its end between two kills is checked like the last one and started over.
 *
 * <p>{@value #KILLS_PROPERTY} sets the number of kills (default {@value #DEFAULT_KILLS}, sized for CI).
 */
class PretrainKillTest {
    static final String KILLS_PROPERTY = "albert4j.killTest.kills";
    static final int DEFAULT_KILLS = 6;
    private static final long STEPS = 40;

    @TempDir
    Path dir;

    private String[] pretrain(Path run, boolean resume) throws IOException {
        Path corpus = dir.resolve("corpus");
        if (!Files.isDirectory(corpus)) {
            SyntheticCorpus.write(corpus.resolve("train"), 1, 200);
            SyntheticCorpus.write(corpus.resolve("eval"), 2, 20);
            Files.writeString(corpus.resolve("config.json"), "{\"vocab_size\": 8000, \"embedding_size\": 16, "
                    + "\"hidden_size\": 32, \"num_hidden_layers\": 2, \"num_attention_heads\": 2, "
                    + "\"intermediate_size\": 64, \"max_position_embeddings\": 64, \"hidden_dropout_prob\": 0.1, "
                    + "\"attention_probs_dropout_prob\": 0.1}");
        }
        List<String> args = new ArrayList<>(List.of("pretrain",
                "--corpus", corpus.resolve("train/corpus.txt").toString(),
                "--eval-corpus", corpus.resolve("eval/corpus.txt").toString(),
                "--tokenizer", TestResources.file("/tokenizer/sotu8k.model").toString(),
                "--config", corpus.resolve("config.json").toString(), "--out", run.toString(),
                "--seq", "32", "--batch", "4", "--micro-batch", "2", "--steps", Long.toString(STEPS),
                "--lr", "0.01", "--log-every", "1", "--eval-every", "10", "--eval-batches", "1",
                "--save-checkpoints-steps", "2", "--keep-checkpoint-max", "2", "--seed", "7", "--threads", "1",
                "--no-progress"));
        if (resume) {
            args.add("--resume");
        }
        return args.toArray(String[]::new);
    }

    @Test
    void pretrainKilledAtRandomMomentsResumesToTheUninterruptedRunBitwise() throws Exception {
        int kills = Integer.getInteger(KILLS_PROPERTY, DEFAULT_KILLS);
        long seed = System.nanoTime();
        Random random = new Random(seed);
        String context = "kill schedule seed " + seed;

        // The uninterrupted run keeps every checkpoint, to compare each one a killed run leaves.
        Path straight = dir.resolve("straight");
        List<String> straightArgs = new ArrayList<>(List.of(pretrain(straight, false)));
        straightArgs.set(straightArgs.indexOf("--keep-checkpoint-max") + 1, "1000");
        long t0 = System.nanoTime();
        Process first = KilledJvm.start(AlbertCli.class, null, dir.resolve("straight.log"),
                straightArgs.toArray(String[]::new));
        while (first.isAlive() && !Files.isDirectory(TrainingCheckpoints.directoryFor(straight, 2))) {
            Thread.sleep(1);
        }
        long startNanos = System.nanoTime() - t0;  // JVM start, corpus, model, two steps and a checkpoint
        assertEquals(0, first.waitFor(), () -> read(dir.resolve("straight.log")));
        long trainNanos = System.nanoTime() - t0 - startNanos;  // the other steps and checkpoints
        // Each random kill lets the child train for a random part of a window sized so that the kills together
        // are unlikely to finish the run: the later kills must find something to interrupt.
        long windowNanos = trainNanos * 3 / Math.max(2, kills);
        System.out.printf("PretrainKillTest: start to checkpoint-2 %.2f s, the rest %.2f s%n", startNanos / 1e9,
                trainNanos / 1e9);

        Path run = dir.resolve("killed");
        Map<String, Integer> landed = new TreeMap<>();
        for (int i = 0; i < kills; i++) {
            Path log = dir.resolve("child-" + i + ".log");
            Process child = KilledJvm.start(AlbertCli.class, null, log, pretrain(run, true));
            String where;
            if (i % 2 == 0) {
                long delay = (long) (random.nextDouble() * (startNanos + windowNanos));
                where = child.waitFor(delay, TimeUnit.NANOSECONDS) ? null : "random";
            } else {
                where = awaitCheckpointWrite(child, run, 1 + random.nextInt(2), 4 * (startNanos + trainNanos))
                        ? "aimed" : null;
                if (where != null) {
                    Thread.sleep(random.nextInt(4));
                }
            }
            child.destroyForcibly();  // SIGKILL
            child.waitFor();
            if (child.exitValue() == 0) {
                // The run got to its end between kills: check it as the last one is checked, then start over so
                // the remaining kills have something to interrupt.
                landed.merge("finished before the kill (checked, started over)", 1, Integer::sum);
                assertSameAsUninterrupted(straight, run, context + ", finished at kill " + i);
                AtomicFiles.deleteRecursively(run);
                continue;
            } else {
                where = where != null ? where : "waiting for a checkpoint write";
                assertEquals(137, child.exitValue(), "a SIGKILL; " + read(log));
                landed.merge(where + ": " + leftovers(run), 1, Integer::sum);
            }
            checkNewestCheckpoint(straight, run, context + ", kill " + i);
        }
        finish(pretrain(run, true));
        System.out.printf("PretrainKillTest: %d kills (%s), where they landed: %s%n", kills, context, landed);
        assertSameAsUninterrupted(straight, run, context);
    }

    /** Bitwise the uninterrupted run's loss curve, model and last checkpoints, and no leftovers. */
    private static void assertSameAsUninterrupted(Path straight, Path run, String context) throws IOException {
        assertEquals(metricsWithoutTimes(straight), metricsWithoutTimes(run), "the loss curve; " + context);
        for (String file : List.of(HfModelDirectory.WEIGHTS_FILE, HfModelDirectory.CONFIG_FILE)) {
            assertArrayEquals(Files.readAllBytes(straight.resolve(Pretrainer.MODEL_DIR).resolve(file)),
                    Files.readAllBytes(run.resolve(Pretrainer.MODEL_DIR).resolve(file)), file + "; " + context);
        }
        assertEquals(List.of(STEPS - 2, STEPS), TrainingCheckpoints.completeCheckpoints(run, false).stream()
                .map(TrainingCheckpoints.Checkpoint::step).toList(), context);
        checkNewestCheckpoint(straight, run, context + ", at the end");
        try (var entries = Files.list(run)) {
            List<String> names = entries.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(".") || n.startsWith("checkpoint-")).sorted().toList();
            assertEquals(List.of("checkpoint-" + (STEPS - 2), "checkpoint-" + STEPS), names,
                    "no leftovers (temporary entries, half-pruned checkpoints) once the run is done; " + context);
        }
    }

    /** Runs {@code albert pretrain ARGS} to its end in a child JVM. */
    private void finish(String[] args) throws Exception {
        KilledJvm.run(AlbertCli.class, null, 0, args);
    }

    /**
     * Waits until the {@code nth} checkpoint write of this child has its temporary directory under {@code run}
     * (true), or the child exits or the time is up (false).
     */
    private static boolean awaitCheckpointWrite(Process child, Path run, int nth, long timeoutNanos)
            throws IOException {
        long end = System.nanoTime() + timeoutNanos;
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (child.isAlive() && System.nanoTime() < end) {
            if (Files.isDirectory(run)) {
                try (var entries = Files.list(run)) {
                    entries.map(p -> p.getFileName().toString())
                            .filter(n -> n.matches("\\.checkpoint-\\d+\\.tmp-.*")).forEach(seen::add);
                } catch (java.nio.file.NoSuchFileException | java.io.UncheckedIOException e) {
                    // An entry renamed while listed: look again.
                }
                if (seen.size() >= nth) {
                    return true;
                }
            }
            Thread.onSpinWait();
        }
        return false;
    }

    private static String read(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** What a kill left in {@code run}: the kinds of temporary entries, or "clean". */
    private static String leftovers(Path run) throws IOException {
        if (!Files.isDirectory(run)) {
            return "before the run directory";
        }
        List<String> kinds = new ArrayList<>();
        try (var entries = Files.list(run)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                String name = p.getFileName().toString();
                if (name.matches("\\.checkpoint-\\d+\\.tmp-.*")) {
                    kinds.add("checkpoint being written");
                } else if (name.matches("\\.checkpoint-\\d+\\.old-.*")) {
                    kinds.add("checkpoint set aside");
                } else if (name.startsWith(".model.")) {
                    kinds.add("model being written");
                } else if (name.startsWith(".metrics.jsonl.")) {
                    kinds.add("metrics being rewritten");
                } else if (TrainingCheckpoints.isCheckpointName(name)
                        && TrainingCheckpoints.validate(p, name.substring("checkpoint-".length())) != null) {
                    kinds.add("checkpoint being pruned");
                }
            }
        }
        return kinds.isEmpty() ? "clean" : String.join("+", kinds.stream().distinct().sorted().toList());
    }

    /**
     * The newest complete checkpoint of {@code run}, if any, validates, loads into a model, and holds bitwise the
     * uninterrupted run's weights and optimizer state of its step.
     */
    private static void checkNewestCheckpoint(Path straight, Path run, String context) throws IOException {
        Optional<TrainingCheckpoints.Checkpoint> newest = TrainingCheckpoints.latest(run);
        if (newest.isEmpty()) {
            return;
        }
        Path checkpoint = newest.get().directory();
        try (AlbertForPreTraining model = AlbertForPreTraining.load(checkpoint)) {
            assertTrue(model.namedParameters().size() > 0, context);
        }
        Path expected = TrainingCheckpoints.directoryFor(straight, newest.get().step());
        for (String file : List.of(HfModelDirectory.WEIGHTS_FILE, TrainingCheckpoints.TRAINING_STATE_FILE)) {
            assertArrayEquals(Files.readAllBytes(expected.resolve(file)), Files.readAllBytes(checkpoint.resolve(file)),
                    checkpoint.getFileName() + "/" + file + "; " + context);
        }
    }

    private static List<String> metricsWithoutTimes(Path run) throws IOException {
        return MetricsLog.read(run).stream().map(r -> r.split() + " " + r.step() + " " + r.loss() + " "
                + r.mlmAccuracy() + " " + r.sopAccuracy() + " " + r.lr() + " " + r.mlmAccuracyAtMask() + " "
                + r.mlmPerplexityAtMask()).toList();
    }
}
