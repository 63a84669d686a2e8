package io.albert4j.tasks;

import java.util.List;

/** One CoNLL sentence: its words and their tags (empty when unlabelled), and where it starts ({@code train.txt:41}). */
public record TaggedSentence(List<String> words, List<String> tags, String source) {
    public TaggedSentence {
        words = List.copyOf(words);
        tags = List.copyOf(tags);
    }
}
