package io.albert4j.testing;

import io.albert4j.backend.Backends;
import io.albert4j.backend.cpu.CpuBackend;
import io.albert4j.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a {@code main} in a fresh JVM that halts at one of {@link AtomicFiles}' kill points, which is what a
 * SIGKILL at that instant leaves on disk: no finally block, no shutdown hook, no buffered write flushed. The child
 * gets this JVM's class path, albert4j system properties and CPU thread count, so it computes bitwise what this
 * JVM would.
 */
public final class KilledJvm {
    private KilledJvm() {
    }

    /**
     * Runs {@code main} with {@code args}, halting at {@code killAt} ({@code POINT:NAME}, null for none), and
     * throws with the child's output unless it exits with {@code expectedExit} ({@link
     * AtomicFiles#KILLED_EXIT_CODE} when the kill point is to be reached).
     */
    public static void run(Class<?> main, String killAt, int expectedExit, String... args)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile("albert4j-child", ".log");
        try {
            Process process = start(main, killAt, log, args);
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException(main.getSimpleName() + " did not finish in 5 minutes");
            }
            if (process.exitValue() != expectedExit) {
                throw new IllegalStateException(main.getSimpleName() + " " + List.of(args) + ", kill at " + killAt
                        + ": exit code " + process.exitValue() + ", expected " + expectedExit + "; output:\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /**
     * Starts {@code main} with {@code args} in a child JVM as {@link #run} does, its output (stdout and stderr)
     * into {@code log}, and returns it running: for tests that end it themselves ({@link Process#destroyForcibly}
     * is a SIGKILL on Linux).
     */
    public static Process start(Class<?> main, String killAt, Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Xss4m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        System.getProperties().stringPropertyNames().stream()
                .filter(name -> name.startsWith("albert4j.") && !name.equals(AtomicFiles.KILL_AT_PROPERTY))
                .forEach(name -> command.add("-D" + name + "=" + System.getProperty(name)));
        if (Backends.cpu() instanceof CpuBackend cpu) {
            command.add("-Dalbert4j.threads=" + cpu.numThreads());
        }
        if (killAt != null) {
            command.add("-D" + AtomicFiles.KILL_AT_PROPERTY + "=" + killAt);
        }
        command.add(main.getName());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}
