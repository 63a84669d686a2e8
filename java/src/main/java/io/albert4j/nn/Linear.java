package io.albert4j.nn;

import io.albert4j.backend.Activation;
import io.albert4j.ops.Ops;
import io.albert4j.tensor.Tensor;

/** PyTorch's {@code nn.Linear}: {@code weight [out, in]} (normal init), {@code bias [out]} (zeros). */
public final class Linear extends Module {
    private final Parameter weight;
    private final Parameter bias;

    public Linear(int in, int out) {
        weight = parameter("weight", Init.NORMAL, out, in);
        bias = parameter("bias", Init.ZEROS, out);
    }

    public Tensor forward(Tensor x) {
        return Ops.linear(x, weight.tensor(), bias.tensor());
    }

    /** {@code act(x·Wᵀ + b)} with bias and activation fused. */
    public Tensor forward(Tensor x, Activation activation) {
        return Ops.linear(x, weight.tensor(), bias.tensor(), activation);
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }
}
