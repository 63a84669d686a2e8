package io.albert4j.tasks;

import java.util.List;

/**
 * A named held-out set. The first set of a task gives its metrics their plain names ({@code accuracy}); the others
 * add their name ({@code accuracy_mismatched} for MNLI's second dev set).
 */
public record EvalSet<E>(String name, List<E> examples) {
    public EvalSet {
        examples = List.copyOf(examples);
    }

    /** The key of {@code metric} for the set at {@code index} of a task's sets. */
    public static String key(String metric, int index, String name) {
        return index == 0 ? metric : metric + "_" + name;
    }
}
