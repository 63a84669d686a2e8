package io.albert4j.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Expands corpus arguments (files and folders) into one sorted list of regular files. */
public final class CorpusFiles {
    private CorpusFiles() {
    }

    /** Folders are searched recursively; hidden files (name starting with '.') are left out. */
    public static List<Path> list(List<Path> inputs) {
        if (inputs.isEmpty()) {
            throw new DataException("corpus: no input paths given");
        }
        List<Path> files = new ArrayList<>();
        for (Path input : inputs) {
            if (!Files.exists(input)) {
                throw new DataException("corpus path '" + input + "' does not exist");
            }
            if (Files.isDirectory(input)) {
                List<Path> found;
                try (Stream<Path> walk = Files.walk(input)) {
                    found = walk.filter(Files::isRegularFile)
                            .filter(p -> !p.getFileName().toString().startsWith("."))
                            .sorted()
                            .toList();
                } catch (IOException e) {
                    throw new UncheckedIOException("corpus folder '" + input + "': " + e.getMessage(), e);
                }
                if (found.isEmpty()) {
                    throw new DataException("corpus folder '" + input + "' contains no files");
                }
                files.addAll(found);
            } else {
                files.add(input);
            }
        }
        return List.copyOf(files);
    }

    static String describe(List<Path> files) {
        return files.size() == 1 ? "corpus '" + files.getFirst() + "'"
                : "corpus of " + files.size() + " files ('" + files.getFirst() + "' ...)";
    }
}
