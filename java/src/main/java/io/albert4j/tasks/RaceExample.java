package io.albert4j.tasks;

import java.util.List;

/**
 * One RACE question: the article, the question, its options, the right option's index (-1 when unlabelled), the
 * level ({@code middle} or {@code high}, from the folder it was read from) and where it is ({@code file: questions[2]}).
 */
public record RaceExample(String id, String article, String question, List<String> options, int answer, String level,
                          String source) {
    public RaceExample {
        options = List.copyOf(options);
    }
}
