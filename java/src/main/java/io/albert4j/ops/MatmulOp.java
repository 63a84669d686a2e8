package io.albert4j.ops;

import io.albert4j.tensor.Tensor;

// PLACEHOLDER until the gemm work lands: owned by the gemm helper.
final class MatmulOp {
    private MatmulOp() {
    }

    static Tensor apply(Tensor a, boolean transA, Tensor b, boolean transB) {
        throw new UnsupportedOperationException("matmul: not implemented yet");
    }
}
