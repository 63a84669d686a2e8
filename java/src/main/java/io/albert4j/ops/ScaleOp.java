package io.albert4j.ops;

import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;

/** {@code alpha·x}: a copy and an a4j_scale (cpu/elementwise.cpp); backward {@code dx += alpha·dout}. */
final class ScaleOp {
    private static final String OP = "scale";

    private ScaleOp() {
    }

    static Tensor apply(Tensor x, float alpha) {
        Step step = Step.current();
        Backend backend = step.backend();
        OpChecks.require(OP, "x", x, DType.F32, backend.device());
        if (!Float.isFinite(alpha)) {
            throw new IllegalArgumentException(OP + ": 'alpha' must be finite, got " + alpha);
        }
        Tensor out = step.allocate(DType.F32, x.shape());
        backend.copy(x, out);
        backend.scale(alpha, out);
        step.record(OP, out, (gradOut, tape) -> {
            Tensor dx = tape.gradFor(x);
            if (dx != null) {
                backend.axpy(alpha, gradOut, dx);
            }
        }, x);
        return out;
    }
}
