package io.albert4j.ops;

import io.albert4j.autograd.Tape;
import io.albert4j.backend.Activation;
import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.util.Objects;

/**
 * {@code act(x + bias)} over the last dim in one pass. Kernels: a4j_bias_gelu_forward/backward in cpu/gelu.cpp; the
 * backward recomputes the activation's derivative from x, so nothing beyond x is kept.
 */
final class BiasGeluOp {
    private static final String OP = "bias_gelu";

    private BiasGeluOp() {
    }

    static Tensor apply(Tensor x, Tensor bias, Activation activation) {
        Step step = Step.current();
        Backend backend = step.backend();
        Objects.requireNonNull(activation, OP + ": argument 'activation' is null");
        OpChecks.require(OP, "x", x, DType.F32, backend.device());
        OpChecks.requireRankAtLeast(OP, "x", x, 1);
        int cols = x.dim(-1);
        long rows = OpChecks.rows(x);
        if (bias != null) {
            OpChecks.require(OP, "bias", bias, DType.F32, backend.device());
            OpChecks.requireShape(OP, "bias", bias, "last dim of 'x' " + java.util.Arrays.toString(x.shape()), cols);
        }
        Tensor out = step.allocate(DType.F32, x.shape());
        backend.biasGeluForward(x, bias, out, rows, cols, activation);
        step.record(OP, out, (gradOut, tape) -> {
            Tape.GradTarget dx = tape.gradTarget(x);
            Tensor dbias = tape.gradFor(bias);
            if (dx != null || dbias != null) {
                backend.biasGeluBackward(gradOut, x, bias, dx == null ? null : dx.buffer(), dbias, rows, cols,
                        activation, dx != null && dx.accumulate());
            }
        }, x, bias);
        return out;
    }
}
