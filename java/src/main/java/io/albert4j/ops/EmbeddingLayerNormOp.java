package io.albert4j.ops;

import io.albert4j.tensor.Tensor;

// PLACEHOLDER: owned by the cpu-ops helper.
final class EmbeddingLayerNormOp {
    private EmbeddingLayerNormOp() {
    }

    static Tensor apply(Tensor wordIds, Tensor typeIds, Tensor wordTable, Tensor positionTable, Tensor typeTable,
                        Tensor gamma, Tensor beta, float eps, int paddingIdx) {
        throw new UnsupportedOperationException("embedding_layer_norm: not implemented yet");
    }
}
