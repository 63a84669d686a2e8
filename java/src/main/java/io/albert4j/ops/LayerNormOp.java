package io.albert4j.ops;

import io.albert4j.autograd.Tape;
import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.util.Arrays;

/**
 * {@code LayerNorm(x + residual)} over the last dim, residual optional (post-LN blocks fuse their residual add here).
 * Saves the sum (the normalised input), mean and rstd for the backward; x and the residual receive the same
 * gradient. Kernels: a4j_layer_norm_forward/backward in cpu/layer_norm.cpp.
 */
final class LayerNormOp {
    private static final String OP = "layer_norm";

    private LayerNormOp() {
    }

    static Tensor apply(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float eps) {
        Step step = Step.current();
        Backend backend = step.backend();
        OpChecks.require(OP, "x", x, DType.F32, backend.device());
        OpChecks.requireRankAtLeast(OP, "x", x, 1);
        if (residual != null) {
            OpChecks.require(OP, "residual", residual, DType.F32, backend.device());
            OpChecks.requireSameShape(OP, "x", x, "residual", residual);
        }
        int cols = x.dim(-1);
        String because = "last dim of 'x' " + Arrays.toString(x.shape());
        OpChecks.require(OP, "gamma", gamma, DType.F32, backend.device());
        OpChecks.requireShape(OP, "gamma", gamma, because, cols);
        OpChecks.require(OP, "beta", beta, DType.F32, backend.device());
        OpChecks.requireShape(OP, "beta", beta, because, cols);
        if (!(eps >= 0.0f) || !Float.isFinite(eps)) {
            throw new IllegalArgumentException(OP + ": 'eps' must be finite and >= 0, got " + eps);
        }
        int rows = OpChecks.rows(x);
        Tensor out = step.allocate(DType.F32, x.shape());
        // The sum is kept only for a backward: without one the kernel forms each row's sum in a row of scratch, and
        // inference writes (and later evicts) one activation-sized buffer less per LayerNorm.
        boolean recording = step.recording(x, residual, gamma, beta);
        Tensor sum = residual == null || !recording ? null : step.allocate(DType.F32, x.shape());
        Tensor mean = step.allocate(DType.F32, rows);
        Tensor rstd = step.allocate(DType.F32, rows);
        backend.layerNormForward(x, residual, gamma, beta, out, sum, mean, rstd, rows, cols, eps);
        Tensor input = residual == null ? x : sum;  // read only by the backward, which exists only when recording
        step.record(OP, out, (gradOut, tape) -> {
            Tape.GradTarget dx = tape.gradTarget(x);
            Tape.GradTarget dres = tape.gradTarget(residual);
            Tensor dgamma = tape.gradFor(gamma);
            Tensor dbeta = tape.gradFor(beta);
            if (dx == null && dres == null && dgamma == null && dbeta == null) {
                return;
            }
            if (dx == null || dres == null) {
                Tape.GradTarget only = dx != null ? dx : dres;
                backend.layerNormBackward(gradOut, input, mean, rstd, gamma, only == null ? null : only.buffer(),
                        dgamma, dbeta, rows, cols, only != null && only.accumulate());
                return;
            }
            // Both summands get dL/dinput. The kernel writes it into a fresh one of their buffers (no zeroing), and
            // the other gets a copy or a sum; when neither is fresh it goes through a scratch buffer.
            Tape.GradTarget first = !dx.accumulate() ? dx : dres;
            Tape.GradTarget second = first == dx ? dres : dx;
            Tensor dinput = first.accumulate() ? step.allocate(DType.F32, x.shape()) : first.buffer();
            backend.layerNormBackward(gradOut, input, mean, rstd, gamma, dinput, dgamma, dbeta, rows, cols, false);
            if (first.accumulate()) {
                backend.axpy(1.0f, dinput, first.buffer());
            }
            if (second.accumulate()) {
                backend.axpy(1.0f, dinput, second.buffer());
            } else {
                backend.copy(dinput, second.buffer());
            }
        }, x, residual, gamma, beta);
        return out;
    }
}
