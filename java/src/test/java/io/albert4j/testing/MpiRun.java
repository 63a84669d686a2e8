package io.albert4j.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.albert4j.dist.internal.Mpi;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs a {@code main} of the test class path as an Open MPI job: {@code mpirun -np N java ... MAIN ARGS}, one kernel
 * thread per rank (the CI machine has 2 cores). Tests call {@link #assumeAvailable()} first, which skips them with
 * the reason when mpirun or libmpi.so.40 is missing.
 */
public final class MpiRun {
    /** What a job did: its exit status, everything its ranks and mpirun printed, and its wall time. */
    public record Result(int exitCode, String output, Duration wallTime) {
    }

    private MpiRun() {
    }

    /** The {@code mpirun} on PATH, if any. */
    public static Optional<Path> mpirun() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "mpirun");
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    public static void assumeAvailable() {
        assumeTrue(mpirun().isPresent(), "skipped: no mpirun on PATH (Debian: apt-get install openmpi-bin "
                + "libopenmpi-dev)");
        String missing = Mpi.unavailableReason();
        assumeTrue(missing == null, () -> "skipped: " + missing);
    }

    /** The command line of a job of {@code ranks} running {@code main} with {@code jvmOptions} and {@code args}. */
    public static List<String> command(int ranks, List<String> jvmOptions, Class<?> main, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(mpirun().orElseThrow().toString());
        if ("root".equals(System.getProperty("user.name"))) {
            command.add("--allow-run-as-root");  // CI runs as root; Open MPI refuses it unless told
        }
        command.addAll(List.of("--oversubscribe", "-np", Integer.toString(ranks)));
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-Xss4m", "-Dalbert4j.threads=1", "-cp",
                System.getProperty("java.class.path")));
        command.addAll(jvmOptions);
        command.add(main.getName());
        command.addAll(args);
        return command;
    }

    /** Runs the job to its end, or kills it (mpirun, then every rank left) after {@code timeout}. */
    public static Result run(int ranks, Duration timeout, List<String> jvmOptions, Class<?> main, String... args)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile("albert4j-mpi", ".log");
        try {
            long start = System.nanoTime();
            Process process = new ProcessBuilder(command(ranks, jvmOptions, main, List.of(args)))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                List<ProcessHandle> ranksLeft = process.descendants().toList();
                process.destroy();  // mpirun passes SIGTERM on to its ranks
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
                ranksLeft.forEach(ProcessHandle::destroyForcibly);
                throw new IllegalStateException("mpirun -np " + ranks + " " + main.getSimpleName() + " did not finish in "
                        + timeout.toSeconds() + " s; output:\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
            Duration wall = Duration.ofNanos(System.nanoTime() - start);
            return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8), wall);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
