package io.albert4j.ops;

import io.albert4j.tensor.Tensor;

// PLACEHOLDER: owned by the cpu-ops helper.
final class ScaleOp {
    private ScaleOp() {
    }

    static Tensor apply(Tensor x, float alpha) {
        throw new UnsupportedOperationException("scale: not implemented yet");
    }
}
