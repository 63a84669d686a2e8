package io.albert4j.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One evaluation of a fine-tuned model: its metrics by name (as the official scripts name them: {@code accuracy},
 * {@code f1}, {@code mcc}, {@code pearson}, {@code exact}, ...), the one that picks the best checkpoint (higher is
 * better), and whatever the task needs to write its prediction files ({@code details}, may be null).
 */
public record FinetuningEvaluation(Map<String, Double> metrics, String primaryMetric, Object details) {
    public FinetuningEvaluation {
        metrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        if (!metrics.containsKey(primaryMetric)) {
            throw new IllegalArgumentException("evaluation: primary metric '" + primaryMetric + "' is not among "
                    + metrics.keySet());
        }
    }

    public double primary() {
        return metrics.get(primaryMetric);
    }

    /** True when this evaluation beats {@code other} (null: anything beats nothing; NaN never wins). */
    public boolean betterThan(FinetuningEvaluation other) {
        if (other == null) {
            return true;
        }
        double mine = primary();
        double theirs = other.primary();
        return Double.isNaN(theirs) ? !Double.isNaN(mine) : mine > theirs;
    }
}
