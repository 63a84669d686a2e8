package io.albert4j.albert;

import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.nn.ForwardContext;
import io.albert4j.nn.Linear;
import io.albert4j.ops.Ops;
import io.albert4j.ops.Step;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * ALBERT for sequence classification or regression (HF {@code AlbertForSequenceClassification}): pooled output →
 * dropout ({@link AlbertConfig#effectiveClassifierDropoutProb()}) → {@code classifier} Linear(H, num_labels).
 * Keys {@code albert.*} (with pooler) and {@code classifier.weight/bias}. The loss follows {@code problem_type}, or
 * HF's inference when it is null: num_labels = 1 → {@code regression} (MSE, F32 labels {@code [B]} or
 * {@code [B, 1]}); I32 labels {@code [B]} → {@code single_label_classification} (cross-entropy, -100 skips a row);
 * F32 labels {@code [B, num_labels]} in [0, 1] → {@code multi_label_classification} (BCE with logits).
 *
 * <pre>{@code
 * try (var model = AlbertForSequenceClassification.fromPretrained(Path.of("albert-base-v2"), 3, 42L);
 *      var arena = new StepArena(model.backend(), 64 << 20)) {
 *     model.enableGradients();
 *     model.train();
 *     try (Step step = Step.training(model.backend(), arena)) {
 *         AlbertInputs inputs = AlbertInputs.copyOf(ids, mask, types);          // int[batch][seq]
 *         Tensor labels = step.allocate(DType.I32, ids.length);
 *         labels.copyFrom(classOfEachRow);                                       // int[batch]
 *         var out = model.forward(inputs, labels, stepNumber);                   // dropout seed
 *         step.backward(out.loss());
 *     }
 *     // ... optimizer update on model.namedParameters() / model.gradients(), then model.zeroGradients()
 *     model.eval();
 *     HostArray logits = model.predict(ids, mask, types);                         // [batch, 3]
 *     model.save(Path.of("my-classifier"), null);                                 // HF directory
 * }
 * }</pre>
 */
public final class AlbertForSequenceClassification extends AlbertPreTrainedModel {
    private static final String HEAD = "AlbertForSequenceClassification";
    private final AlbertModel albert;
    private final Linear classifier;

    private AlbertForSequenceClassification(AlbertConfig config) {
        super(config);
        albert = child("albert", new AlbertModel(config, true));
        classifier = child("classifier", new Linear(config.hiddenSize(), config.numLabels()));
    }

    /** Names and shapes only, no memory. */
    public static AlbertForSequenceClassification shapesOnly(AlbertConfig config) {
        return new AlbertForSequenceClassification(config);
    }

    /** A freshly initialised model on the CPU backend (seeded, reproducible). */
    public static AlbertForSequenceClassification create(AlbertConfig config, long seed) {
        return create(config, Backends.cpu(), seed);
    }

    public static AlbertForSequenceClassification create(AlbertConfig config, Backend backend, long seed) {
        return createModel(AlbertForSequenceClassification::new, config, backend, seed);
    }

    /** A model holding the given HF-named tensors (see {@link #loadParameters}). */
    public static AlbertForSequenceClassification fromParameters(AlbertConfig config, Backend backend,
                                                                 Map<String, Tensor> values) {
        return modelFromParameters(AlbertForSequenceClassification::new, config, backend, values);
    }

    /** Loads a fine-tuned HF directory of this head (config.json + model.safetensors) onto the CPU backend. */
    public static AlbertForSequenceClassification load(Path dir) {
        return load(dir, Backends.cpu());
    }

    public static AlbertForSequenceClassification load(Path dir, Backend backend) {
        return FineTuningHeads.load(dir, backend, AlbertForSequenceClassification::new, HEAD);
    }

    /** Starts fine-tuning from a base or pretraining checkpoint with a fresh {@code numLabels}-way classifier. */
    public static AlbertForSequenceClassification fromPretrained(Path dir, int numLabels, long seed) {
        return fromPretrained(dir, Backends.cpu(), c -> c.toBuilder().numLabels(numLabels).build(), seed);
    }

    /** As {@link #fromPretrained(Path, int, long)}; {@code configure} edits the checkpoint's config first. */
    public static AlbertForSequenceClassification fromPretrained(Path dir, Backend backend,
                                                                 UnaryOperator<AlbertConfig> configure, long seed) {
        return FineTuningHeads.fromPretrained(dir, backend, configure, seed, AlbertForSequenceClassification::new);
    }


    /** The base model (its parameters are this model's {@code albert.*}). */
    public AlbertModel albert() {
        return albert;
    }

    /** Logits only; runs in the caller's {@link Step}. */
    public Output forward(AlbertInputs inputs, long dropoutSeed) {
        return forward(inputs, null, dropoutSeed);
    }

    /** Training API inside the caller's {@link Step}: logits {@code [B, num_labels]} and, with labels, the loss. */
    public Output forward(AlbertInputs inputs, Tensor labels, long dropoutSeed) {
        String problem = labels == null ? null : problemType(labels);
        if (labels != null) {
            checkLabels(problem, labels, inputs.batchSize());
        }
        ForwardContext context = context(inputs, isTraining(), dropoutSeed);
        AlbertModelOutput base = albert.forward(inputs, context);
        Tensor pooled = context.dropout(base.poolerOutput(), config.effectiveClassifierDropoutProb());
        Tensor logits = classifier.forward(pooled);
        return new Output(labels == null ? null : loss(problem, logits, labels), logits);
    }

    /**
     * The head's loss (per {@code problem_type}) of logits {@code [B, num_labels]} computed by the caller from this
     * model's outputs, e.g. an example's windows averaged, against labels of B rows.
     */
    public Tensor loss(Tensor logits, Tensor labels) {
        if (logits.rank() != 2 || logits.dim(1) != config.numLabels()) {
            throw new IllegalArgumentException(HEAD + ": logits " + java.util.Arrays.toString(logits.shape())
                    + " are not [batch, num_labels = " + config.numLabels() + "]");
        }
        String problem = problemType(labels);
        checkLabels(problem, labels, logits.dim(0));
        return loss(problem, logits, labels);
    }

    /** {@code problem_type}, or HF's inference from num_labels and the labels' dtype. */
    private String problemType(Tensor labels) {
        if (config.problemType() != null) {
            return config.problemType();
        }
        if (config.numLabels() == 1) {
            return "regression";
        }
        return labels.dtype() == DType.I32 ? "single_label_classification" : "multi_label_classification";
    }

    private void checkLabels(String problem, Tensor labels, int batch) {
        Backend backend = Step.current().backend();
        int classes = config.numLabels();
        switch (problem) {
            case "regression" -> {
                int[] shape = classes == 1 && labels.rank() == 1 ? new int[] {batch} : new int[] {batch, classes};
                FineTuningHeads.requireLabels(HEAD, "labels", labels, DType.F32, backend,
                        "regression targets, one per logit; num_labels = " + classes, shape);
            }
            case "single_label_classification" -> {
                FineTuningHeads.requireLabels(HEAD, "labels", labels, DType.I32, backend,
                        "one class id per row", batch);
                FineTuningHeads.requireClasses(HEAD, "labels", Backends.hostInts(labels), classes,
                        "num_labels");
            }
            default -> {
                FineTuningHeads.requireLabels(HEAD, "labels", labels, DType.F32, backend,
                        "multi-label targets, one 0/1 per class; num_labels = " + classes, batch, classes);
                float[] values = Backends.hostFloats(labels);
                for (int i = 0; i < values.length; i++) {
                    if (!(values[i] >= 0f && values[i] <= 1f)) {
                        throw new IllegalArgumentException(HEAD + ": multi-label 'labels'[" + i / classes + ", "
                                + i % classes + "] = " + values[i] + " is outside [0, 1]");
                    }
                }
            }
        }
    }

    private Tensor loss(String problem, Tensor logits, Tensor labels) {
        return switch (problem) {
            case "regression" -> Ops.mseLoss(Ops.reshape(logits, -1), labels.view(Math.toIntExact(labels.numel())));
            case "single_label_classification" -> Losses.crossEntropy(logits, labels);
            default -> Ops.bceWithLogits(logits, labels);
        };
    }

    /** Thread-safe inference on {@code [batch][seq]} arrays (mask and types may be null): logits {@code [B, num_labels]}. */
    public HostArray predict(int[][] inputIds, int[][] attentionMask, int[][] tokenTypeIds) {
        return inInferenceStep(() -> {
            AlbertInputs inputs = AlbertInputs.copyOf(inputIds, attentionMask, tokenTypeIds);
            ForwardContext context = context(inputs, false, 0L);
            return toHost(classifier.forward(albert.forward(inputs, context).poolerOutput()));
        });
    }

    /** HF {@code SequenceClassifierOutput}: loss (null without labels) and logits {@code [B, num_labels]}. */
    public record Output(Tensor loss, Tensor logits) {
    }
}
