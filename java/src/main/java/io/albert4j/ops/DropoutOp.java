package io.albert4j.ops;

import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;

/**
 * Inverted dropout: element i is kept iff {@code a4j_uniform(seed, offset + i) >= p} and scaled by {@code 1/(1-p)}.
 * The offset is a counter range reserved from the step, so two dropouts of one step never share random bits, and
 * the backward regenerates the mask instead of storing it. Kernels: cpu/dropout.cpp.
 */
final class DropoutOp {
    private static final String OP = "dropout";

    private DropoutOp() {
    }

    static Tensor apply(Tensor x, float p, long seed) {
        Step step = Step.current();
        Backend backend = step.backend();
        OpChecks.require(OP, "x", x, DType.F32, backend.device());
        if (!(p >= 0.0f && p < 1.0f)) {
            throw new IllegalArgumentException(OP + ": 'p' must be in [0, 1), got " + p);
        }
        if (p == 0.0f) {
            return x;
        }
        long offset = step.reserveRandom(x.numel());
        Tensor out = step.allocate(DType.F32, x.shape());
        backend.dropoutForward(x, out, p, seed, offset);
        step.record(OP, out, (gradOut, tape) -> {
            Tensor dx = tape.gradFor(x);
            if (dx != null) {
                backend.dropoutBackward(gradOut, dx, p, seed, offset);
            }
        }, x);
        return out;
    }
}
