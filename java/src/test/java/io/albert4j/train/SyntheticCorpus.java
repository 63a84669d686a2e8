package io.albert4j.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * A learnable toy corpus: sentences from a small grammar ("the old farmer sold the red horse .") in documents
 * whose sentences follow a fixed order (a time word first), so both MLM and sentence order have signal.
 */
final class SyntheticCorpus {
    private static final List<String> OPENERS = List.of("first", "then", "later", "finally");
    private static final List<String> ADJECTIVES = List.of("old", "young", "red", "small", "great", "quiet");
    private static final List<String> SUBJECTS = List.of("farmer", "president", "nation", "teacher", "soldier");
    private static final List<String> VERBS = List.of("sold", "built", "found", "carried", "praised");
    private static final List<String> OBJECTS = List.of("horse", "house", "bridge", "letter", "law", "ship");

    private SyntheticCorpus() {
    }

    /** Writes {@code documents} documents, one sentence per line, blank lines between documents. */
    static Path write(Path dir, long seed, int documents) throws IOException {
        Random random = new Random(seed);
        StringBuilder text = new StringBuilder();
        for (int d = 0; d < documents; d++) {
            for (String opener : OPENERS) {
                text.append(opener).append(" the ").append(pick(random, ADJECTIVES)).append(' ')
                        .append(pick(random, SUBJECTS)).append(' ').append(pick(random, VERBS)).append(" the ")
                        .append(pick(random, ADJECTIVES)).append(' ').append(pick(random, OBJECTS)).append(" .\n");
            }
            text.append('\n');
        }
        Files.createDirectories(dir);
        Path file = dir.resolve("corpus.txt");
        Files.writeString(file, text);
        return file;
    }

    private static String pick(Random random, List<String> words) {
        return words.get(random.nextInt(words.size()));
    }
}
