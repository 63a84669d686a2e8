package io.albert4j.ops;

import io.albert4j.backend.Activation;
import io.albert4j.tensor.Tensor;

// PLACEHOLDER: owned by the cpu-ops helper.
final class BiasGeluOp {
    private BiasGeluOp() {
    }

    static Tensor apply(Tensor x, Tensor bias, Activation activation) {
        throw new UnsupportedOperationException("bias_gelu: not implemented yet");
    }
}
