package io.albert4j.ops;

import io.albert4j.tensor.Tensor;

// PLACEHOLDER: owned by the cpu-ops helper.
final class DropoutOp {
    private DropoutOp() {
    }

    static Tensor apply(Tensor x, float p, long seed) {
        throw new UnsupportedOperationException("dropout: not implemented yet");
    }
}
