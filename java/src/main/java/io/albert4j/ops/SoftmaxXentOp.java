package io.albert4j.ops;

import io.albert4j.autograd.Tape;
import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Mean softmax cross-entropy of {@code logits [..., C]} against I32 labels of shape {@code [...]} (usually
 * {@code [N, C]} and {@code [N]}), skipping rows labelled {@code ignoreIndex}; 0 when every row is ignored. Returns
 * {@code [1]}. Saves the per-row log-sum-exp, so no probability tensor is kept. Kernels: cpu/softmax_xent.cpp.
 */
final class SoftmaxXentOp {
    private static final String OP = "softmax_xent";
    /** An ignore index no label equals (they are all 0 in {@link #rowLogSumExp}). */
    private static final int NO_IGNORED_LABEL = -1;

    private SoftmaxXentOp() {
    }

    static Tensor apply(Tensor logits, Tensor labels, int ignoreIndex) {
        Step step = Step.current();
        Backend backend = step.backend();
        OpChecks.require(OP, "logits", logits, DType.F32, backend.device());
        OpChecks.requireRankAtLeast(OP, "logits", logits, 2);
        OpChecks.require(OP, "labels", labels, DType.I32, backend.device());
        int[] rowShape = Arrays.copyOf(logits.shape(), logits.rank() - 1);
        OpChecks.requireShape(OP, "labels", labels, "one label per row of 'logits' " + Arrays.toString(logits.shape()),
                rowShape);
        int classes = logits.dim(-1);
        if (classes == 0) {
            throw new IllegalArgumentException(OP + ": 'logits' " + Arrays.toString(logits.shape()) + " has no classes");
        }
        OpChecks.requireIdsInRange(OP, "labels", labels, classes, ignoreIndex);
        int n = OpChecks.rows(logits);
        Tensor loss = step.allocate(DType.F32, 1);
        Tensor lse = step.allocate(DType.F32, Math.max(n, 1));
        backend.softmaxXentForward(logits, labels, loss, lse, n, classes, ignoreIndex);
        step.record(OP, loss, (gradOut, tape) -> {
            Tape.GradTarget dlogits = tape.gradTarget(logits);
            if (dlogits != null) {
                backend.softmaxXentBackward(gradOut, logits, labels, lse, dlogits.buffer(), n, classes, ignoreIndex,
                        dlogits.accumulate());
            }
        }, logits);
        return loss;
    }

    /**
     * The log-sum-exp of each row of {@code logits [..., C]}, shape {@code [rows]}, without a gradient: the
     * normaliser the forward kernel saves, so that a metric needing each row's cross-entropy ({@code lse -
     * logit[label]}) does not run a softmax over the vocabulary on the host (6 ms a batch of 135 rows of 8,000 in
     * Java, as long as the demo model's forward pass). Every row gets label 0, which only the discarded loss reads.
     */
    static Tensor rowLogSumExp(Tensor logits) {
        Step step = Step.current();
        Backend backend = step.backend();
        OpChecks.require(OP, "logits", logits, DType.F32, backend.device());
        OpChecks.requireRankAtLeast(OP, "logits", logits, 2);
        int classes = logits.dim(-1);
        if (classes == 0) {
            throw new IllegalArgumentException(OP + ": 'logits' " + Arrays.toString(logits.shape()) + " has no classes");
        }
        int n = OpChecks.rows(logits);
        Tensor lse = step.allocate(DType.F32, n);
        if (n > 0) {
            Tensor loss = step.allocate(DType.F32, 1);
            backend.softmaxXentForward(logits, step.upload(new int[n], n), loss, lse, n, classes, NO_IGNORED_LABEL);
        }
        return lse;
    }
}
