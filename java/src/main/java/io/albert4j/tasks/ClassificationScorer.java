package io.albert4j.tasks;

import io.albert4j.metrics.ClassificationMetrics;
import io.albert4j.metrics.Correlation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A classification model's metrics from its raw outputs on labelled features, as the spec names them: single-label
 * {@code accuracy}, {@code f1} and {@code mcc} (class 1 positive, as GLUE's binary tasks), regression
 * {@code pearson}, {@code spearman} and {@code mse}, multi-label {@code micro_f1} and {@code subset_accuracy}
 * (a class is predicted when its logit is above 0, i.e. probability 0.5).
 */
public final class ClassificationScorer {
    private ClassificationScorer() {
    }

    /** @param outputs one row of logits (or the regression value) per feature */
    public static Map<String, Double> score(ClassificationSpec spec, List<ClassificationFeatures.Feature> gold,
                                            float[][] outputs) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        switch (spec.problemType()) {
            case ClassificationSpec.REGRESSION -> {
                double[] predicted = new double[gold.size()];
                double[] expected = new double[gold.size()];
                double squared = 0;
                for (int i = 0; i < gold.size(); i++) {
                    predicted[i] = outputs[i][0];
                    expected[i] = gold.get(i).targets()[0];
                    squared += (predicted[i] - expected[i]) * (predicted[i] - expected[i]);
                }
                for (String m : spec.metrics()) {
                    switch (m) {
                        case "pearson" -> metrics.put(m, Correlation.pearson(predicted, expected));
                        case "spearman" -> metrics.put(m, Correlation.spearman(predicted, expected));
                        case "mse" -> metrics.put(m, squared / gold.size());
                        default -> throw unknown(m, spec);
                    }
                }
            }
            case ClassificationSpec.MULTI_LABEL -> {
                long tp = 0;
                long fp = 0;
                long fn = 0;
                int exact = 0;
                for (int i = 0; i < gold.size(); i++) {
                    boolean all = true;
                    float[] targets = gold.get(i).targets();
                    for (int c = 0; c < targets.length; c++) {
                        boolean p = outputs[i][c] > 0;
                        boolean g = targets[c] > 0.5f;
                        tp += p && g ? 1 : 0;
                        fp += p && !g ? 1 : 0;
                        fn += !p && g ? 1 : 0;
                        all &= p == g;
                    }
                    exact += all ? 1 : 0;
                }
                for (String m : spec.metrics()) {
                    switch (m) {
                        case "micro_f1" -> metrics.put(m, 2 * tp + fp + fn == 0 ? 0.0 : 2.0 * tp / (2 * tp + fp + fn));
                        case "subset_accuracy" -> metrics.put(m, (double) exact / gold.size());
                        default -> throw unknown(m, spec);
                    }
                }
            }
            default -> {
                int[] predicted = new int[gold.size()];
                int[] expected = new int[gold.size()];
                for (int i = 0; i < gold.size(); i++) {
                    predicted[i] = argmax(outputs[i]);
                    expected[i] = gold.get(i).labelId();
                }
                for (String m : spec.metrics()) {
                    switch (m) {
                        case "accuracy" -> metrics.put(m, ClassificationMetrics.accuracy(predicted, expected));
                        case "f1" -> metrics.put(m, ClassificationMetrics.f1(predicted, expected, 1));
                        case "mcc" -> metrics.put(m, ClassificationMetrics.matthewsCorrelation(predicted, expected, 1));
                        default -> throw unknown(m, spec);
                    }
                }
            }
        }
        return metrics;
    }

    /** The share of the most frequent class among the gold labels (what always guessing it scores). */
    public static double majorityShare(List<ClassificationFeatures.Feature> gold, int classes) {
        int[] counts = new int[classes];
        gold.forEach(f -> counts[f.labelId()]++);
        return (double) java.util.Arrays.stream(counts).max().orElse(0) / gold.size();
    }

    static int argmax(float[] row) {
        int best = 0;
        for (int c = 1; c < row.length; c++) {
            if (row[c] > row[best]) {
                best = c;
            }
        }
        return best;
    }

    private static IllegalArgumentException unknown(String metric, ClassificationSpec spec) {
        return new IllegalArgumentException("metric '" + metric + "' does not apply to " + spec.problemType());
    }
}
