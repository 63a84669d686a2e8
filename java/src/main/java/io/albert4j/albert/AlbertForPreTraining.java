package io.albert4j.albert;

import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.io.CheckpointReader;
import io.albert4j.nn.ForwardContext;
import io.albert4j.ops.Step;
import io.albert4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.Map;

/**
 * ALBERT with both pretraining heads (HF {@code AlbertForPreTraining}): masked-LM over every position, with the
 * decoder tied to the word embeddings, and sentence-order prediction on the pooled output.
 *
 * <pre>{@code
 * try (var model = AlbertForPreTraining.create(AlbertConfig.preset("base"), 42)) {
 *     var out = model.predict(inputIds, attentionMask, tokenTypeIds);   // Java arrays in, Java arrays out
 *     float logit = out.predictionLogits().get(0, 3, 17);
 * }
 * }</pre>
 *
 * Training: {@code enableGradients()}, {@code train()}, then inside a {@link Step} call
 * {@link #forward(AlbertInputs, long)} and {@code step.backward(out.loss())}; gradients accumulate in
 * {@link #gradients()} (one buffer per parameter, shared layers summed over all their uses).
 */
public final class AlbertForPreTraining extends AlbertPreTrainedModel {
    private final AlbertModel albert;
    private final AlbertMLMHead predictions;
    private final AlbertSOPHead sopClassifier;

    private AlbertForPreTraining(AlbertConfig config) {
        super(config);
        albert = child("albert", new AlbertModel(config, true));
        predictions = child("predictions", new AlbertMLMHead(config));
        sopClassifier = child("sop_classifier", new AlbertSOPHead(config));
    }

    /** Names and shapes only, no memory. */
    public static AlbertForPreTraining shapesOnly(AlbertConfig config) {
        return new AlbertForPreTraining(config);
    }

    /** A freshly initialised model on the CPU backend (seeded, reproducible). */
    public static AlbertForPreTraining create(AlbertConfig config, long seed) {
        return create(config, Backends.cpu(), seed);
    }

    public static AlbertForPreTraining create(AlbertConfig config, Backend backend, long seed) {
        return createModel(AlbertForPreTraining::new, config, backend, seed);
    }

    /** A model holding the given HF-named tensors (see {@link #loadParameters}). */
    public static AlbertForPreTraining fromParameters(AlbertConfig config, Backend backend, Map<String, Tensor> values) {
        return modelFromParameters(AlbertForPreTraining::new, config, backend, values);
    }

    /** Loads a HuggingFace model directory (config.json + model.safetensors) onto the CPU backend. */
    public static AlbertForPreTraining load(Path dir) {
        return load(dir, Backends.cpu());
    }

    /**
     * Loads a HuggingFace model directory onto {@code backend}. As HF: a pooler, MLM or SOP head the checkpoint
     * lacks (e.g. one saved from AlbertForMaskedLM) is initialised, and tensors of other heads are ignored; both are
     * logged and in {@link #loadReport()}.
     */
    public static AlbertForPreTraining load(Path dir, Backend backend) {
        return loadModel(AlbertForPreTraining::new, dir, backend, true);
    }

    /** As {@link #load(Path, Backend)} from any checkpoint (e.g. a converted TF one), with its config. */
    public static AlbertForPreTraining load(CheckpointReader checkpoint, AlbertConfig config,
                                            Backend backend) {
        return loadModel(AlbertForPreTraining::new, checkpoint, config, backend, true, checkpoint.path());
    }


    /** The base model (its parameters are this model's {@code albert.*}). */
    public AlbertModel albert() {
        return albert;
    }

    /** Training API: runs in the caller's {@link Step}; dropout follows {@link #isTraining()}. */
    public AlbertForPreTrainingOutput forward(AlbertInputs inputs, long dropoutSeed) {
        return forward(inputs, context(inputs, isTraining(), dropoutSeed));
    }

    /**
     * As {@link #forward(AlbertInputs, long)}, but the MLM head runs only at {@code inputs.maskedPositions()}, as
     * GR's {@code run_pretraining.py} does ({@code gather_indexes} on {@code masked_lm_positions}): the head's
     * V-wide product and softmax cost M rows instead of B·S (M ≈ 15% of them), and its targets are
     * {@code inputs.maskedLabels()}. The loss and every gradient are those of {@code forward} with the same targets
     * as dense labels; {@code predictionLogits} is {@code [M, V]}, one row per masked position in their order.
     * The last layer, too, runs only where the heads read (the masked positions and each row's first token; every
     * position stays a key and value), so {@code lastHiddenState} is {@code [M, H]} at the masked positions.
     * The positions come with the inputs ({@link AlbertInputs#withMaskedPositions}), nothing is read back.
     */
    public AlbertForPreTrainingOutput forwardAtMaskedPositions(AlbertInputs inputs, long dropoutSeed) {
        if (inputs.maskedPositions() == null) {
            throw new IllegalArgumentException(inputs.labels() == null
                    ? "forwardAtMaskedPositions: inputs carry no MLM labels"
                    : "forwardAtMaskedPositions: inputs carry dense MLM labels but no masked positions (GR's "
                            + "masked_lm_positions); add them with AlbertInputs.withMaskedPositions");
        }
        ForwardContext context = context(inputs, isTraining(), dropoutSeed);
        if (inputs.maskedPositions().numel() == 0) {
            return forward(inputs, context, null, inputs.labels());  // nothing to gather, no MLM targets
        }
        return forward(inputs, context, inputs.maskedPositions(), inputs.maskedLabels());
    }

    private AlbertForPreTrainingOutput forward(AlbertInputs inputs, ForwardContext context) {
        return forward(inputs, context, null, inputs.labels());
    }

    /** {@code positions}: flat indices into B·S whose hidden rows the MLM head sees, or null for all of them. */
    private AlbertForPreTrainingOutput forward(AlbertInputs inputs, ForwardContext context, Tensor positions,
                                               Tensor mlmLabels) {
        AlbertModelOutput base = positions == null ? albert.forward(inputs, context)
                : albert.forwardAtPositions(inputs, context, positions);
        Tensor hidden = base.lastHiddenState();
        Tensor predictionLogits = predictions.forward(hidden, wordEmbeddings().tensor());
        Tensor sopLogits = sopClassifier.forward(base.poolerOutput(), context);
        Tensor mlmLoss = mlmLabels == null ? null : Losses.crossEntropy(predictionLogits, mlmLabels);
        Tensor sopLoss = inputs.sentenceOrderLabel() == null ? null
                : Losses.crossEntropy(sopLogits, inputs.sentenceOrderLabel());
        return new AlbertForPreTrainingOutput(Losses.sum(mlmLoss, sopLoss), mlmLoss, sopLoss, predictionLogits,
                sopLogits, base.lastHiddenState(), base.poolerOutput());
    }

    /** Thread-safe inference on {@code [batch][seq]} arrays (mask and types may be null); results on the heap. */
    public Prediction predict(int[][] inputIds, int[][] attentionMask, int[][] tokenTypeIds) {
        int batch = inputIds.length;
        int seq = batch == 0 ? 0 : inputIds[0].length;
        return predict(batch, seq, AlbertInputs.flatten("input_ids", inputIds, batch, seq),
                attentionMask == null ? null : AlbertInputs.flatten("attention_mask", attentionMask, batch, seq),
                tokenTypeIds == null ? null : AlbertInputs.flatten("token_type_ids", tokenTypeIds, batch, seq));
    }

    /** As {@link #predict(int[][], int[][], int[][])} with flat row-major arrays of {@code batch·seq}. */
    public Prediction predict(int batch, int seq, int[] inputIds, int[] attentionMask, int[] tokenTypeIds) {
        return inInferenceStep(() -> {
            AlbertInputs inputs = AlbertInputs.copyOf(batch, seq, inputIds, attentionMask, tokenTypeIds);
            AlbertForPreTrainingOutput out = forward(inputs, context(inputs, false, 0L));
            return new Prediction(toHost(out.predictionLogits()), toHost(out.sopLogits()),
                    toHost(out.lastHiddenState()), toHost(out.poolerOutput()));
        });
    }

    /** Results of {@link #predict}: {@code [B, S, V]}, {@code [B, 2]}, {@code [B, S, H]}, {@code [B, H]}. */
    public record Prediction(HostArray predictionLogits, HostArray sopLogits, HostArray lastHiddenState,
                             HostArray poolerOutput) {
    }
}
