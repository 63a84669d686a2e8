package io.albert4j.ops;

import io.albert4j.tensor.Tensor;

// PLACEHOLDER: owned by the cpu-ops helper.
final class EmbeddingOp {
    private EmbeddingOp() {
    }

    static Tensor apply(Tensor ids, Tensor table, int paddingIdx) {
        throw new UnsupportedOperationException("embedding: not implemented yet");
    }
}
