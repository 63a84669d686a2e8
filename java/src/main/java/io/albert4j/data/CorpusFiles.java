package io.albert4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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

    /**
     * {@link CorpusFormat#SHARDS} when every file starts with the shard magic, {@link CorpusFormat#SENTENCE_PER_LINE}
     * when none does; a mix is refused with one file of each kind.
     */
    public static CorpusFormat detectFormat(List<Path> files) {
        Path shard = null;
        Path text = null;
        for (Path file : files) {
            if (startsWithShardMagic(file)) {
                shard = shard == null ? file : shard;
            } else {
                text = text == null ? file : text;
            }
            if (shard != null && text != null) {
                throw new DataException("corpus mixes prepared shards ('" + shard + "') and other files ('" + text
                        + "'): give them as separate corpora, or name the format (--corpus-format)");
            }
        }
        return shard != null ? CorpusFormat.SHARDS : CorpusFormat.SENTENCE_PER_LINE;
    }

    /** Whether {@code file} begins with {@link ShardFormat}'s 8-byte magic. */
    static boolean startsWithShardMagic(Path file) {
        byte[] head = new byte[ShardFormat.MAGIC.length];
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(head, 0, head.length) == head.length && Arrays.equals(head, ShardFormat.MAGIC);
        } catch (IOException e) {
            throw new UncheckedIOException("corpus file '" + file + "': " + e.getMessage(), e);
        }
    }

    static String describe(List<Path> files) {
        return files.size() == 1 ? "corpus '" + files.getFirst() + "'"
                : "corpus of " + files.size() + " files ('" + files.getFirst() + "' ...)";
    }
}
