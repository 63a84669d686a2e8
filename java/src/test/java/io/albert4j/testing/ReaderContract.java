package io.albert4j.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The rule every fuzz target ({@code *FuzzTest}) checks: a reader given arbitrary bytes either parses them or
 * refuses them with one of the project's own exceptions, whose message names the file. Anything else (a
 * NullPointerException, an index out of bounds, a NegativeArraySizeException, an OutOfMemoryError, a stack
 * overflow, an exception without the file in its message) is a finding, reported as an {@link AssertionError}
 * with the original as its cause so that Jazzer keeps the input.
 */
public final class ReaderContract {
    /** Memory-backed when the machine has /dev/shm: a fuzz run writes its file hundreds of thousands of times. */
    private static final Path SCRATCH_ROOT = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm")
            : Path.of(System.getProperty("java.io.tmpdir"));

    private ReaderContract() {
    }

    /** What the target does with the file; it may throw anything. */
    @FunctionalInterface
    public interface Reading {
        void run() throws Exception;
    }

    /**
     * Runs {@code reading}; passes when it returns, or when it throws an instance of one of {@code refusals} (not
     * a subclass of Error) whose message contains {@code file}'s name.
     */
    @SafeVarargs
    public static void parsesOrRefuses(Path file, Reading reading, Class<? extends Exception>... refusals) {
        parsesOrRefuses(file.getFileName().toString(), reading, refusals);
    }

    /** As above, the message having to contain {@code named} (a file name, a folder name). */
    @SafeVarargs
    public static void parsesOrRefuses(String named, Reading reading, Class<? extends Exception>... refusals) {
        try {
            reading.run();
        } catch (Throwable t) {
            if (!isRefusal(t, refusals)) {
                throw new AssertionError("not a refusal: " + t, t);
            }
            String message = t.getMessage();
            if (message == null || message.isBlank() || !message.contains(named)) {
                throw new AssertionError("refusal whose message does not name '" + named + "': " + t, t);
            }
        }
    }

    private static boolean isRefusal(Throwable t, List<Class<? extends Exception>> refusals) {
        return refusals.stream().anyMatch(c -> c.isInstance(t));
    }

    @SafeVarargs
    private static boolean isRefusal(Throwable t, Class<? extends Exception>... refusals) {
        return isRefusal(t, List.of(refusals));
    }

    /**
     * A folder for the files the targets write, one per JVM and target, removed when the JVM exits: a fuzz run
     * executes its target hundreds of thousands of times, too often for a JUnit {@code @TempDir} per call.
     */
    public static Path scratch(String target) {
        try {
            Path dir = Files.createTempDirectory(SCRATCH_ROOT, "albert4j-fuzz-" + target);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(dir)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Empties {@code dir} (keeps the folder), so each input starts from nothing. */
    public static void clear(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir)) {
                    Files.delete(p);
                }
            }
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            clear(dir);
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }
}
