package io.albert4j.ops;

import io.albert4j.backend.Activation;
import io.albert4j.tensor.Tensor;

// PLACEHOLDER until the gemm work lands: owned by the gemm helper.
final class LinearOp {
    private LinearOp() {
    }

    static Tensor apply(Tensor x, Tensor weight, Tensor bias, Activation activation) {
        throw new UnsupportedOperationException("linear: not implemented yet");
    }
}
