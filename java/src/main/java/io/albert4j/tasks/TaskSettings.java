package io.albert4j.tasks;

import java.util.List;

/**
 * Task settings besides the optimisation ones: sequence length; for generic text files the columns, problem type
 * and metrics (null: the defaults); for SQuAD the window stride, question length, n-best size, answer length and
 * the answer-class head; for RACE the question-and-option length; and a cap on the training examples (0: all).
 */
public record TaskSettings(int maxSeqLength, TextColumns columns, String problemType, List<String> metrics,
                           int docStride, int maxQueryLength, int nBest, int maxAnswerLength, boolean answerClassHead,
                           int maxQaLength, int maxExamples) {
    /** The original scripts' values for the task-specific settings, at {@code maxSeqLength}. */
    public static TaskSettings defaults(int maxSeqLength) {
        return new TaskSettings(maxSeqLength, null, null, null, 128, 64, 20, 30, false, 128, 0);
    }

    public TaskSettings withColumns(TextColumns c, String problem, List<String> metricNames) {
        return new TaskSettings(maxSeqLength, c, problem, metricNames, docStride, maxQueryLength, nBest,
                maxAnswerLength, answerClassHead, maxQaLength, maxExamples);
    }

    public TaskSettings withSquad(int stride, int queryLength, int best, int answerLength, boolean answerClass) {
        return new TaskSettings(maxSeqLength, columns, problemType, metrics, stride, queryLength, best, answerLength,
                answerClass, maxQaLength, maxExamples);
    }

    public TaskSettings withMaxQaLength(int v) {
        return new TaskSettings(maxSeqLength, columns, problemType, metrics, docStride, maxQueryLength, nBest,
                maxAnswerLength, answerClassHead, v, maxExamples);
    }

    public TaskSettings withMaxExamples(int v) {
        return new TaskSettings(maxSeqLength, columns, problemType, metrics, docStride, maxQueryLength, nBest,
                maxAnswerLength, answerClassHead, maxQaLength, v);
    }
}
