package io.albert4j.train;

import java.util.List;

/** The global gradient norm is NaN or infinite; the step was refused and no weight or moment was changed. */
public final class NonFiniteGradientException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient List<String> parameters;

    public NonFiniteGradientException(long step, double globalNorm, List<String> parameters) {
        super("optimizer step " + step + ": global gradient norm is " + globalNorm + " (non-finite gradients in "
                + parameters + "); weights left unchanged");
        this.parameters = List.copyOf(parameters);
    }

    /** The parameters whose gradients hold NaN or Inf. */
    public List<String> parameters() {
        return parameters;
    }
}
