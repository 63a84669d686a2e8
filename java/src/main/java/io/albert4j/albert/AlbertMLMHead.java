package io.albert4j.albert;

import io.albert4j.backend.Activation;
import io.albert4j.nn.Init;
import io.albert4j.nn.LayerNorm;
import io.albert4j.nn.Linear;
import io.albert4j.nn.Module;
import io.albert4j.nn.Parameter;
import io.albert4j.ops.Ops;
import io.albert4j.tensor.Tensor;
import java.util.Map;

/**
 * HF {@code AlbertMLMHead}: {@code LayerNorm(act(dense(h)))} (H→E), then logits against the tied word embedding
 * table plus an own bias: {@code t·word_embᵀ + bias}. Keys: {@code bias}, {@code LayerNorm.*}, {@code dense.*}
 * (the decoder weight and bias are aliases, not parameters of their own).
 */
final class AlbertMLMHead extends Module {
    /** The decoder's HF keys, which name the word embedding table and {@code predictions.bias}. */
    static final Map<String, String> TIED_ALIASES = Map.of(
            "predictions.decoder.weight", "albert.embeddings.word_embeddings.weight",
            "predictions.decoder.bias", "predictions.bias");

    private final Parameter bias;
    private final LayerNorm layerNorm;
    private final Linear dense;
    private final Activation activation;

    AlbertMLMHead(AlbertConfig config) {
        bias = parameter("bias", Init.ZEROS, config.vocabSize());
        layerNorm = child("LayerNorm", new LayerNorm(config.embeddingSize(), config.mlmLayerNormEps()));
        dense = child("dense", new Linear(config.hiddenSize(), config.embeddingSize()));
        activation = config.activation();
    }

    /** hidden {@code [B, S, H]} → logits {@code [B, S, V]}. */
    Tensor forward(Tensor hidden, Tensor wordEmbeddings) {
        Tensor transformed = layerNorm.forward(dense.forward(hidden, activation), null);
        return Ops.linear(transformed, wordEmbeddings, bias.tensor());
    }
}
