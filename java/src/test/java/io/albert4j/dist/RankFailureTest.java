package io.albert4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.cli.AlbertCli;
import io.albert4j.testing.MpiRun;
import io.albert4j.train.TrainingCheckpoints;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rank that dies (SIGKILL) or hangs (SIGSTOP) in the middle of a two-rank run: the other rank ends within
 * seconds with a message saying why, and the newest complete checkpoint loads and resumes. The runs are 80 steps
 * of ~60 ms a step on 2 cores, checkpointed every 10: the fault comes right after checkpoint-10, seconds before
 * the run could end.
 */
class RankFailureTest {
    /** From the fault to the end of the job, at most (Open MPI's own reaction takes about a second). */
    private static final Duration ENDS_WITHIN = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    /** A running {@code mpirun -np 2 albert pretrain}, its output going to a file. */
    private record Job(Process mpirun, Path log) {
        String output() throws IOException {
            return Files.readString(log, StandardCharsets.UTF_8);
        }

        /** The pid of rank {@code rank}, read from the ranks' environments. */
        long pidOf(int rank) throws IOException {
            for (ProcessHandle p : mpirun.descendants().toList()) {
                Path environ = Path.of("/proc", Long.toString(p.pid()), "environ");
                try {
                    String env = new String(Files.readAllBytes(environ), StandardCharsets.UTF_8);
                    if (env.contains("\0OMPI_COMM_WORLD_RANK=" + rank + "\0")
                            && p.info().command().orElse("").endsWith("java")) {
                        return p.pid();
                    }
                } catch (IOException gone) {
                    // not ours, or already gone
                }
            }
            throw new IllegalStateException("no rank " + rank + " among mpirun's children");
        }
    }

    private Job start(List<String> args) throws IOException {
        Path log = dir.resolve("mpirun-" + System.nanoTime() + ".log");
        Process process = new ProcessBuilder(MpiRun.command(2, List.of(), AlbertCli.class, args))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new Job(process, log);
    }

    /** Waits for the run's checkpoint-{@code step} to be complete. */
    private static void awaitCheckpoint(Path run, long step, Job job) throws Exception {
        Path marker = TrainingCheckpoints.directoryFor(run, step).resolve(TrainingCheckpoints.COMPLETE_MARKER);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(marker)) {
            if (!job.mpirun().isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("no " + marker + "; output:\n" + job.output());
            }
            Thread.sleep(10);
        }
    }

    /** Waits for the job to end after a fault; returns the seconds it took. */
    private static double awaitEnd(Job job) throws Exception {
        long faultAt = System.nanoTime();
        if (!job.mpirun().waitFor(ENDS_WITHIN.toMillis(), TimeUnit.MILLISECONDS)) {
            job.mpirun().descendants().forEach(ProcessHandle::destroyForcibly);
            job.mpirun().destroyForcibly();
            throw new AssertionError("the job did not end within " + ENDS_WITHIN + " of the fault:\n" + job.output());
        }
        return (System.nanoTime() - faultAt) / 1e9;
    }

    private static void signal(String signal, long pid) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor());
    }

    @Test
    void aKilledRankEndsTheJobAndTheLastCheckpointResumes() throws Exception {
        MpiRun.assumeAvailable();
        List<String> args = DataParallelPretrainingTest.with(DataParallelPretrainingTest.tinyRun(dir, 80),
                "--out", dir.resolve("run").toString());
        Path run = dir.resolve("run");
        Job job = start(args);
        awaitCheckpoint(run, 10, job);
        signal("KILL", job.pidOf(1));
        double seconds = awaitEnd(job);
        String output = job.output();
        assertNotEquals(0, job.mpirun().exitValue(), output);
        assertTrue(output.contains("exited on signal 9"), "mpirun names the dead rank:\n" + output);
        assertTrue(output.contains("albert4j rank 0 of 2: stopped from outside"), "rank 0 says why it stops:\n"
                + output);
        System.out.printf("killed rank 1 after checkpoint-10: the job ended %.1f s later%n", seconds);

        Optional<TrainingCheckpoints.Checkpoint> newest = TrainingCheckpoints.latest(run);
        assertTrue(newest.isPresent() && newest.get().step() >= 10, "a complete checkpoint: " + newest);
        try (AlbertForPreTraining model = AlbertForPreTraining.load(newest.get().directory())) {
            assertTrue(model.parameterCount() > 0);
        }
        // Resumed by the same two ranks, it runs to the end from there.
        MpiRun.Result resumed = MpiRun.run(2, Duration.ofSeconds(120), List.of(), AlbertCli.class,
                DataParallelPretrainingTest.with(args, "--resume").toArray(String[]::new));
        assertEquals(0, resumed.exitCode(), resumed.output());
        assertTrue(resumed.output().contains("resuming from " + newest.get().directory() + " at step "
                + newest.get().step()), resumed.output());
        assertTrue(Files.isRegularFile(run.resolve("model/model.safetensors")));
    }

    @Test
    void aHungRankIsGivenUpOnAfterTheCollectiveTimeout() throws Exception {
        MpiRun.assumeAvailable();
        Path run = dir.resolve("run");
        Job job = start(DataParallelPretrainingTest.with(DataParallelPretrainingTest.tinyRun(dir, 80),
                "--out", run.toString(), "--collective-timeout", "5"));
        awaitCheckpoint(run, 10, job);
        long stopped = job.pidOf(1);
        signal("STOP", stopped);
        try {
            double seconds = awaitEnd(job);
            String output = job.output();
            assertNotEquals(0, job.mpirun().exitValue(), output);
            assertTrue(output.contains("albert4j rank 0 of 2: MPI_Allreduce")
                    && output.contains("has not returned after 5 s: another rank has died or stopped answering"),
                    "rank 0's watchdog names the collective:\n" + output);
            System.out.printf("stopped rank 1: the job ended %.1f s later (timeout 5 s)%n", seconds);
        } finally {
            ProcessHandle.of(stopped).ifPresent(ProcessHandle::destroyForcibly);
        }
        assertTrue(TrainingCheckpoints.latest(run).isPresent());
    }
}
