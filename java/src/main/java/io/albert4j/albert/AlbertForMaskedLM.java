package io.albert4j.albert;

import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.nn.ForwardContext;
import io.albert4j.ops.Step;
import io.albert4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.Map;

/**
 * ALBERT with the masked-LM head only (HF {@code AlbertForMaskedLM}: no pooler, no SOP head). Keys
 * {@code albert.embeddings.*}, {@code albert.encoder.*}, {@code predictions.*}.
 */
public final class AlbertForMaskedLM extends AlbertPreTrainedModel {
    private final AlbertModel albert;
    private final AlbertMLMHead predictions;

    private AlbertForMaskedLM(AlbertConfig config) {
        super(config);
        albert = child("albert", new AlbertModel(config, false));
        predictions = child("predictions", new AlbertMLMHead(config));
    }

    public static AlbertForMaskedLM shapesOnly(AlbertConfig config) {
        return new AlbertForMaskedLM(config);
    }

    public static AlbertForMaskedLM create(AlbertConfig config, long seed) {
        return create(config, Backends.cpu(), seed);
    }

    public static AlbertForMaskedLM create(AlbertConfig config, Backend backend, long seed) {
        return createModel(AlbertForMaskedLM::new, config, backend, seed);
    }

    public static AlbertForMaskedLM fromParameters(AlbertConfig config, Backend backend, Map<String, Tensor> values) {
        return modelFromParameters(AlbertForMaskedLM::new, config, backend, values);
    }

    /** Loads a HuggingFace model directory (config.json + model.safetensors) onto the CPU backend. */
    public static AlbertForMaskedLM load(Path dir) {
        return load(dir, Backends.cpu());
    }

    /** Loads a HuggingFace model directory onto {@code backend}; tensors of other heads (e.g. a pretraining checkpoint's SOP head) are ignored, as HF does. */
    public static AlbertForMaskedLM load(Path dir, Backend backend) {
        return loadModel(AlbertForMaskedLM::new, dir, backend, true);
    }


    /** Training API inside the caller's {@link Step}: logits {@code [B, S, V]} and, with labels, the MLM loss. */
    public Output forward(AlbertInputs inputs, long dropoutSeed) {
        return forward(inputs, context(inputs, isTraining(), dropoutSeed));
    }

    private Output forward(AlbertInputs inputs, ForwardContext context) {
        AlbertModelOutput base = albert.forward(inputs, context);
        Tensor logits = predictions.forward(base.lastHiddenState(), wordEmbeddings().tensor());
        Tensor loss = inputs.labels() == null ? null : Losses.crossEntropy(logits, inputs.labels());
        return new Output(loss, logits, base.lastHiddenState());
    }

    /** Thread-safe inference: logits {@code [B, S, V]} on the heap. */
    public HostArray predict(int[][] inputIds, int[][] attentionMask, int[][] tokenTypeIds) {
        return inInferenceStep(() -> {
            AlbertInputs inputs = AlbertInputs.copyOf(inputIds, attentionMask, tokenTypeIds);
            return toHost(forward(inputs, context(inputs, false, 0L)).logits());
        });
    }

    /** HF {@code MaskedLMOutput}: loss (null without labels), logits, and the encoder output. */
    public record Output(Tensor loss, Tensor logits, Tensor lastHiddenState) {
    }
}
