package io.albert4j.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Writes that a crash cannot leave half done: everything goes to a temporary sibling first, is fsync'ed, and is
 * then renamed into place (rename within one directory is atomic on POSIX file systems).
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Something that writes into a path it is given. */
    @FunctionalInterface
    public interface Writer {
        void writeTo(Path path) throws IOException;
    }

    /** Writes {@code file} through a temporary file in the same directory, fsync, atomic rename. */
    public static void writeFile(Path file, Writer writer) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            writer.writeTo(temp);
            fsync(temp);
            moveAtomically(temp, target);
            fsync(dir);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Builds {@code dir} in a temporary sibling {@code .NAME.tmp-XXXX}, then swaps it in: an existing {@code dir} is
     * first renamed aside ({@code .NAME.old-XXXX}) and deleted after the new one is in place. At every instant
     * {@code dir} is either absent, the old complete directory or the new complete one.
     */
    public static void writeDirectory(Path dir, Writer filler) throws IOException {
        Path target = dir.toAbsolutePath();
        Path parent = target.getParent();
        Files.createDirectories(parent);
        String name = target.getFileName().toString();
        Path temp = Files.createTempDirectory(parent, "." + name + ".tmp-");
        try {
            filler.writeTo(temp);
            try (var files = Files.list(temp)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    if (Files.isRegularFile(f)) {
                        fsync(f);
                    }
                }
            }
            fsync(temp);
            Path aside = null;
            if (Files.exists(target)) {
                aside = Files.createTempDirectory(parent, "." + name + ".old-");
                Files.delete(aside);
                moveAtomically(target, aside);
            }
            moveAtomically(temp, target);
            fsync(parent);
            if (aside != null) {
                deleteRecursively(aside);
            }
        } finally {
            if (Files.exists(temp)) {
                deleteRecursively(temp);
            }
        }
    }

    public static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + from + " to " + to + " atomically", e);
        }
    }

    /** Flushes a file or directory to disk; directories cannot be fsync'ed everywhere, so that is best effort. */
    static void fsync(Path path) {
        boolean directory = Files.isDirectory(path);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            if (!directory) {
                throw new UncheckedIOException("fsync " + path, e);
            }
        }
    }
}
