package io.albert4j.nn;

import io.albert4j.ops.Ops;
import io.albert4j.tensor.Tensor;

/** LayerNorm over the last dim: {@code weight} (γ, ones), {@code bias} (β, zeros), HF names. */
public final class LayerNorm extends Module {
    private final Parameter weight;
    private final Parameter bias;
    private final float eps;

    public LayerNorm(int size, float eps) {
        weight = parameter("weight", Init.ONES, size);
        bias = parameter("bias", Init.ZEROS, size);
        this.eps = eps;
    }

    /** {@code LayerNorm(x + residual)}; residual may be null. The sum is fused into the kernel. */
    public Tensor forward(Tensor x, Tensor residual) {
        return Ops.layerNorm(x, residual, weight.tensor(), bias.tensor(), eps);
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    public float eps() {
        return eps;
    }
}
