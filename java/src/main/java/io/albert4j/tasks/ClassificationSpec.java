package io.albert4j.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What a sequence-classification model was fine-tuned for, saved in its config.json (key {@value #CONFIG_KEY}) so
 * that {@code albert eval}, {@code albert predict} and {@link TextClassifier} use it as it was trained: the task
 * ({@code sst-2} ... or {@code text} for a generic file), the problem type, the classes in id order (none for
 * regression), the maximum sequence length, the columns of generic files and the metrics (the first picks the best
 * checkpoint). With {@code windowStride} > 0 a long first text is read in windows that start that many tokens
 * apart (at most {@code maxWindows}) and an example's prediction is the mean of its windows' logits; 0 keeps GR's
 * single truncated sequence. In training each window is a sample with the example's label, or, with
 * {@code pooledTraining}, an example is one sample whose loss is taken on the mean of its windows' logits, as it is
 * predicted (multiple-instance learning: a spam mail whose spam is in one window is not taught that its other
 * windows are spam).
 */
public record ClassificationSpec(String task, String problemType, List<String> labels, int maxSeqLength,
                                 TextColumns columns, List<String> metrics, int windowStride, int maxWindows,
                                 boolean pooledTraining) {
    public static final String CONFIG_KEY = "albert4j_task";
    public static final String KIND = "classification";
    public static final String SINGLE_LABEL = "single_label_classification";
    public static final String MULTI_LABEL = "multi_label_classification";
    public static final String REGRESSION = "regression";
    private static final ObjectMapper JSON = new ObjectMapper();

    public ClassificationSpec {
        labels = labels == null ? List.of() : List.copyOf(labels);
        metrics = List.copyOf(metrics);
        if (!List.of(SINGLE_LABEL, MULTI_LABEL, REGRESSION).contains(problemType)) {
            throw new IllegalArgumentException("classification: problem type '" + problemType + "' is not one of "
                    + SINGLE_LABEL + ", " + MULTI_LABEL + ", " + REGRESSION);
        }
        if (problemType.equals(REGRESSION) != labels.isEmpty()) {
            throw new IllegalArgumentException("classification: " + problemType + " with labels " + labels);
        }
        if (problemType.equals(SINGLE_LABEL) && labels.size() < 2) {
            throw new IllegalArgumentException("classification: " + labels.size() + " distinct label(s) " + labels
                    + "; single-label classification needs at least 2");
        }
        if (maxSeqLength < 3) {
            throw new IllegalArgumentException("classification: max sequence length " + maxSeqLength + " < 3");
        }
        if (metrics.isEmpty()) {
            throw new IllegalArgumentException("classification: no metric");
        }
        if (windowStride < 0 || (windowStride > 0 && maxWindows <= 0)) {
            throw new IllegalArgumentException("classification: window stride " + windowStride + " and max windows "
                    + maxWindows + "; need stride >= 0 and, with windows, max windows > 0");
        }
        if (pooledTraining && windowStride == 0) {
            throw new IllegalArgumentException("classification: pooled training averages an example's windows; "
                    + "it needs a window stride > 0");
        }
    }

    /** Windows trained on one by one (or one truncated sequence with stride 0). */
    public ClassificationSpec(String task, String problemType, List<String> labels, int maxSeqLength,
                              TextColumns columns, List<String> metrics, int windowStride, int maxWindows) {
        this(task, problemType, labels, maxSeqLength, columns, metrics, windowStride, maxWindows, false);
    }

    /** A spec reading one truncated sequence per example, as GR does. */
    public ClassificationSpec(String task, String problemType, List<String> labels, int maxSeqLength,
                              TextColumns columns, List<String> metrics) {
        this(task, problemType, labels, maxSeqLength, columns, metrics, 0, 1);
    }

    /** The number of outputs of the classifier: one per class, one for regression. */
    public int numLabels() {
        return labels.isEmpty() ? 1 : labels.size();
    }

    /** The GLUE task's spec at {@code maxSeqLength}. */
    public static ClassificationSpec glue(GlueTask task, int maxSeqLength) {
        return new ClassificationSpec(task.taskName(), task.isRegression() ? REGRESSION : SINGLE_LABEL,
                task.labels(), maxSeqLength, null, task.metrics());
    }

    /** Default metrics of a generic file's task. */
    public static List<String> defaultMetrics(String problemType, int classes) {
        return switch (problemType) {
            case REGRESSION -> List.of("pearson", "spearman", "mse");
            case MULTI_LABEL -> List.of("micro_f1", "subset_accuracy");
            default -> classes == 2 ? List.of("accuracy", "f1") : List.of("accuracy");
        };
    }

    public ObjectNode toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("kind", KIND);
        node.put("task", task);
        node.put("problem_type", problemType);
        ArrayNode l = node.putArray("labels");
        labels.forEach(l::add);
        node.put("max_seq_length", maxSeqLength);
        if (columns != null) {
            ObjectNode c = node.putObject("columns");
            ArrayNode text = c.putArray("text_fields");
            columns.textFields().forEach(text::add);
            ArrayNode pair = c.putArray("pair_fields");
            columns.pairFields().forEach(pair::add);
            c.put("label_field", columns.labelField());
            c.put("label_separator", columns.labelSeparator());
        }
        ArrayNode m = node.putArray("metrics");
        metrics.forEach(m::add);
        node.put("window_stride", windowStride);
        node.put("max_windows", maxWindows);
        node.put("pooled_training", pooledTraining);
        return node;
    }

    public static ClassificationSpec fromJson(JsonNode node, String where) {
        try {
            JsonNode c = node.get("columns");
            TextColumns columns = c == null || c.isNull() ? null : new TextColumns(strings(c.get("text_fields")),
                    strings(c.get("pair_fields")), c.path("label_field").asText("label"),
                    c.path("label_separator").asText("|"));
            return new ClassificationSpec(node.path("task").asText("text"), node.path("problem_type").asText(),
                    strings(node.get("labels")), node.path("max_seq_length").asInt(128), columns,
                    strings(node.get("metrics")), node.path("window_stride").asInt(0), node.path("max_windows").asInt(1),
                    node.path("pooled_training").asBoolean(false));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + CONFIG_KEY + ": " + e.getMessage(), e);
        }
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array != null) {
            array.forEach(v -> out.add(v.asText()));
        }
        return out;
    }
}
