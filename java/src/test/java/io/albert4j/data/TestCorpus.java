package io.albert4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Small generated corpora for tests: random words of 1–9 letters, so words have one to five pieces. */
final class TestCorpus {
    private TestCorpus() {
    }

    static String word(Random random) {
        int length = 1 + random.nextInt(9);
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < length; i++) {
            word.append((char) ('a' + random.nextInt(26)));
        }
        return word.toString();
    }

    static String sentence(Random random, int minWords, int maxWords) {
        int words = minWords + random.nextInt(maxWords - minWords + 1);
        StringBuilder sentence = new StringBuilder();
        for (int w = 0; w < words; w++) {
            if (w > 0) {
                sentence.append(' ');
            }
            sentence.append(w == 0 ? capitalize(word(random)) : word(random));
        }
        return sentence.append('.').toString();
    }

    private static String capitalize(String word) {
        return Character.toUpperCase(word.charAt(0)) + word.substring(1);
    }

    /** One sentence per line, blank line between documents. */
    static String sentencePerLine(long seed, int documents, int minSentences, int maxSentences, int minWords,
                                  int maxWords) {
        Random random = new Random(seed);
        StringBuilder text = new StringBuilder();
        for (int d = 0; d < documents; d++) {
            int sentences = minSentences + random.nextInt(maxSentences - minSentences + 1);
            for (int s = 0; s < sentences; s++) {
                text.append(sentence(random, minWords, maxWords)).append('\n');
            }
            text.append('\n');
        }
        return text.toString();
    }

    static Path write(Path dir, String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return file;
    }
}
