package io.albert4j.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes that a crash cannot leave half done: everything goes to a temporary sibling first, is fsync'ed, and is
 * then renamed into place (rename within one directory is atomic on POSIX file systems).
 *
 * <p>A kill leaves at most a temporary sibling ({@code .NAME.123.tmp} for a file, {@code .NAME.tmp-123} for a
 * directory) and, while a directory is swapped, the old one set aside as {@code .NAME.old-123}. {@link #recover}
 * clears those up, and every write here starts with it.
 *
 * <p>Test seam: with the system property {@value #KILL_AT_PROPERTY} set to {@code POINT:NAME} (say {@code
 * before-rename:model}), the JVM halts at that point of the write into {@code NAME} with exit code 137, as a
 * SIGKILL would: no finally block, no shutdown hook. Tests run the write in a child JVM to see what a kill leaves.
 */
public final class AtomicFiles {
    /** The system property naming the kill point; unset outside tests. */
    public static final String KILL_AT_PROPERTY = "albert4j.test.killAt";
    /** The exit code of a JVM halted at a kill point: 128 + SIGKILL, what a shell reports for {@code kill -9}. */
    public static final int KILLED_EXIT_CODE = 137;

    /** {@code .NAME.tmp-123} and {@code .NAME.old-123} (directories), {@code .NAME.123.tmp} (files). */
    private static final Pattern LEFTOVER = Pattern.compile("\\.(.+)\\.(?:tmp-\\d+|old-\\d+|\\d+\\.tmp)");

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
        try {
            Path dir = target.getParent();
            Files.createDirectories(dir);
            recover(target);
            Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            try {
                writer.writeTo(temp);
                fsync(temp);
                killPoint("before-rename", target);
                moveAtomically(temp, target);
                fsync(dir);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException | UncheckedIOException e) {
            throw cannotWrite(target, e);
        }
    }

    /**
     * What a failed write says: the file the user knows (not the temporary sibling) and the system's reason
     * ("No space left on device", "Read-only file system"), with what is still there.
     */
    private static IOException cannotWrite(Path target, Exception e) {
        Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
        String what = target.toString();
        String reason;
        if (cause instanceof WriteFailure inner) {
            // A file written atomically inside this directory's temporary sibling: name it by its own name.
            what += " (its " + inner.file.getFileName() + ")";
            reason = inner.reason;
            cause = inner.getCause();
        } else if (cause instanceof FileSystemException fse && fse.getReason() != null) {
            reason = fse.getReason();
        } else {
            reason = String.valueOf(cause.getMessage());
        }
        String kept = Files.exists(target) ? "; the earlier " + target.getFileName() + " is as it was" : "";
        return new WriteFailure(target, reason, "cannot write " + what + ": " + reason + kept, cause);
    }

    /** A failed atomic write: the file and the system's reason, kept apart for a write around it to reuse. */
    private static final class WriteFailure extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient Path file;
        private final String reason;

        WriteFailure(Path file, String reason, String message, Throwable cause) {
            super(message, cause);
            this.file = file;
            this.reason = reason;
        }
    }

    /**
     * Builds {@code dir} in a temporary sibling {@code .NAME.tmp-XXXX}, then swaps it in: an existing {@code dir} is
     * first renamed aside ({@code .NAME.old-XXXX}) and deleted after the new one is in place. At every instant
     * either {@code dir} is the old complete directory or the new complete one, or it is absent and the old one
     * waits aside, where {@link #recover} finds it. Everything {@code dir} held is replaced: use it for
     * directories that hold only what {@code filler} writes.
     */
    public static void writeDirectory(Path dir, Writer filler) throws IOException {
        Path target = dir.toAbsolutePath();
        try {
            swapInDirectory(target, filler);
        } catch (IOException | UncheckedIOException e) {
            throw cannotWrite(target, e);
        }
    }

    private static void swapInDirectory(Path target, Writer filler) throws IOException {
        Path parent = target.getParent();
        Files.createDirectories(parent);
        recover(target);
        String name = target.getFileName().toString();
        Path temp = Files.createTempDirectory(parent, "." + name + ".tmp-");
        try {
            filler.writeTo(temp);
            fsyncContents(temp);
            killPoint("before-rename", target);
            Path aside = null;
            if (Files.exists(target)) {
                aside = Files.createTempDirectory(parent, "." + name + ".old-");
                Files.delete(aside);
                moveAtomically(target, aside);
                killPoint("after-set-aside", target);
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

    /**
     * Replaces the files {@code names} inside {@code dir} and leaves every other entry of {@code dir} alone:
     * {@code filler} writes them into a temporary sibling, and once all are complete on disk each is renamed over
     * its namesake, in the order of {@code names}. Names that {@code filler} did not write are left as they are.
     * Each file is replaced atomically; a kill between two of those renames leaves the rest of the new files in
     * the temporary sibling, and the directory a mix until it is written again.
     */
    public static void replaceFiles(Path dir, Collection<String> names, Writer filler) throws IOException {
        Path target = dir.toAbsolutePath();
        Path parent = target.getParent();
        Files.createDirectories(target);
        recover(target);
        Path temp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
        try {
            filler.writeTo(temp);
            Set<String> unexpected = new HashSet<>(entryNames(temp));
            unexpected.removeAll(names);
            if (!unexpected.isEmpty()) {
                throw new IllegalStateException("replacing files in " + target + ": the writer also wrote "
                        + unexpected + ", which are not among " + names);
            }
            fsyncContents(temp);
            killPoint("before-rename", target);
            for (String name : names) {
                Path file = temp.resolve(name);
                if (Files.exists(file)) {
                    moveAtomically(file, target.resolve(name));
                    killPoint("after-first-rename", target);
                }
            }
            fsync(target);
        } finally {
            deleteRecursively(temp);
        }
    }

    /**
     * Clears up what killed writes into {@code target} left beside it: a directory set aside by {@link
     * #writeDirectory} is put back when {@code target} is missing (the kill came between the two renames), and
     * temporary siblings are deleted. Returns whether anything was found.
     */
    public static boolean recover(Path target) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path parent = absolute.getParent();
        if (!Files.isDirectory(parent)) {
            return false;
        }
        String name = absolute.getFileName().toString();
        List<Path> leftovers = new ArrayList<>();
        try (var entries = Files.list(parent)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                if (leftoverOf(p.getFileName().toString()).filter(name::equals).isPresent()) {
                    leftovers.add(p);
                }
            }
        }
        if (leftovers.isEmpty()) {
            return false;
        }
        if (!Files.exists(absolute)) {
            Optional<Path> newestAside = leftovers.stream()
                    .filter(p -> p.getFileName().toString().startsWith("." + name + ".old-"))
                    .max(Comparator.comparing(AtomicFiles::modified));
            if (newestAside.isPresent()) {
                moveAtomically(newestAside.get(), absolute);
                leftovers.remove(newestAside.get());
            }
        }
        for (Path p : leftovers) {
            deleteRecursively(p);
        }
        fsync(parent);
        return true;
    }

    /** The name whose write left {@code entryName} behind ({@code .model.tmp-123} -> {@code model}), if it is one. */
    public static Optional<String> leftoverOf(String entryName) {
        Matcher m = LEFTOVER.matcher(entryName);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
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

    private static List<String> entryNames(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static void fsyncContents(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f)) {
                    fsync(f);
                }
            }
        }
        fsync(dir);
    }

    private static FileTime modified(Path path) {
        try {
            return Files.getLastModifiedTime(path);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    private static void killPoint(String point, Path target) {
        String killAt = System.getProperty(KILL_AT_PROPERTY);
        if (killAt != null && killAt.equals(point + ":" + target.getFileName())) {
            Runtime.getRuntime().halt(KILLED_EXIT_CODE);
        }
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
