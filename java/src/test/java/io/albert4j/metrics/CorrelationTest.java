package io.albert4j.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** STS-B's correlations against values worked out by hand (and scipy's definitions). */
class CorrelationTest {
    @Test
    void pearsonOfALinearAndANoisySeries() {
        assertEquals(1.0, Correlation.pearson(new double[] {1, 2, 3}, new double[] {2, 4, 6}), 1e-12);
        // x = 1..4, y = 1, 3, 2, 4: cov 2.5·... by hand r = 0.8
        assertEquals(0.8, Correlation.pearson(new double[] {1, 2, 3, 4}, new double[] {1, 3, 2, 4}), 1e-12);
        assertTrue(Double.isNaN(Correlation.pearson(new double[] {1, 1, 1}, new double[] {1, 2, 3})));
    }

    @Test
    void tiedValuesShareTheirAverageRank() {
        assertArrayEquals(new double[] {1, 2.5, 2.5, 4}, Correlation.averageRanks(new double[] {0.1, 0.5, 0.5, 0.9}));
        assertArrayEquals(new double[] {3, 1.5, 1.5}, Correlation.averageRanks(new double[] {7, 2, 2}));
    }

    @Test
    void spearmanWithTies() {
        // x ranks 1, 2.5, 2.5, 4; y ranks 1, 2, 3, 4. Pearson of the ranks: cov 2.5, var_x 4.5, var_y 5
        double expected = 4.5 / Math.sqrt(4.5 * 5);
        assertEquals(expected, Correlation.spearman(new double[] {1, 2, 2, 3}, new double[] {10, 20, 30, 40}), 1e-12);
        // Monotone but not linear: rho 1, r below 1.
        double[] x = {1, 2, 3, 4, 5};
        double[] y = {1, 4, 9, 16, 100};
        assertEquals(1.0, Correlation.spearman(x, y), 1e-12);
        assertTrue(Correlation.pearson(x, y) < 0.95);
    }
}
