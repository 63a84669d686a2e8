package io.albert4j.ops;

import io.albert4j.tensor.Tensor;

/**
 * Every differentiable op of the engine, in one facade. Each runs on the current {@link Step}'s backend, allocates
 * its output from the step's arena, checks its arguments before any native call, and records its backward on the
 * step's tape when an input needs a gradient. The op's code is in {@code <Name>Op}; its kernels are
 * {@code a4j_<name>_forward/backward} in {@code cpu/<name>.cpp} and {@code cuda/<name>.cu}.
 */
public final class Ops {
    private Ops() {
    }

    /** Element-wise tanh. */
    public static Tensor tanh(Tensor x) {
        return TanhOp.apply(x);
    }
}
