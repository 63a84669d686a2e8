package io.albert4j.io;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A folder that albert4j was asked to write into holds files it did not write there for that purpose: {@code
 * "mydir: holds 1 entry that is not part of a model directory (notes.txt); nothing was written"}. Callers that
 * may keep such files pass {@code overwrite}; then only albert4j's own files are replaced.
 */
public final class ForeignFilesException extends FileAlreadyExistsException {
    private static final int NAMED = 5;

    private final transient Path directory;
    private final List<String> entries;

    /**
     * @param purpose what the folder would be, e.g. "a model directory"
     * @param entries the entries in the way, directories with a trailing '/'
     */
    public ForeignFilesException(Path directory, String purpose, List<String> entries) {
        super(directory.toString(), null, "holds " + entries.size() + (entries.size() == 1 ? " entry" : " entries")
                + " that " + (entries.size() == 1 ? "is" : "are") + " not part of " + purpose + " ("
                + String.join(", ", entries.subList(0, Math.min(NAMED, entries.size())))
                + (entries.size() > NAMED ? ", …" : "") + "); nothing was written");
        this.directory = directory;
        this.entries = List.copyOf(entries);
    }

    public Path directory() {
        return directory;
    }

    public List<String> entries() {
        return entries;
    }

    /** The entries of {@code dir} (none when it does not exist) that {@code ours} does not accept, sorted. */
    public static List<String> foreignEntries(Path dir, Predicate<String> ours) throws IOException {
        List<String> foreign = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return foreign;
        }
        try (var list = Files.list(dir)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                String name = p.getFileName().toString();
                if (!ours.test(name)) {
                    foreign.add(Files.isDirectory(p) ? name + "/" : name);
                }
            }
        }
        foreign.sort(null);
        return foreign;
    }
}
