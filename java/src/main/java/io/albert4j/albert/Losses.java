package io.albert4j.albert;

import io.albert4j.ops.Ops;
import io.albert4j.tensor.Tensor;

/** The pretraining losses, as HF computes them (CrossEntropyLoss, mean over non-ignored targets). */
final class Losses {
    private Losses() {
    }

    /** Mean CE of logits {@code [..., C]} against labels of the leading shape, skipping -100. */
    static Tensor crossEntropy(Tensor logits, Tensor labels) {
        int classes = logits.dim(-1);
        int rows = Math.toIntExact(logits.numel() / classes);
        Tensor flatLogits = logits.rank() == 2 ? logits : Ops.reshape(logits, rows, classes);
        Tensor flatLabels = labels.rank() == 1 ? labels : labels.view(rows); // labels need no gradient
        return Ops.softmaxCrossEntropy(flatLogits, flatLabels, AlbertInputs.IGNORE_INDEX);
    }

    /** a + b where either may be null (absent loss term). */
    static Tensor sum(Tensor a, Tensor b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : Ops.add(a, b);
    }
}
