package io.albert4j.ops;

import io.albert4j.tensor.Tensor;

// PLACEHOLDER: owned by the attention helper.
final class AttentionOp {
    private AttentionOp() {
    }

    static Tensor apply(Tensor q, Tensor k, Tensor v, Tensor maskAdd, int heads, float dropoutP, long seed) {
        throw new UnsupportedOperationException("attention: not implemented yet");
    }

    static Tensor applyPacked(Tensor qkv, Tensor maskAdd, int heads, float dropoutP, long seed) {
        throw new UnsupportedOperationException("attention: not implemented yet");
    }

    static Tensor additiveMask(Tensor attentionMask) {
        throw new UnsupportedOperationException("attention mask: not implemented yet");
    }
}
