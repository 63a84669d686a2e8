package io.albert4j.train;

import io.albert4j.cli.AlbertCli;
import io.albert4j.io.HfModelDirectory;
import io.albert4j.testing.SmallFileSystem;
import io.albert4j.testing.TestResources;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code albert pretrain} on a disk that fills up while a checkpoint is saved, and into a read-only run directory:
 * one clear line naming the file and the system's reason, exit code 1, and the checkpoint before it intact (bitwise
 * the uninterrupted run's), so that {@code --resume} on a disk with room again finishes bitwise that run. The disk is
 * a real tmpfs of a few megabytes ({@link SmallFileSystem}: needs root on Linux, skipped elsewhere).
 */
class CheckpointWriteFailureTest {
    private static final long STEPS = 6;

    @TempDir
    static Path shared;
    static Path straight;

    @BeforeAll
    static void uninterruptedRun() throws IOException {
        assumeTrue(SmallFileSystem.unavailableReason() == null, SmallFileSystem.unavailableReason());
        SyntheticCorpus.write(shared.resolve("train"), 1, 100);
        SyntheticCorpus.write(shared.resolve("eval"), 2, 10);
        Files.writeString(shared.resolve("config.json"), "{\"vocab_size\": 8000, \"embedding_size\": 16, "
                + "\"hidden_size\": 32, \"num_hidden_layers\": 1, \"num_attention_heads\": 2, "
                + "\"intermediate_size\": 64, \"max_position_embeddings\": 32}");
        straight = shared.resolve("straight");
        Result result = pretrain(straight, false);
        assertEquals(0, result.code(), result.err());
    }

    private record Result(int code, String err) {
    }

    private static Result pretrain(Path run, boolean resume) throws IOException {
        List<String> args = new ArrayList<>(List.of("pretrain",
                "--corpus", shared.resolve("train/corpus.txt").toString(),
                "--eval-corpus", shared.resolve("eval/corpus.txt").toString(),
                "--tokenizer", TestResources.file("/tokenizer/sotu8k.model").toString(),
                "--config", shared.resolve("config.json").toString(), "--out", run.toString(),
                "--seq", "32", "--batch", "4", "--steps", Long.toString(STEPS), "--log-every", "1",
                "--eval-batches", "1", "--save-checkpoints-steps", "2", "--keep-checkpoint-max", "3",
                "--seed", "7", "--threads", "1", "--no-progress"));
        if (resume) {
            args.add("--resume");
        }
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true));
        System.setErr(new PrintStream(errors, true));
        try {
            int code = AlbertCli.run(args.toArray(String[]::new));
            return new Result(code, errors.toString());
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void aDiskThatFillsUpWhileACheckpointIsSavedIsAClearErrorAndTheCheckpointBeforeItStays(@TempDir Path dir)
            throws IOException {
        long checkpointBytes = pagedSize(TrainingCheckpoints.directoryFor(straight, 2));
        long room = checkpointBytes + (256 << 10);  // checkpoint-2 and the metrics fit, checkpoint-4 does not
        assertTrue(2 * checkpointBytes > room, checkpointBytes + " bytes a checkpoint");
        try (SmallFileSystem disk = SmallFileSystem.mount(dir.resolve("disk"), room)) {
            Path run = disk.path().resolve("run");
            Result full = pretrain(run, false);
            assertEquals(1, full.code(), full.err());
            assertEquals("albert pretrain: cannot write " + run.resolve("checkpoint-4") + " (its model.safetensors): No "
                    + "space left on device; the newest complete checkpoint, checkpoint-2, is intact (--resume "
                    + "continues from it)", lastLine(full.err()));
            assertEquals(List.of(2L), steps(run));
            assertSameFiles(TrainingCheckpoints.directoryFor(straight, 2), TrainingCheckpoints.directoryFor(run, 2));
            assertEquals(List.of(), hidden(run), "the failed write left nothing behind");

            disk.resize(64 << 20);  // room again
            Result resumed = pretrain(run, true);
            assertEquals(0, resumed.code(), resumed.err());
            assertEquals(metricsWithoutTimes(straight), metricsWithoutTimes(run), "the loss curve");
            assertSameFiles(straight.resolve(Pretrainer.MODEL_DIR), run.resolve(Pretrainer.MODEL_DIR));
            assertSameFiles(TrainingCheckpoints.directoryFor(straight, STEPS), TrainingCheckpoints.directoryFor(run,
                    STEPS));
        }
    }

    @Test
    void aReadOnlyRunDirectoryIsAClearErrorAndItsCheckpointStays(@TempDir Path dir) throws IOException {
        try (SmallFileSystem disk = SmallFileSystem.mount(dir.resolve("disk"), 64 << 20)) {
            // A run stopped after step 2: its checkpoint and metrics, then the disk turns read-only.
            Path run = Files.createDirectories(disk.path().resolve("run"));
            copyTree(TrainingCheckpoints.directoryFor(straight, 2), TrainingCheckpoints.directoryFor(run, 2));
            Files.copy(straight.resolve(MetricsLog.FILE_NAME), run.resolve(MetricsLog.FILE_NAME));
            disk.makeReadOnly();

            Result resumed = pretrain(run, true);
            assertEquals(1, resumed.code(), resumed.err());
            assertEquals("albert pretrain: cannot write " + run.resolve(MetricsLog.FILE_NAME) + ": Read-only file "
                    + "system; the earlier metrics.jsonl is as it was", lastLine(resumed.err()));
            assertSameFiles(TrainingCheckpoints.directoryFor(straight, 2), TrainingCheckpoints.directoryFor(run, 2));
            assertArrayEquals(Files.readAllBytes(straight.resolve(MetricsLog.FILE_NAME)),
                    Files.readAllBytes(run.resolve(MetricsLog.FILE_NAME)));

            Path fresh = disk.path().resolve("fresh");
            Result started = pretrain(fresh, false);
            assertEquals(1, started.code(), started.err());
            assertTrue(lastLine(started.err()).matches("albert pretrain: .*" + fresh + ".*: Read-only file system"),
                    started.err());
        }
    }

    /** The error line: the CLI prints the run's log lines above it, and no stack trace. */
    private static String lastLine(String err) {
        List<String> lines = err.lines().toList();
        assertTrue(lines.get(lines.size() - 1).startsWith("albert pretrain: "), err);
        return lines.get(lines.size() - 1);
    }

    /** The bytes {@code dir}'s files take on a tmpfs (whole 4 KiB pages). */
    private static long pagedSize(Path dir) throws IOException {
        long bytes = 0;
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                bytes += (Files.size(f) + 4095) / 4096 * 4096;
            }
        }
        return bytes;
    }

    private static void assertSameFiles(Path expected, Path actual) throws IOException {
        for (String file : List.of(HfModelDirectory.CONFIG_FILE, HfModelDirectory.WEIGHTS_FILE)) {
            assertArrayEquals(Files.readAllBytes(expected.resolve(file)), Files.readAllBytes(actual.resolve(file)),
                    actual + "/" + file);
        }
        if (Files.exists(expected.resolve(TrainingCheckpoints.TRAINING_STATE_FILE))) {
            assertArrayEquals(Files.readAllBytes(expected.resolve(TrainingCheckpoints.TRAINING_STATE_FILE)),
                    Files.readAllBytes(actual.resolve(TrainingCheckpoints.TRAINING_STATE_FILE)), actual.toString());
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    private static List<Long> steps(Path run) throws IOException {
        return TrainingCheckpoints.completeCheckpoints(run, false).stream().map(TrainingCheckpoints.Checkpoint::step)
                .toList();
    }

    private static List<String> hidden(Path run) throws IOException {
        try (var entries = Files.list(run)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).sorted().toList();
        }
    }

    private static List<String> metricsWithoutTimes(Path run) throws IOException {
        return MetricsLog.read(run).stream().map(r -> r.split() + " " + r.step() + " " + r.loss() + " "
                + r.mlmAccuracy() + " " + r.sopAccuracy() + " " + r.lr() + " " + r.mlmAccuracyAtMask() + " "
                + r.mlmPerplexityAtMask()).toList();
    }
}
