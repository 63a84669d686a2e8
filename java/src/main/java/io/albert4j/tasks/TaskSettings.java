package io.albert4j.tasks;

import java.util.List;

/**
 * Task settings besides the optimisation ones: sequence length; for generic text files the columns, problem type
 * and metrics (null: the defaults); for SQuAD the window stride, question length, n-best size, answer length and
 * the answer-class head; for RACE the question-and-option length; a cap on the training examples (0: all); and
 * for classification the windows of long texts (stride 0: one truncated sequence) and whether training takes the
 * loss on an example's mean window logits ({@link ClassificationSpec#pooledTraining()}).
 */
public record TaskSettings(int maxSeqLength, TextColumns columns, String problemType, List<String> metrics,
                           int docStride, int maxQueryLength, int nBest, int maxAnswerLength, boolean answerClassHead,
                           int maxQaLength, int maxExamples, int windowStride, int maxWindows,
                           boolean pooledWindows) {
    /** The original scripts' values for the task-specific settings, at {@code maxSeqLength}. */
    public static TaskSettings defaults(int maxSeqLength) {
        return new TaskSettings(maxSeqLength, null, null, null, 128, 64, 20, 30, false, 128, 0, 0, 1, false);
    }

    public TaskSettings withColumns(TextColumns c, String problem, List<String> metricNames) {
        return new TaskSettings(maxSeqLength, c, problem, metricNames, docStride, maxQueryLength, nBest,
                maxAnswerLength, answerClassHead, maxQaLength, maxExamples, windowStride,
                maxWindows, pooledWindows);
    }

    public TaskSettings withSquad(int stride, int queryLength, int best, int answerLength, boolean answerClass) {
        return new TaskSettings(maxSeqLength, columns, problemType, metrics, stride, queryLength, best, answerLength,
                answerClass, maxQaLength, maxExamples, windowStride, maxWindows, pooledWindows);
    }

    public TaskSettings withMaxQaLength(int v) {
        return new TaskSettings(maxSeqLength, columns, problemType, metrics, docStride, maxQueryLength, nBest,
                maxAnswerLength, answerClassHead, v, maxExamples, windowStride, maxWindows, pooledWindows);
    }

    /**
     * Classification of long texts in windows {@code stride} tokens apart, at most {@code max} (stride 0: off),
     * trained on window by window or, {@code pooled}, on each example's mean window logits.
     */
    public TaskSettings withWindows(int stride, int max, boolean pooled) {
        return new TaskSettings(maxSeqLength, columns, problemType, metrics, docStride, maxQueryLength, nBest,
                maxAnswerLength, answerClassHead, maxQaLength, maxExamples, stride, max, pooled);
    }

    public TaskSettings withMaxExamples(int v) {
        return new TaskSettings(maxSeqLength, columns, problemType, metrics, docStride, maxQueryLength, nBest,
                maxAnswerLength, answerClassHead, maxQaLength, v, windowStride, maxWindows, pooledWindows);
    }
}
