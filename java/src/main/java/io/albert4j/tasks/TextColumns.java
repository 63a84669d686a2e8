package io.albert4j.tasks;

import java.util.List;

/**
 * Which fields of a generic CSV, TSV or JSON-lines file hold what: {@code textFields} are joined with a space into
 * the first text, {@code pairFields} (may be empty) into the second, {@code labelField} holds the label (a class, a
 * number for regression, or for multi-label a JSON array or classes separated by {@code labelSeparator}).
 */
public record TextColumns(List<String> textFields, List<String> pairFields, String labelField, String labelSeparator) {
    public TextColumns {
        textFields = List.copyOf(textFields);
        pairFields = pairFields == null ? List.of() : List.copyOf(pairFields);
        if (textFields.isEmpty()) {
            throw new IllegalArgumentException("text columns: name at least one text field");
        }
        labelSeparator = labelSeparator == null ? "|" : labelSeparator;
    }

    public static TextColumns of(List<String> textFields, List<String> pairFields, String labelField) {
        return new TextColumns(textFields, pairFields, labelField, "|");
    }
}
