package io.albert4j.train;

import io.albert4j.backend.Backend;
import io.albert4j.tensor.Tensor;
import java.util.Map;

/**
 * GR's AdamWeightDecayOptimizer (fine-tuning default): Adam moments without bias correction plus decoupled weight
 * decay, no trust ratio. One fused kernel call ({@code a4j_adamw_update}) per parameter.
 */
public final class AdamW extends MomentOptimizer {

    public AdamW(Map<String, Tensor> parameters, OptimizerConfig config) {
        this(parameters, config, null);
    }

    /** With an explicit backend (tests; null = the parameters' device backend). */
    public AdamW(Map<String, Tensor> parameters, OptimizerConfig config, Backend backend) {
        super(parameters, config, backend);
    }

    @Override
    public String name() {
        return "adamw";
    }

    @Override
    protected void update(UpdateBatch batch, float lr, float gradScale) {
        backend().adamwUpdateMulti(batch.params(), batch.grads(), batch.m(), batch.v(), lr, config.beta1(),
                config.beta2(), config.eps(), batch.weightDecay(), gradScale);
    }
}
