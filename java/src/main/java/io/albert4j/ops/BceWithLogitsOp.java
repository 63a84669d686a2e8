package io.albert4j.ops;

import io.albert4j.backend.Backends;
import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;

/**
 * PyTorch's {@code BCEWithLogitsLoss()} (mean reduction, no weights): {@code mean(softplus(x) - x·y)} for logits x
 * and targets y in [0, 1] (soft targets allowed) → {@code [1]}; the gradient {@code (σ(x) - y)/n} goes to x only.
 *
 * <p>Composed of existing kernels, so every backend runs it and the numerics are the softmax cross-entropy's: the
 * logits become two-class rows {@code [x, 0]} (one GEMM with the constant {@code [1, 0]}), whose log-sum-exp is
 * the stable {@code softplus(x)}; a4j_softmax_xent against class 1 gives {@code mean(softplus(x))}, and a
 * one-row GEMM subtracts {@code x·y/n}. Backward: the cross-entropy backward gives {@code σ(x)/n} in column 0,
 * folded back into x by a GEMM, and a GEMM subtracts {@code y/n}; {@code dout} stays on the device throughout.
 */
final class BceWithLogitsOp {
    private static final String OP = "bce_with_logits";

    private BceWithLogitsOp() {
    }

    static Tensor apply(Tensor logits, Tensor targets) {
        Step step = Step.current();
        Backend backend = step.backend();
        OpChecks.require(OP, "logits", logits, DType.F32, backend.device());
        OpChecks.require(OP, "targets", targets, DType.F32, backend.device());
        OpChecks.requireSameShape(OP, "logits", logits, "targets", targets);
        if (targets.requiresGrad()) {
            throw new IllegalArgumentException(OP + ": 'targets' must not require a gradient (only the logits get one)");
        }
        long numel = logits.numel();
        if (numel == 0) {
            throw new IllegalArgumentException(OP + ": 'logits' " + logits.describe() + " is empty");
        }
        int n = Math.toIntExact(numel);
        Tensor x = logits.view(n);
        Tensor y = targets.view(n);
        Tensor firstColumn = constant(step, new float[] {1f, 0f}, 1, 2);
        Tensor classOne = step.allocate(DType.I32, n);
        fillInts(step, classOne, 1, n);
        // pairs[n, 2] = x[n, 1] · [1, 0]
        Tensor pairs = step.allocate(DType.F32, n, 2);
        backend.gemm(false, false, n, 2, 1, 1.0f, x, 1, 0, firstColumn, 2, 0, 0.0f, pairs, 2, 0, 1);
        Tensor loss = step.allocate(DType.F32, 1);
        Tensor lse = step.allocate(DType.F32, n);
        backend.softmaxXentForward(pairs, classOne, loss, lse, n, 2, -1);
        // loss[1, 1] += (-1/n) · x[1, n] · y[n, 1]
        backend.gemm(false, false, 1, 1, n, -1.0f / n, x, n, 0, y, 1, 0, 1.0f, loss, 1, 0, 1);
        step.record(OP, loss, (gradOut, tape) -> {
            Tensor dx = tape.gradFor(logits);
            if (dx == null) {
                return;
            }
            Tensor dflat = dx.view(n);
            Tensor dpairs = step.allocateZeroed(DType.F32, n, 2);
            backend.softmaxXentBackward(gradOut, pairs, classOne, lse, dpairs, n, 2, -1);
            // dx[n, 1] += dpairs[n, 2] · [1, 0]ᵀ   (column 0 = dout·σ(x)/n)
            backend.gemm(false, true, n, 1, 2, 1.0f, dpairs, 2, 0, firstColumn, 2, 0, 1.0f, dflat, 1, 0, 1);
            // dx[n, 1] += (-1/n) · y[n, 1] · dout[1, 1]
            backend.gemm(false, false, n, 1, 1, -1.0f / n, y, 1, 0, gradOut, 1, 0, 1.0f, dflat, 1, 0, 1);
        }, logits);
        return loss;
    }

    private static Tensor constant(Step step, float[] values, int... shape) {
        Tensor t = step.allocate(DType.F32, shape);
        Backends.upload(step.backend(), values, t);
        return t;
    }

    private static void fillInts(Step step, Tensor t, int value, int n) {
        int[] values = new int[n];
        java.util.Arrays.fill(values, value);
        Backends.upload(step.backend(), values, t);
    }
}
