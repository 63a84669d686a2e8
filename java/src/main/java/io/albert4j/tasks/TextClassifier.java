package io.albert4j.tasks;

import io.albert4j.albert.AlbertForSequenceClassification;
import io.albert4j.albert.HostArray;
import io.albert4j.albert.InFlightCalls;
import io.albert4j.tokenizer.AlbertTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fine-tuned text classifier for JVM applications: texts (or pairs) in, the label and a score per class out.
 * Thread-safe (the model's inference runs in per-call steps, the tokenizer is immutable); close it to free the
 * native memory. A close waits for the batch each running call is in; those calls, and every call after, then
 * fail with {@code IllegalStateException("TextClassifier is closed")}: a call returns all its predictions or none.
 *
 * <pre>{@code
 * try (TextClassifier classifier = TextClassifier.load(Path.of("runs/spam"))) {
 *     TextClassifier.Prediction p = classifier.predict(List.of("win free money now")).get(0);
 *     System.out.println(p.label() + " " + p.scores());          // spam {ham=0.03, spam=0.97}
 * }
 * }</pre>
 */
public final class TextClassifier implements AutoCloseable {
    /** Rows per forward pass. */
    private static final int BATCH = 32;

    private final AlbertForSequenceClassification model;
    private final AlbertTokenizer tokenizer;
    private final ClassificationSpec spec;
    private final boolean ownsModel;
    private final InFlightCalls calls = new InFlightCalls("TextClassifier");

    /**
     * One prediction: the label (single-label: the best class; multi-label: the classes above 0.5, joined by the
     * spec's separator; regression: the value as text), the predicted classes, the regression value (NaN for
     * classes), and the scores: softmax probabilities, sigmoid probabilities (multi-label) or {@code value}.
     */
    public record Prediction(String label, List<String> labels, double value, Map<String, Double> scores) {
    }

    TextClassifier(AlbertForSequenceClassification model, AlbertTokenizer tokenizer, ClassificationSpec spec,
                   boolean ownsModel) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.spec = spec;
        this.ownsModel = ownsModel;
    }

    /** Loads a fine-tuning run directory (its best checkpoint) or a fine-tuned model directory. */
    public static TextClassifier load(Path dir) {
        Path modelDir = FinetunedModels.modelDirectory(dir);
        ClassificationSpec spec = ClassificationSpec.fromJson(FinetunedModels.taskSettings(modelDir),
                modelDir.resolve("config.json").toString());
        AlbertTokenizer tokenizer = FinetunedModels.tokenizer(modelDir);
        return new TextClassifier(AlbertForSequenceClassification.load(modelDir), tokenizer, spec, true);
    }

    public ClassificationSpec spec() {
        return spec;
    }

    AlbertTokenizer tokenizer() {
        return tokenizer;
    }

    /** Single texts. */
    public List<Prediction> predict(List<String> texts) {
        List<TextExample> examples = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            examples.add(new TextExample(Integer.toString(i), texts.get(i), null, List.of(), "text " + i));
        }
        return predictExamples(examples);
    }

    /** Text pairs (premise/hypothesis, question/sentence ...), {@code first.get(i)} with {@code second.get(i)}. */
    public List<Prediction> predictPairs(List<String> first, List<String> second) {
        if (first.size() != second.size()) {
            throw new IllegalArgumentException(first.size() + " first texts for " + second.size() + " second texts");
        }
        List<TextExample> examples = new ArrayList<>();
        for (int i = 0; i < first.size(); i++) {
            examples.add(new TextExample(Integer.toString(i), first.get(i), second.get(i), List.of(), "pair " + i));
        }
        return predictExamples(examples);
    }

    /** Examples as a reader returns them (labels, if any, are ignored). */
    public List<Prediction> predictExamples(List<TextExample> examples) {
        float[][] outputs = perExample(ClassificationFeatures.encode(examples, tokenizer, spec, false),
                examples.size());
        List<Prediction> out = new ArrayList<>(outputs.length);
        for (float[] row : outputs) {
            out.add(prediction(row));
        }
        return out;
    }

    /** The raw outputs of each example: the mean over its features (its windows; one feature without windows). */
    float[][] perExample(List<ClassificationFeatures.Feature> features, int examples) {
        float[][] rows = outputs(features);
        float[][] sums = new float[examples][];
        int[] counts = new int[examples];
        for (int i = 0; i < rows.length; i++) {
            int e = features.get(i).example();
            if (sums[e] == null) {
                sums[e] = new float[rows[i].length];
            }
            for (int c = 0; c < rows[i].length; c++) {
                sums[e][c] += rows[i][c];
            }
            counts[e]++;
        }
        for (int e = 0; e < examples; e++) {
            for (int c = 0; c < sums[e].length; c++) {
                sums[e][c] /= counts[e];
            }
        }
        return sums;
    }

    /** The raw outputs (logits, or the regression value) of encoded features, in batches. */
    float[][] outputs(List<ClassificationFeatures.Feature> features) {
        float[][] out = new float[features.size()][];
        InFlightCalls.Call call = calls.enter();
        try {
            for (int start = 0; start < features.size(); start += BATCH) {
                call.checkOpen();  // a close stops a long call between batches instead of waiting for all of them
                List<ClassificationFeatures.Feature> rows = features.subList(start,
                        Math.min(features.size(), start + BATCH));
                ClassificationFeatures.Padded padded = ClassificationFeatures.pad(rows);
                HostArray logits = model.predict(padded.ids(), padded.mask(), padded.types());
                int classes = logits.shape()[1];
                for (int r = 0; r < rows.size(); r++) {
                    float[] row = new float[classes];
                    System.arraycopy(logits.values(), r * classes, row, 0, classes);
                    out[start + r] = row;
                }
            }
        } finally {
            call.close();
        }
        return out;
    }

    private Prediction prediction(float[] row) {
        Map<String, Double> scores = new LinkedHashMap<>();
        switch (spec.problemType()) {
            case ClassificationSpec.REGRESSION -> {
                scores.put("value", (double) row[0]);
                return new Prediction(Double.toString(row[0]), List.of(), row[0], scores);
            }
            case ClassificationSpec.MULTI_LABEL -> {
                List<String> chosen = new ArrayList<>();
                for (int c = 0; c < row.length; c++) {
                    double p = 1 / (1 + Math.exp(-row[c]));
                    scores.put(spec.labels().get(c), p);
                    if (row[c] > 0) {
                        chosen.add(spec.labels().get(c));
                    }
                }
                String separator = spec.columns() == null ? "|" : spec.columns().labelSeparator();
                return new Prediction(String.join(separator, chosen), chosen, Double.NaN, scores);
            }
            default -> {
                double max = Double.NEGATIVE_INFINITY;
                for (float v : row) {
                    max = Math.max(max, v);
                }
                double sum = 0;
                for (float v : row) {
                    sum += Math.exp(v - max);
                }
                for (int c = 0; c < row.length; c++) {
                    scores.put(spec.labels().get(c), Math.exp(row[c] - max) / sum);
                }
                String best = spec.labels().get(ClassificationScorer.argmax(row));
                return new Prediction(best, List.of(best), Double.NaN, scores);
            }
        }
    }

    /** Refuses new calls, waits for the running ones' current batch, then frees the model if this owns it. */
    @Override
    public void close() {
        calls.close(() -> {
            if (ownsModel) {
                model.close();
            }
        });
    }
}
