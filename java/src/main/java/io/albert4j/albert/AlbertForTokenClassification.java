package io.albert4j.albert;

import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.nn.ForwardContext;
import io.albert4j.nn.Linear;
import io.albert4j.ops.Step;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * ALBERT for token classification, e.g. NER (HF {@code AlbertForTokenClassification}): sequence output → dropout
 * ({@code classifier_dropout_prob}, or {@code hidden_dropout_prob} when that is null) → {@code classifier}
 * Linear(H, num_labels) → logits {@code [B, S, num_labels]}; no pooler. Keys {@code albert.embeddings.*},
 * {@code albert.encoder.*}, {@code classifier.weight/bias}. Loss as current HF: mean cross-entropy over tokens
 * whose I32 label {@code [B, S]} is not -100 (label padding and continuation pieces with -100; the attention
 * mask is not consulted).
 *
 * <pre>{@code
 * try (var model = AlbertForTokenClassification.fromPretrained(Path.of("albert-base-v2"), 9, 42L);
 *      var arena = new StepArena(model.backend(), 64 << 20)) {
 *     model.enableGradients();
 *     model.train();
 *     try (Step step = Step.training(model.backend(), arena)) {
 *         AlbertInputs inputs = AlbertInputs.copyOf(ids, mask, null);
 *         Tensor labels = step.allocate(DType.I32, ids.length, ids[0].length);
 *         labels.copyFrom(tagOfEachToken);                    // flat [batch·seq], -100 = no label
 *         step.backward(model.forward(inputs, labels, stepNumber).loss());
 *     }
 *     model.eval();
 *     HostArray tagLogits = model.predict(ids, mask, null);   // [batch, seq, 9]
 * }
 * }</pre>
 */
public final class AlbertForTokenClassification extends AlbertPreTrainedModel {
    private static final String HEAD = "AlbertForTokenClassification";
    private final AlbertModel albert;
    private final Linear classifier;

    private AlbertForTokenClassification(AlbertConfig config) {
        super(config);
        albert = child("albert", new AlbertModel(config, false));
        classifier = child("classifier", new Linear(config.hiddenSize(), config.numLabels()));
    }

    public static AlbertForTokenClassification shapesOnly(AlbertConfig config) {
        return new AlbertForTokenClassification(config);
    }

    public static AlbertForTokenClassification create(AlbertConfig config, long seed) {
        return create(config, Backends.cpu(), seed);
    }

    public static AlbertForTokenClassification create(AlbertConfig config, Backend backend, long seed) {
        return createModel(AlbertForTokenClassification::new, config, backend, seed);
    }

    public static AlbertForTokenClassification fromParameters(AlbertConfig config, Backend backend,
                                                              Map<String, Tensor> values) {
        return modelFromParameters(AlbertForTokenClassification::new, config, backend, values);
    }

    /** Loads a fine-tuned HF directory of this head onto the CPU backend. */
    public static AlbertForTokenClassification load(Path dir) {
        return load(dir, Backends.cpu());
    }

    public static AlbertForTokenClassification load(Path dir, Backend backend) {
        return FineTuningHeads.load(dir, backend, AlbertForTokenClassification::new, HEAD);
    }

    /** Starts fine-tuning from a base or pretraining checkpoint with a fresh {@code numLabels}-way classifier. */
    public static AlbertForTokenClassification fromPretrained(Path dir, int numLabels, long seed) {
        return fromPretrained(dir, Backends.cpu(), c -> c.toBuilder().numLabels(numLabels).build(), seed);
    }

    public static AlbertForTokenClassification fromPretrained(Path dir, Backend backend,
                                                              UnaryOperator<AlbertConfig> configure, long seed) {
        return FineTuningHeads.fromPretrained(dir, backend, configure, seed, AlbertForTokenClassification::new);
    }


    public AlbertModel albert() {
        return albert;
    }

    /** Logits only; runs in the caller's {@link Step}. */
    public Output forward(AlbertInputs inputs, long dropoutSeed) {
        return forward(inputs, null, dropoutSeed);
    }

    /** Training API inside the caller's {@link Step}: logits {@code [B, S, num_labels]} and, with labels, the loss. */
    public Output forward(AlbertInputs inputs, Tensor labels, long dropoutSeed) {
        return forward(inputs, labels, context(inputs, isTraining(), dropoutSeed));
    }

    private Output forward(AlbertInputs inputs, Tensor labels, ForwardContext context) {
        if (labels != null) {
            FineTuningHeads.requireLabels(HEAD, "labels", labels, DType.I32, Step.current().backend(),
                    "one class id per token, like input_ids", inputs.batchSize(), inputs.sequenceLength());
            FineTuningHeads.requireClasses(HEAD, "labels", Backends.hostInts(labels), config.numLabels(),
                    "num_labels");
        }
        Tensor hidden = albert.forward(inputs, context).lastHiddenState();
        Tensor logits = classifier.forward(context.dropout(hidden, config.effectiveClassifierDropoutProb()));
        return new Output(labels == null ? null : Losses.crossEntropy(logits, labels), logits);
    }

    /** Thread-safe inference on {@code [batch][seq]} arrays (mask and types may be null): {@code [B, S, num_labels]}. */
    public HostArray predict(int[][] inputIds, int[][] attentionMask, int[][] tokenTypeIds) {
        return inInferenceStep(() -> {
            AlbertInputs inputs = AlbertInputs.copyOf(inputIds, attentionMask, tokenTypeIds);
            return toHost(forward(inputs, null, context(inputs, false, 0L)).logits());
        });
    }

    /** HF {@code TokenClassifierOutput}: loss (null without labels) and logits {@code [B, S, num_labels]}. */
    public record Output(Tensor loss, Tensor logits) {
    }
}
