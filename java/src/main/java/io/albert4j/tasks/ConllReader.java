package io.albert4j.tasks;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads CoNLL-style token files (CoNLL-2003 NER, CoNLL-U-like POS exports): one token per line, the word in the
 * first column and its tag in the last (columns split by whitespace), a blank line between sentences,
 * {@code -DOCSTART-} lines skipped. A labelled line with one column is an error naming the file and line.
 */
public final class ConllReader {
    private ConllReader() {
    }

    public static List<TaggedSentence> read(Path file, boolean labelled) {
        List<TaggedSentence> sentences = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            List<String> words = new ArrayList<>();
            List<String> tags = new ArrayList<>();
            long number = 0;
            long start = 1;
            String line;
            while ((line = reader.readLine()) != null) {
                number++;
                String stripped = line.strip();
                if (stripped.isEmpty() || stripped.startsWith("-DOCSTART-")) {
                    if (!words.isEmpty()) {
                        sentences.add(new TaggedSentence(words, tags, file + ":" + start));
                        words = new ArrayList<>();
                        tags = new ArrayList<>();
                    }
                    start = number + 1;
                    continue;
                }
                String[] columns = stripped.split("\\s+");
                if (labelled && columns.length < 2) {
                    throw TaskDataException.atLine(file, number, "'" + stripped + "' has no tag column (expected "
                            + "WORD ... TAG)");
                }
                words.add(columns[0]);
                if (columns.length >= 2) {
                    tags.add(columns[columns.length - 1]);
                } else if (!tags.isEmpty()) {
                    throw TaskDataException.atLine(file, number, "a word without a tag in a tagged sentence");
                }
                if (!tags.isEmpty() && tags.size() != words.size()) {
                    throw TaskDataException.atLine(file, number, "a tagged word in an untagged sentence");
                }
            }
            if (!words.isEmpty()) {
                sentences.add(new TaggedSentence(words, tags, file + ":" + start));
            }
        } catch (NoSuchFileException e) {
            throw new TaskDataException(file + ": no such file");
        } catch (IOException e) {
            throw TaskDataException.unreadable(file, e);
        }
        if (sentences.isEmpty()) {
            throw new TaskDataException(file + ": no sentences");
        }
        return sentences;
    }
}
