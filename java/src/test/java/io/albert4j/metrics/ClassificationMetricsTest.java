package io.albert4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Hand-computed cases of GLUE's classification metrics. */
class ClassificationMetricsTest {
    @Test
    void accuracyAndF1OfThePositiveClass() {
        int[] predicted = {1, 1, 0, 0, 1, 0};
        int[] gold = {1, 0, 0, 1, 1, 0};
        assertEquals(4.0 / 6, ClassificationMetrics.accuracy(predicted, gold), 1e-12);
        // TP 2, FP 1, FN 1: 2·2 / (4 + 1 + 1)
        assertEquals(4.0 / 6, ClassificationMetrics.f1(predicted, gold, 1), 1e-12);
        assertEquals(0.0, ClassificationMetrics.f1(new int[] {0, 0}, new int[] {0, 0}, 1));
    }

    @Test
    void matthewsCorrelationByHand() {
        // TP 3, TN 2, FP 1, FN 2: (6 - 2) / sqrt(4 · 5 · 3 · 4) = 4 / sqrt(240)
        int[] predicted = {1, 1, 1, 1, 0, 0, 0, 0};
        int[] gold = {1, 1, 1, 0, 1, 1, 0, 0};
        assertEquals(4 / Math.sqrt(240), ClassificationMetrics.matthewsCorrelation(predicted, gold, 1), 1e-12);
        assertEquals(1.0, ClassificationMetrics.matthewsCorrelation(gold, gold, 1), 1e-12);
        int[] inverted = {0, 0, 0, 1, 0, 0, 1, 1};
        assertEquals(-1.0, ClassificationMetrics.matthewsCorrelation(inverted, gold, 1), 1e-12);
        // A constant prediction: a zero factor in the denominator, scikit-learn's 0.
        assertEquals(0.0, ClassificationMetrics.matthewsCorrelation(new int[8], gold, 1));
    }

    @Test
    void refusesUnpairedOrEmptyInputs() {
        assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.accuracy(new int[2], new int[3]));
        assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.accuracy(new int[0], new int[0]));
    }
}
