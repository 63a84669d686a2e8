package io.albert4j.ops;

import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;

/** {@code a + b} for equal shapes: a copy and an a4j_axpy (cpu/elementwise.cpp); both gradients are the output's. */
final class AddOp {
    private static final String OP = "add";

    private AddOp() {
    }

    static Tensor apply(Tensor a, Tensor b) {
        Step step = Step.current();
        Backend backend = step.backend();
        OpChecks.require(OP, "a", a, DType.F32, backend.device());
        OpChecks.require(OP, "b", b, DType.F32, backend.device());
        OpChecks.requireSameShape(OP, "a", a, "b", b);
        Tensor out = step.allocate(DType.F32, a.shape());
        backend.copy(a, out);
        backend.axpy(1.0f, b, out);
        step.record(OP, out, (gradOut, tape) -> {
            Tensor da = tape.gradFor(a);
            if (da != null) {
                backend.axpy(1.0f, gradOut, da);
            }
            Tensor db = tape.gradFor(b);
            if (db != null) {
                backend.axpy(1.0f, gradOut, db);
            }
        }, a, b);
        return out;
    }
}
