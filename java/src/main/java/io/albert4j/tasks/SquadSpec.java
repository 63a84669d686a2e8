package io.albert4j.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * How a span-extraction model reads and answers, saved in its config.json ({@code albert4j_task}): SQuAD version,
 * window length, stride and question length, n-best size, longest answer, and the null-score threshold (v2: the
 * best-F1 threshold found on dev, 0 before any tuning), and whether the model has GR's answer-class head (v2:
 * its logit, the lowest over the windows, is then the null odds, as GR's write_predictions_v2 uses it).
 */
public record SquadSpec(boolean versionTwo, int maxSeqLength, int docStride, int maxQueryLength, int nBest,
                        int maxAnswerLength, double nullThreshold, boolean answerClassHead) {
    public static final String KIND = "squad";
    private static final ObjectMapper JSON = new ObjectMapper();

    public SquadSpec {
        if (answerClassHead && !versionTwo) {
            throw new IllegalArgumentException("SQuAD: the answer-class head is for v2.0 (questions without answers)");
        }
        if (maxSeqLength <= maxQueryLength + 3 || docStride <= 0 || maxQueryLength <= 0 || nBest <= 0
                || maxAnswerLength <= 0) {
            throw new IllegalArgumentException("SQuAD: need max sequence length > max query length + 3, doc stride, "
                    + "query length, n-best and answer length > 0; got " + this);
        }
    }

    public String taskName() {
        return versionTwo ? "squad-v2.0" : "squad-v1.1";
    }

    public SquadSpec withNullThreshold(double threshold) {
        return new SquadSpec(versionTwo, maxSeqLength, docStride, maxQueryLength, nBest, maxAnswerLength, threshold,
                answerClassHead);
    }

    public SpanDecoder decoder() {
        return new SpanDecoder(nBest, maxAnswerLength, versionTwo, nullThreshold);
    }

    public ObjectNode toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("kind", KIND);
        node.put("task", taskName());
        node.put("version_2_with_negative", versionTwo);
        node.put("max_seq_length", maxSeqLength);
        node.put("doc_stride", docStride);
        node.put("max_query_length", maxQueryLength);
        node.put("n_best_size", nBest);
        node.put("max_answer_length", maxAnswerLength);
        node.put("null_score_diff_threshold", nullThreshold);
        node.put("answer_class_head", answerClassHead);
        return node;
    }

    public static SquadSpec fromJson(JsonNode node, String where) {
        try {
            return new SquadSpec(node.path("version_2_with_negative").asBoolean(false),
                    node.path("max_seq_length").asInt(384), node.path("doc_stride").asInt(128),
                    node.path("max_query_length").asInt(64), node.path("n_best_size").asInt(20),
                    node.path("max_answer_length").asInt(30), node.path("null_score_diff_threshold").asDouble(0),
                    node.path("answer_class_head").asBoolean(false));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }
}
