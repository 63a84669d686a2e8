package io.albert4j.ops;

import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;

/**
 * {@code scale·Σx} → {@code [1]} (scale 1 for sum, 1/n for mean). Kernels: a4j_sum_forward (double accumulation)
 * and a4j_sum_backward ({@code dx += dout·scale}) in cpu/reduce.cpp.
 */
final class SumOp {
    private static final String OP = "sum";

    private SumOp() {
    }

    static Tensor apply(Tensor x, float scale) {
        Step step = Step.current();
        Backend backend = step.backend();
        OpChecks.require(OP, "x", x, DType.F32, backend.device());
        if (!Float.isFinite(scale)) {
            throw new IllegalArgumentException(OP + ": 'scale' must be finite, got " + scale);
        }
        Tensor out = step.allocate(DType.F32, 1);
        backend.sumForward(x, out);
        if (scale != 1.0f) {
            backend.scale(scale, out);
        }
        step.record(OP, out, (gradOut, tape) -> {
            Tensor dx = tape.gradFor(x);
            if (dx != null) {
                backend.sumBackward(gradOut, dx, scale);
            }
        }, x);
        return out;
    }
}
