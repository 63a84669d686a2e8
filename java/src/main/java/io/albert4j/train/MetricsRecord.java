package io.albert4j.train;

/**
 * One line of metrics.jsonl. Accuracies, learning rate and throughput may be NaN when not measured (an eval line
 * has no learning rate); they are written as null.
 *
 * @param split              "train" or "eval"
 * @param mlmAccuracyAtMask  MLM accuracy over the targets whose input was [MASK] (nothing to copy from the input)
 * @param mlmPerplexityAtMask MLM perplexity over the same targets
 */
public record MetricsRecord(String split, long step, double loss, double mlmAccuracy, double sopAccuracy, double lr,
                            double tokensPerSecond, double mlmAccuracyAtMask, double mlmPerplexityAtMask) {
    public static final String TRAIN = "train";
    public static final String EVAL = "eval";

    public static MetricsRecord train(long step, double loss, double mlmAccuracy, double sopAccuracy, double lr,
                                      double tokensPerSecond) {
        return new MetricsRecord(TRAIN, step, loss, mlmAccuracy, sopAccuracy, lr, tokensPerSecond, Double.NaN,
                Double.NaN);
    }

    public static MetricsRecord eval(long step, double loss, double mlmAccuracy, double sopAccuracy) {
        return eval(step, loss, mlmAccuracy, sopAccuracy, Double.NaN, Double.NaN);
    }

    public static MetricsRecord eval(long step, double loss, double mlmAccuracy, double sopAccuracy,
                                     double mlmAccuracyAtMask, double mlmPerplexityAtMask) {
        return new MetricsRecord(EVAL, step, loss, mlmAccuracy, sopAccuracy, Double.NaN, Double.NaN,
                mlmAccuracyAtMask, mlmPerplexityAtMask);
    }

    public boolean isEval() {
        return EVAL.equals(split);
    }
}
