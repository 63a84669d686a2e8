package io.albert4j.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.albert4j.albert.AlbertForMultipleChoice;
import io.albert4j.albert.AlbertPreTrainedModel;
import io.albert4j.albert.HostArray;
import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.ops.Step;
import io.albert4j.tensor.Tensor;
import io.albert4j.tokenizer.AlbertTokenizer;
import io.albert4j.train.FinetuningEvaluation;
import io.albert4j.train.FinetuningTask;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * RACE-style multiple choice as a {@link FinetuningTask} (GR run_race / race_utils, HF
 * {@code AlbertForMultipleChoice}): per option {@code [CLS] article [SEP] question+option [SEP]}, where a {@code _}
 * in the question is replaced by the option (else the option follows the question), the question-and-option part
 * keeps its last {@code maxQaLength} tokens, then the pair is cut longest-first to the sequence length; the pooled
 * output of each option is scored and the scores compete in a softmax. Metrics: {@code accuracy} and, where the
 * levels are known, {@code accuracy_middle} and {@code accuracy_high}.
 */
public final class MultipleChoiceTask implements FinetuningTask {
    public static final String KIND = "multiple_choice";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 8;

    private final AlbertForMultipleChoice model;
    private final int maxSeqLength;
    private final int maxQaLength;
    private final List<Feature> train;
    private final List<Feature> dev;

    /** One question: ids and types {@code [choice][tokens]}, the right choice and the level. */
    public record Feature(int[][] ids, int[][] tokenTypes, int label, String level) {
    }

    private MultipleChoiceTask(AlbertForMultipleChoice model, AlbertTokenizer tokenizer, int maxSeqLength,
                               int maxQaLength, List<RaceExample> train, List<RaceExample> dev) {
        this.model = model;
        this.maxSeqLength = maxSeqLength;
        this.maxQaLength = maxQaLength;
        this.train = encode(train, tokenizer, maxSeqLength, maxQaLength);
        this.dev = encode(dev, tokenizer, maxSeqLength, maxQaLength);
    }

    public static MultipleChoiceTask forTraining(Path pretrainedDir, int maxSeqLength, int maxQaLength,
                                                 List<RaceExample> train, List<RaceExample> dev, long seed) {
        return forTraining(pretrainedDir, Backends.cpu(), maxSeqLength, maxQaLength, train, dev, seed);
    }

    public static MultipleChoiceTask forTraining(Path pretrainedDir, Backend backend, int maxSeqLength,
                                                 int maxQaLength, List<RaceExample> train, List<RaceExample> dev,
                                                 long seed) {
        AlbertTokenizer tokenizer = TaskSupport.tokenizerOf(pretrainedDir);
        TaskSupport.checkPositions(pretrainedDir, maxSeqLength);
        AlbertForMultipleChoice model = AlbertForMultipleChoice.fromPretrained(pretrainedDir, backend,
                UnaryOperator.identity(), seed);
        try {
            return new MultipleChoiceTask(model, tokenizer, maxSeqLength, maxQaLength, train, dev);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** GR race_utils' features of each question. */
    public static List<Feature> encode(List<RaceExample> examples, AlbertTokenizer tokenizer, int maxSeqLength,
                                       int maxQaLength) {
        List<Feature> out = new ArrayList<>(examples.size());
        for (RaceExample e : examples) {
            int[] article = tokenizer.encode(e.article());
            int choices = e.options().size();
            int[][] ids = new int[choices][];
            int[][] types = new int[choices][];
            for (int c = 0; c < choices; c++) {
                String option = e.options().get(c);
                String qa = e.question().contains("_") ? e.question().replace("_", option)
                        : e.question() + " " + option;
                int[] qaIds = tokenizer.encode(qa);
                if (qaIds.length > maxQaLength) {
                    qaIds = Arrays.copyOfRange(qaIds, qaIds.length - maxQaLength, qaIds.length);
                }
                PairEncoding pair = PairEncoding.of(article, qaIds, maxSeqLength, tokenizer.clsId(), tokenizer.sepId());
                ids[c] = pair.ids();
                types[c] = pair.tokenTypes();
            }
            out.add(new Feature(ids, types, e.answer(), e.level()));
        }
        return out;
    }

    @Override
    public String name() {
        return "race";
    }

    @Override
    public AlbertPreTrainedModel model() {
        return model;
    }

    @Override
    public int trainingSize() {
        return train.size();
    }

    @Override
    public long tokens(int[] features) {
        long n = 0;
        for (int f : features) {
            for (int[] row : train.get(f).ids()) {
                n += row.length;
            }
        }
        return n;
    }

    /** {@code [B][C][longest]} ids, mask and types. */
    private static int[][][][] pad(List<Feature> rows) {
        int choices = rows.get(0).ids().length;
        int width = 0;
        for (Feature f : rows) {
            for (int[] r : f.ids()) {
                width = Math.max(width, r.length);
            }
        }
        int[][][] ids = new int[rows.size()][choices][width];
        int[][][] mask = new int[rows.size()][choices][width];
        int[][][] types = new int[rows.size()][choices][width];
        for (int b = 0; b < rows.size(); b++) {
            for (int c = 0; c < choices; c++) {
                int[] r = rows.get(b).ids()[c];
                System.arraycopy(r, 0, ids[b][c], 0, r.length);
                System.arraycopy(rows.get(b).tokenTypes()[c], 0, types[b][c], 0, r.length);
                Arrays.fill(mask[b][c], 0, r.length, 1);
            }
        }
        return new int[][][][] {ids, mask, types};
    }

    private static int[] flat(int[][][] values) {
        int b = values.length;
        int c = values[0].length;
        int s = values[0][0].length;
        int[] out = new int[b * c * s];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < c; j++) {
                System.arraycopy(values[i][j], 0, out, (i * c + j) * s, s);
            }
        }
        return out;
    }

    @Override
    public Tensor loss(int[] features, long dropoutSeed) {
        List<Feature> rows = new ArrayList<>();
        for (int f : features) {
            rows.add(train.get(f));
        }
        int[][][][] padded = pad(rows);
        int b = rows.size();
        int c = padded[0][0].length;
        int s = padded[0][0][0].length;
        Step step = Step.current();
        Tensor ids = step.upload(flat(padded[0]), b, c, s);
        Tensor mask = step.upload(flat(padded[1]), b, c, s);
        Tensor types = step.upload(flat(padded[2]), b, c, s);
        Tensor labels = step.upload(rows.stream().mapToInt(Feature::label).toArray(), b);
        return model.forward(ids, mask, types, labels, dropoutSeed).loss();
    }

    @Override
    public boolean canEvaluate() {
        return !dev.isEmpty();
    }

    @Override
    public FinetuningEvaluation evaluate() {
        return evaluate(model, dev);
    }

    /** The options' logits {@code [question][choice]} of {@code model}, in batches. */
    public static float[][] scores(AlbertForMultipleChoice model, List<Feature> features) {
        float[][] out = new float[features.size()][];
        for (int from = 0; from < features.size(); from += BATCH) {
            List<Feature> rows = features.subList(from, Math.min(features.size(), from + BATCH));
            int[][][][] padded = pad(rows);
            HostArray logits = model.predict(padded[0], padded[1], padded[2]);
            int choices = logits.shape()[1];
            for (int r = 0; r < rows.size(); r++) {
                out[from + r] = Arrays.copyOfRange(logits.values(), r * choices, (r + 1) * choices);
            }
        }
        return out;
    }

    /** Accuracy, overall and per level, of {@code model} on labelled features. */
    public static FinetuningEvaluation evaluate(AlbertForMultipleChoice model, List<Feature> features) {
        Map<String, int[]> byLevel = new LinkedHashMap<>(); // level → {right, total}
        int right = 0;
        float[][] scores = scores(model, features);
        for (int i = 0; i < features.size(); i++) {
            boolean ok = ClassificationScorer.argmax(scores[i]) == features.get(i).label();
            right += ok ? 1 : 0;
            int[] counts = byLevel.computeIfAbsent(features.get(i).level(), k -> new int[2]);
            counts[0] += ok ? 1 : 0;
            counts[1]++;
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("accuracy", (double) right / features.size());
        for (String level : List.of("middle", "high")) {
            int[] counts = byLevel.get(level);
            if (counts != null) {
                metrics.put("accuracy_" + level, (double) counts[0] / counts[1]);
            }
        }
        return new FinetuningEvaluation(metrics, "accuracy", null);
    }

    @Override
    public String configJson(FinetuningEvaluation evaluation) {
        ObjectNode settings = JSON.createObjectNode();
        settings.put("kind", KIND);
        settings.put("task", "race");
        settings.put("max_seq_length", maxSeqLength);
        settings.put("max_qa_length", maxQaLength);
        return FinetunedModels.configWithTask(model.config(), "AlbertForMultipleChoice", "race", settings);
    }

    @Override
    public void close() {
        model.close();
    }
}
