package io.albert4j.metrics;

/**
 * GLUE's classification metrics on predicted and gold class ids (GR {@code classifier_utils}, the GLUE
 * leaderboard's definitions, scikit-learn's formulas): accuracy, F1 of the positive class (MRPC, QQP) and Matthews
 * correlation (CoLA).
 */
public final class ClassificationMetrics {
    private ClassificationMetrics() {
    }

    /** The fraction of rows where {@code predicted[i] == gold[i]}. */
    public static double accuracy(int[] predicted, int[] gold) {
        checkPaired(predicted.length, gold.length);
        int correct = 0;
        for (int i = 0; i < gold.length; i++) {
            correct += predicted[i] == gold[i] ? 1 : 0;
        }
        return (double) correct / gold.length;
    }

    /**
     * F1 of class {@code positive} (scikit-learn {@code f1_score(average="binary")}): 2·TP / (2·TP + FP + FN), 0 when
     * there is neither a positive prediction nor a positive gold label.
     */
    public static double f1(int[] predicted, int[] gold, int positive) {
        checkPaired(predicted.length, gold.length);
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int i = 0; i < gold.length; i++) {
            boolean p = predicted[i] == positive;
            boolean g = gold[i] == positive;
            tp += p && g ? 1 : 0;
            fp += p && !g ? 1 : 0;
            fn += !p && g ? 1 : 0;
        }
        long denominator = 2 * tp + fp + fn;
        return denominator == 0 ? 0.0 : 2.0 * tp / denominator;
    }

    /**
     * Matthews correlation of two binary labelings ({@code positive} vs the rest), scikit-learn's
     * {@code matthews_corrcoef}: (TP·TN − FP·FN) / √((TP+FP)(TP+FN)(TN+FP)(TN+FN)), 0 when a factor is 0 (a constant
     * prediction or a constant gold column).
     */
    public static double matthewsCorrelation(int[] predicted, int[] gold, int positive) {
        checkPaired(predicted.length, gold.length);
        double tp = 0;
        double tn = 0;
        double fp = 0;
        double fn = 0;
        for (int i = 0; i < gold.length; i++) {
            boolean p = predicted[i] == positive;
            boolean g = gold[i] == positive;
            if (p && g) {
                tp++;
            } else if (p) {
                fp++;
            } else if (g) {
                fn++;
            } else {
                tn++;
            }
        }
        double denominator = Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
        return denominator == 0 ? 0.0 : (tp * tn - fp * fn) / denominator;
    }

    static void checkPaired(int predicted, int gold) {
        if (predicted != gold) {
            throw new IllegalArgumentException(predicted + " predictions for " + gold + " gold labels");
        }
        if (gold == 0) {
            throw new IllegalArgumentException("no examples to score");
        }
    }
}
