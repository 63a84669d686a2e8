package io.albert4j.ops;

import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.util.Arrays;

/**
 * The same memory seen with another shape (no copy); one dim may be -1 and is inferred. The gradient flows back
 * unchanged: {@code dx += dout} through a4j_axpy.
 */
final class ReshapeOp {
    private static final String OP = "reshape";

    private ReshapeOp() {
    }

    static Tensor apply(Tensor x, int... shape) {
        Step step = Step.current();
        Backend backend = step.backend();
        // Any dtype reshapes (I32 ids too); only F32 tensors carry gradients.
        OpChecks.require(OP, "x", x, x == null ? DType.F32 : x.dtype(), backend.device());
        int[] resolved = resolve(x, shape);
        Tensor out = x.view(resolved);
        step.record(OP, out, (gradOut, tape) -> tape.passGradient(x, gradOut), x);
        return out;
    }

    private static int[] resolve(Tensor x, int[] shape) {
        if (shape == null) {
            throw new NullPointerException(OP + ": argument 'shape' is null");
        }
        int[] resolved = shape.clone();
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < resolved.length; i++) {
            if (resolved[i] == -1 && inferred < 0) {
                inferred = i;
            } else if (resolved[i] < 0) {
                throw new IllegalArgumentException(OP + ": invalid shape " + Arrays.toString(shape)
                        + " (only one dim may be -1, others must be >= 0)");
            } else {
                known *= resolved[i];
            }
        }
        if (inferred >= 0) {
            if (known == 0 || x.numel() % known != 0) {
                throw new IllegalArgumentException(OP + ": cannot reshape " + Arrays.toString(x.shape()) + " ("
                        + x.numel() + " elements) to " + Arrays.toString(shape));
            }
            resolved[inferred] = Math.toIntExact(x.numel() / known);
            known *= resolved[inferred];
        }
        if (known != x.numel()) {
            throw new IllegalArgumentException(OP + ": cannot reshape " + Arrays.toString(x.shape()) + " ("
                    + x.numel() + " elements) to " + Arrays.toString(shape) + " (" + known + " elements)");
        }
        return resolved;
    }
}
