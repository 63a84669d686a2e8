package io.albert4j.ops;

import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;

/** tanh (ALBERT's pooler activation). Kernels: a4j_tanh_forward/backward in cpu/elementwise.cpp. */
final class TanhOp {
    private TanhOp() {
    }

    static Tensor apply(Tensor x) {
        Step step = Step.current();
        Backend backend = step.backend();
        OpChecks.require("tanh", "x", x, DType.F32, backend.device());
        Tensor out = step.allocate(DType.F32, x.shape());
        backend.tanhForward(x, out);
        step.record("tanh", out, (gradOut, tape) -> {
            Tensor dx = tape.gradFor(x);
            if (dx != null) {
                backend.tanhBackward(gradOut, out, dx);
            }
        }, x);
        return out;
    }
}
