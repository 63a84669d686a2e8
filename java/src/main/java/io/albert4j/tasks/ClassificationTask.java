package io.albert4j.tasks;

import io.albert4j.albert.AlbertConfig;
import io.albert4j.albert.AlbertForSequenceClassification;
import io.albert4j.albert.AlbertInputs;
import io.albert4j.albert.AlbertPreTrainedModel;
import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.ops.Ops;
import io.albert4j.ops.Step;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import io.albert4j.tokenizer.AlbertTokenizer;
import io.albert4j.train.FinetuningEvaluation;
import io.albert4j.train.FinetuningTask;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sequence classification or regression as a {@link FinetuningTask} (GR run_classifier, HF
 * {@code AlbertForSequenceClassification}): GLUE TSVs or generic files → {@link TextExample}s → encoded features →
 * pooled output → classifier → the spec's metrics on each held-out set. Owns its model: close it.
 */
public final class ClassificationTask implements FinetuningTask, AutoCloseable {
    private final ClassificationSpec spec;
    private final AlbertForSequenceClassification model;
    private final AlbertTokenizer tokenizer;
    private final List<ClassificationFeatures.Feature> train;
    /** Each training example's window indices in {@link #train}. */
    private final List<int[]> windowsOf;
    private final List<String> evalNames = new ArrayList<>();
    private final List<List<ClassificationFeatures.Feature>> evalFeatures = new ArrayList<>();

    private ClassificationTask(ClassificationSpec spec, AlbertForSequenceClassification model,
                               AlbertTokenizer tokenizer, List<TextExample> train,
                               List<EvalSet<TextExample>> evalSets) {
        this.spec = spec;
        this.model = model;
        this.tokenizer = tokenizer;
        this.train = ClassificationFeatures.encode(train, tokenizer, spec, true);
        this.windowsOf = ClassificationFeatures.windowsOfEach(this.train);
        for (EvalSet<TextExample> set : evalSets) {
            evalNames.add(set.name());
            evalFeatures.add(ClassificationFeatures.encode(set.examples(), tokenizer, spec, true));
        }
    }

    /**
     * A fresh classifier on a pretrained encoder ({@code pretrainedDir}: config.json, model.safetensors and
     * spiece.model), on the CPU.
     */
    public static ClassificationTask forTraining(ClassificationSpec spec, Path pretrainedDir, List<TextExample> train,
                                                 List<EvalSet<TextExample>> evalSets, long seed) {
        return forTraining(spec, pretrainedDir, Backends.cpu(), train, evalSets, seed);
    }

    public static ClassificationTask forTraining(ClassificationSpec spec, Path pretrainedDir, Backend backend,
                                                 List<TextExample> train, List<EvalSet<TextExample>> evalSets,
                                                 long seed) {
        AlbertTokenizer tokenizer = TaskSupport.tokenizerOf(pretrainedDir);
        TaskSupport.checkPositions(pretrainedDir, spec.maxSeqLength());
        AlbertForSequenceClassification model = AlbertForSequenceClassification.fromPretrained(pretrainedDir, backend,
                c -> configured(c, spec), seed);
        try {
            return new ClassificationTask(spec, model, tokenizer, train, evalSets);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** num_labels, problem_type and HF's id2label / label2id from the spec. */
    static AlbertConfig configured(AlbertConfig c, ClassificationSpec spec) {
        Map<String, Object> extra = new LinkedHashMap<>(c.extra());
        extra.remove("id2label");
        extra.remove("label2id");
        if (!spec.labels().isEmpty()) {
            Map<String, Object> id2label = new LinkedHashMap<>();
            Map<String, Object> label2id = new LinkedHashMap<>();
            for (int i = 0; i < spec.labels().size(); i++) {
                id2label.put(Integer.toString(i), spec.labels().get(i));
                label2id.put(spec.labels().get(i), i);
            }
            extra.put("id2label", id2label);
            extra.put("label2id", label2id);
        }
        return c.toBuilder().numLabels(spec.numLabels()).problemType(spec.problemType()).extra(extra).build();
    }

    public ClassificationSpec spec() {
        return spec;
    }

    @Override
    public String name() {
        return spec.task();
    }

    @Override
    public AlbertPreTrainedModel model() {
        return model;
    }

    /** The model as a {@link TextClassifier} (not owning it: closing the task frees it). */
    public TextClassifier classifier() {
        return new TextClassifier(model, tokenizer, spec, false);
    }

    /** Windows, or with pooled training the examples (each its windows). */
    @Override
    public int trainingSize() {
        return spec.pooledTraining() ? windowsOf.size() : train.size();
    }

    @Override
    public long tokens(int[] samples) {
        return TaskSupport.tokens(train, spec.pooledTraining() ? windowsOf(samples) : samples);
    }

    @Override
    public Tensor loss(int[] samples, long dropoutSeed) {
        if (spec.pooledTraining()) {
            return pooledLoss(samples, dropoutSeed);
        }
        List<ClassificationFeatures.Feature> rows = features(samples);
        AlbertInputs inputs = inputsOf(rows);
        return model.forward(inputs, labelsOf(rows), dropoutSeed).loss();
    }

    /**
     * The loss of examples on the mean of each one's window logits: all their windows go through the model as one
     * batch, and a [examples, windows] averaging matrix times the logits gives the examples' logits, so every window
     * gets its share of its example's gradient.
     */
    private Tensor pooledLoss(int[] examples, long dropoutSeed) {
        int[] windows = windowsOf(examples);
        List<ClassificationFeatures.Feature> rows = features(windows);
        Tensor logits = model.forward(inputsOf(rows), dropoutSeed).logits();
        float[] average = new float[examples.length * windows.length];
        List<ClassificationFeatures.Feature> firsts = new ArrayList<>(examples.length);
        for (int e = 0, column = 0; e < examples.length; e++) {
            int[] own = windowsOf.get(examples[e]);
            for (int w = 0; w < own.length; w++, column++) {
                average[e * windows.length + column] = 1f / own.length;
            }
            firsts.add(train.get(own[0]));
        }
        Step step = Step.current();
        Tensor averaging = step.allocate(DType.F32, examples.length, windows.length);
        Backends.upload(step.backend(), average, averaging);
        return model.loss(Ops.matmul(averaging, false, logits, false), labelsOf(firsts));
    }

    /** The training windows of these examples, example by example. */
    private int[] windowsOf(int[] examples) {
        int n = 0;
        for (int e : examples) {
            n += windowsOf.get(e).length;
        }
        int[] out = new int[n];
        int at = 0;
        for (int e : examples) {
            int[] own = windowsOf.get(e);
            System.arraycopy(own, 0, out, at, own.length);
            at += own.length;
        }
        return out;
    }

    private List<ClassificationFeatures.Feature> features(int[] indices) {
        List<ClassificationFeatures.Feature> rows = new ArrayList<>(indices.length);
        for (int f : indices) {
            rows.add(train.get(f));
        }
        return rows;
    }

    private static AlbertInputs inputsOf(List<ClassificationFeatures.Feature> rows) {
        ClassificationFeatures.Padded padded = ClassificationFeatures.pad(rows);
        return AlbertInputs.copyOf(padded.ids(), padded.mask(), padded.types());
    }

    /** The rows' labels as the head's loss takes them, on the device. */
    private Tensor labelsOf(List<ClassificationFeatures.Feature> rows) {
        Step step = Step.current();
        Tensor labels;
        if (spec.problemType().equals(ClassificationSpec.SINGLE_LABEL)) {
            labels = step.upload(rows.stream().mapToInt(ClassificationFeatures.Feature::labelId).toArray(), rows.size());
        } else {
            int width = spec.numLabels();
            float[] targets = new float[rows.size() * width];
            for (int r = 0; r < rows.size(); r++) {
                System.arraycopy(rows.get(r).targets(), 0, targets, r * width, width);
            }
            labels = spec.problemType().equals(ClassificationSpec.REGRESSION) ? step.allocate(DType.F32, rows.size())
                    : step.allocate(DType.F32, rows.size(), width);
            Backends.upload(step.backend(), targets, labels);
        }
        return labels;
    }

    @Override
    public boolean canEvaluate() {
        return !evalFeatures.isEmpty();
    }

    @Override
    public FinetuningEvaluation evaluate() {
        return evaluate(classifier(), evalNames, evalFeatures);
    }

    /** The spec's metrics of {@code classifier} on each set (keys per {@link EvalSet#key}). */
    static FinetuningEvaluation evaluate(TextClassifier classifier, List<String> names,
                                         List<List<ClassificationFeatures.Feature>> sets) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (int i = 0; i < sets.size(); i++) {
            List<ClassificationFeatures.Feature> gold = ClassificationFeatures.firstOfEach(sets.get(i));
            float[][] outputs = classifier.perExample(sets.get(i), gold.size());
            int index = i;
            ClassificationScorer.score(classifier.spec(), gold, outputs)
                    .forEach((k, v) -> metrics.put(EvalSet.key(k, index, names.get(index)), v));
        }
        return new FinetuningEvaluation(metrics, classifier.spec().metrics().get(0), null);
    }

    /** Scores a loaded classifier on labelled sets, as the task scores itself during training. */
    public static FinetuningEvaluation evaluate(TextClassifier classifier, List<EvalSet<TextExample>> sets) {
        List<String> names = new ArrayList<>();
        List<List<ClassificationFeatures.Feature>> features = new ArrayList<>();
        for (EvalSet<TextExample> set : sets) {
            names.add(set.name());
            features.add(ClassificationFeatures.encode(set.examples(), classifier.tokenizer(), classifier.spec(), true));
        }
        return evaluate(classifier, names, features);
    }

    /** The share of the majority class in the first held-out set (single-label only; NaN otherwise). */
    public double majorityBaseline() {
        if (!spec.problemType().equals(ClassificationSpec.SINGLE_LABEL) || evalFeatures.isEmpty()) {
            return Double.NaN;
        }
        return ClassificationScorer.majorityShare(ClassificationFeatures.firstOfEach(evalFeatures.get(0)),
                spec.numLabels());
    }

    @Override
    public String configJson(FinetuningEvaluation evaluation) {
        return FinetunedModels.configWithTask(model.config(), "AlbertForSequenceClassification", spec.task(),
                spec.toJson());
    }

    @Override
    public void close() {
        model.close();
    }
}
