package io.albert4j.ops;

import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;

/**
 * PyTorch's {@code MSELoss()} (mean reduction): {@code Σ(input - target)² / n} → {@code [1]}, both gradients.
 * Composed of existing kernels, so every backend runs it: forward a copy, an a4j_axpy and a4j_sum_squares on the
 * saved difference d; backward {@code dinput += (2/n)·dout·d} (and {@code dtarget -= ...}) as one-column GEMMs,
 * which read the scalar {@code dout} on the device instead of bringing it to the host.
 */
final class MseLossOp {
    private static final String OP = "mse_loss";

    private MseLossOp() {
    }

    static Tensor apply(Tensor input, Tensor target) {
        Step step = Step.current();
        Backend backend = step.backend();
        OpChecks.require(OP, "input", input, DType.F32, backend.device());
        OpChecks.require(OP, "target", target, DType.F32, backend.device());
        OpChecks.requireSameShape(OP, "input", input, "target", target);
        long n = input.numel();
        if (n == 0) {
            throw new IllegalArgumentException(OP + ": 'input' " + input.describe() + " is empty");
        }
        int count = Math.toIntExact(n);
        Tensor difference = step.allocate(DType.F32, count);
        backend.copy(input.view(count), difference);
        backend.axpy(-1.0f, target.view(count), difference);
        Tensor loss = step.allocateZeroed(DType.F32, 1);
        backend.sumSquares(difference, loss);
        backend.scale(1.0f / count, loss);
        step.record(OP, loss, (gradOut, tape) -> {
            accumulate(backend, 2.0f / count, difference, gradOut, tape.gradFor(input), count);
            accumulate(backend, -2.0f / count, difference, gradOut, tape.gradFor(target), count);
        }, input, target);
        return loss;
    }

    /** {@code grad[n] += alpha·d[n]·dout[0]} as the GEMM {@code [n,1]·[1,1]} (skipped when grad is null). */
    private static void accumulate(Backend backend, float alpha, Tensor d, Tensor gradOut, Tensor grad, int n) {
        if (grad != null) {
            backend.gemm(false, false, n, 1, 1, alpha, d, 1, 0, gradOut, 1, 0, 1.0f, grad, 1, 0, 1);
        }
    }
}
