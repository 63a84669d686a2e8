package io.albert4j.tasks;

import java.util.List;

/**
 * One SQuAD question on its paragraph: the gold answers (text and character offset in {@code context}; empty and
 * {@code impossible} for a v2 question without answer), and {@code path}, where it is in the file
 * ({@code data[0].paragraphs[3].qas[1]}).
 */
public record SquadExample(String id, String question, String context, List<Answer> answers, boolean impossible,
                           String path) {
    public SquadExample {
        answers = List.copyOf(answers);
    }

    /** A gold answer: its text and where it starts in the context. */
    public record Answer(String text, int start) {
        public int end() {
            return start + text.length();
        }
    }
}
