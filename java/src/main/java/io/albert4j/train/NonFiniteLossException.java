package io.albert4j.train;

/** The loss of a training step came out NaN or infinite; the step was abandoned before any weight changed. */
public final class NonFiniteLossException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NonFiniteLossException(long step, double loss, double mlmLoss, double sopLoss) {
        super("training step " + step + ": loss is " + loss + " (MLM " + mlmLoss + ", SOP " + sopLoss
                + "); weights and optimizer state left unchanged. Lower --learning-rate or raise --warmup-steps, "
                + "or pass --skip-nonfinite-steps to skip such steps");
    }

    /** A fine-tuning step: one loss, no MLM/SOP parts. */
    public NonFiniteLossException(String task, long step, double loss) {
        super(task + ": training step " + step + ": loss is " + loss + "; weights and optimizer state left "
                + "unchanged. Lower the learning rate or raise the warmup");
    }
}
