package io.albert4j.train;

import io.albert4j.backend.Backend;
import io.albert4j.tensor.Tensor;
import java.util.Map;

/**
 * LAMB as GR's lamb_optimizer.py: Adam moments without bias correction, decoupled weight decay, and a per-tensor
 * trust ratio ||w|| / ||update|| (1 for parameters excluded from layer adaptation). One fused kernel call
 * ({@code a4j_lamb_update_multi}) per step for all parameters.
 */
public final class Lamb extends MomentOptimizer {
    private float lastTrustRatioMin = Float.NaN;

    public Lamb(Map<String, Tensor> parameters, OptimizerConfig config) {
        this(parameters, config, null);
    }

    /** With an explicit backend (tests; null = the parameters' device backend). */
    public Lamb(Map<String, Tensor> parameters, OptimizerConfig config, Backend backend) {
        super(parameters, config, backend);
    }

    @Override
    public String name() {
        return "lamb";
    }

    @Override
    protected void update(UpdateBatch batch, float lr, float gradScale) {
        float[] ratios = backend().lambUpdateMulti(batch.params(), batch.grads(), batch.m(), batch.v(), lr,
                config.beta1(), config.beta2(), config.eps(), batch.weightDecay(), batch.adaptLayer(), gradScale);
        for (float ratio : ratios) {
            lastTrustRatioMin = Float.isNaN(lastTrustRatioMin) ? ratio : Math.min(lastTrustRatioMin, ratio);
        }
    }

    @Override
    public void step(float lr) {
        lastTrustRatioMin = Float.NaN;
        super.step(lr);
    }

    /** The smallest trust ratio applied in the last step (NaN before the first), for logging. */
    public float lastMinTrustRatio() {
        return lastTrustRatioMin;
    }
}
