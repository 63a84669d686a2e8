package io.albert4j.ops;

import io.albert4j.tensor.Tensor;

// PLACEHOLDER: owned by the cpu-ops helper.
final class SoftmaxXentOp {
    private SoftmaxXentOp() {
    }

    static Tensor apply(Tensor logits, Tensor labels, int ignoreIndex) {
        throw new UnsupportedOperationException("softmax_xent: not implemented yet");
    }
}
