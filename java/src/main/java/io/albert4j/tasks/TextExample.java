package io.albert4j.tasks;

import java.util.List;

/**
 * One example of a sequence-classification or regression task as read from a file: one text or a pair, and its
 * labels as written there (one class, several classes for multi-label, a number for regression; none when the file
 * has no labels, e.g. for prediction). {@code source} says where it came from ({@code dev.tsv:14}).
 */
public record TextExample(String id, String textA, String textB, List<String> labels, String source) {
    public TextExample {
        labels = List.copyOf(labels);
    }
}
