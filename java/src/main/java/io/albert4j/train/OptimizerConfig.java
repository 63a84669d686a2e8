package io.albert4j.train;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Hyperparameters shared by LAMB and AdamW. Defaults are GR's (optimization.py): beta1 0.9, beta2 0.999, eps 1e-6,
 * weight decay 0.01, gradients clipped to global norm 1.0, and ["LayerNorm", "layer_norm", "bias"] excluded from
 * weight decay and from LAMB's layer adaptation (regular-expression search in the parameter name).
 *
 * @param skipNonFiniteSteps when the global gradient norm is NaN/Inf: true skips the step (nothing changes),
 *                           false throws {@link NonFiniteGradientException}
 */
public record OptimizerConfig(float beta1, float beta2, float eps, float weightDecay, float clipNorm,
                              List<String> excludeFromWeightDecay, List<String> excludeFromLayerAdaptation,
                              boolean skipNonFiniteSteps) {

    public static final List<String> GR_EXCLUSIONS = List.of("LayerNorm", "layer_norm", "bias");

    public OptimizerConfig {
        excludeFromWeightDecay = List.copyOf(excludeFromWeightDecay);
        excludeFromLayerAdaptation = List.copyOf(excludeFromLayerAdaptation);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0) || !(weightDecay >= 0)
                || !(clipNorm > 0)) {
            throw new IllegalArgumentException("optimizer: need 0 <= beta < 1, eps > 0, weightDecay >= 0, "
                    + "clipNorm > 0; got " + this);
        }
        excludeFromWeightDecay.forEach(Pattern::compile);
        excludeFromLayerAdaptation.forEach(Pattern::compile);
    }

    public static OptimizerConfig defaults() {
        return new OptimizerConfig(0.9f, 0.999f, 1e-6f, 0.01f, 1.0f, GR_EXCLUSIONS, GR_EXCLUSIONS, false);
    }

    public OptimizerConfig withWeightDecay(float rate) {
        return new OptimizerConfig(beta1, beta2, eps, rate, clipNorm, excludeFromWeightDecay,
                excludeFromLayerAdaptation, skipNonFiniteSteps);
    }

    public OptimizerConfig withSkipNonFiniteSteps(boolean skip) {
        return new OptimizerConfig(beta1, beta2, eps, weightDecay, clipNorm, excludeFromWeightDecay,
                excludeFromLayerAdaptation, skip);
    }

    static boolean matchesAny(List<String> patterns, String name) {
        for (String p : patterns) {
            if (Pattern.compile(p).matcher(name).find()) {
                return true;
            }
        }
        return false;
    }
}
