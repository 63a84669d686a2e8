package io.albert4j.train;

/**
 * One line of metrics.jsonl. Accuracies, learning rate and throughput may be NaN when not measured (an eval line
 * has no learning rate); they are written as null.
 *
 * @param split "train" or "eval"
 */
public record MetricsRecord(String split, long step, double loss, double mlmAccuracy, double sopAccuracy, double lr,
                            double tokensPerSecond) {
    public static final String TRAIN = "train";
    public static final String EVAL = "eval";

    public static MetricsRecord train(long step, double loss, double mlmAccuracy, double sopAccuracy, double lr,
                                      double tokensPerSecond) {
        return new MetricsRecord(TRAIN, step, loss, mlmAccuracy, sopAccuracy, lr, tokensPerSecond);
    }

    public static MetricsRecord eval(long step, double loss, double mlmAccuracy, double sopAccuracy) {
        return new MetricsRecord(EVAL, step, loss, mlmAccuracy, sopAccuracy, Double.NaN, Double.NaN);
    }

    public boolean isEval() {
        return EVAL.equals(split);
    }
}
