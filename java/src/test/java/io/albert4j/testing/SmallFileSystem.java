package io.albert4j.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A real size-limited file system for tests of full disks and read-only directories: a tmpfs mounted on a test's
 * directory, which the kernel fills up ({@code No space left on device}) or turns read-only ({@code Read-only file
 * system}) exactly as a disk would. Mounting needs root on Linux (CI's container has it); {@link
 * #unavailableReason} says why not elsewhere, for a JUnit assumption.
 */
public final class SmallFileSystem implements AutoCloseable {
    private static String unavailable;
    private static boolean probed;

    private final Path mountPoint;
    private boolean mounted;

    private SmallFileSystem(Path mountPoint) {
        this.mountPoint = mountPoint;
    }

    /** Null when tmpfs can be mounted here, else why not. */
    public static synchronized String unavailableReason() {
        if (!probed) {
            probed = true;
            unavailable = probe();
        }
        return unavailable;
    }

    private static String probe() {
        if (!System.getProperty("os.name").toLowerCase().contains("linux")) {
            return "tmpfs mounts are a Linux test fixture";
        }
        try {
            Path probe = Files.createTempDirectory("albert4j-tmpfs-probe");
            try (SmallFileSystem fs = mount(probe, 1 << 20)) {
                return null;
            } finally {
                Files.deleteIfExists(probe);
            }
        } catch (IOException | RuntimeException e) {
            return "cannot mount a tmpfs (needs root): " + e.getMessage();
        }
    }

    /** Mounts a tmpfs of {@code bytes} on the (existing, empty) directory {@code dir}. */
    public static SmallFileSystem mount(Path dir, long bytes) throws IOException {
        Files.createDirectories(dir);
        SmallFileSystem fs = new SmallFileSystem(dir.toAbsolutePath());
        run("mount", "-t", "tmpfs", "-o", "size=" + bytes, "albert4j-test", fs.mountPoint.toString());
        fs.mounted = true;
        return fs;
    }

    public Path path() {
        return mountPoint;
    }

    /** Gives the file system {@code bytes} in all (more room: a disk cleaned up). */
    public void resize(long bytes) throws IOException {
        run("mount", "-o", "remount,size=" + bytes, mountPoint.toString());
    }

    /** Turns the file system read-only; nothing may be open for writing on it. */
    public void makeReadOnly() throws IOException {
        run("mount", "-o", "remount,ro", mountPoint.toString());
    }

    @Override
    public void close() throws IOException {
        if (mounted) {
            mounted = false;
            run("umount", "-l", mountPoint.toString());
        }
    }

    private static void run(String... command) throws IOException {
        Process process = new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (process.waitFor() != 0) {
                throw new IOException(String.join(" ", command) + ": exit code " + process.exitValue() + ": "
                        + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", command) + ": interrupted", e);
        }
    }
}
