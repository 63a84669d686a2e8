package io.albert4j.metrics;

import java.util.Arrays;
import java.util.Comparator;

/** STS-B's metrics (scipy.stats {@code pearsonr}, {@code spearmanr}): linear and rank correlation of two series. */
public final class Correlation {
    private Correlation() {
    }

    /** Pearson's r; NaN when either series is constant (scipy returns nan and warns). */
    public static double pearson(double[] x, double[] y) {
        ClassificationMetrics.checkPaired(x.length, y.length);
        double meanX = Arrays.stream(x).average().orElseThrow();
        double meanY = Arrays.stream(y).average().orElseThrow();
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            double dx = x[i] - meanX;
            double dy = y[i] - meanY;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }

    /** Spearman's rho: Pearson's r of the ranks, tied values sharing their average rank (scipy's default). */
    public static double spearman(double[] x, double[] y) {
        ClassificationMetrics.checkPaired(x.length, y.length);
        return pearson(averageRanks(x), averageRanks(y));
    }

    /** 1-based ranks; a run of equal values gets the mean of the ranks it spans (scipy {@code rankdata("average")}). */
    public static double[] averageRanks(double[] values) {
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> values[i]));
        double[] ranks = new double[values.length];
        for (int start = 0; start < order.length; ) {
            int end = start + 1;
            while (end < order.length && values[order[end]] == values[order[start]]) {
                end++;
            }
            double rank = (start + 1 + end) / 2.0; // mean of ranks start+1 .. end
            for (int k = start; k < end; k++) {
                ranks[order[k]] = rank;
            }
            start = end;
        }
        return ranks;
    }
}
