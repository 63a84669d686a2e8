package io.albert4j.train;

/**
 * GR's learning rate (optimization.py {@code create_optimizer}): polynomial decay from {@code initLr} to 0 over
 * {@code numTrainSteps} (TF {@code polynomial_decay}, cycle=False), replaced during warmup by the linear ramp
 * {@code initLr * (step - startWarmupStep) / numWarmupSteps} while {@code step - startWarmupStep < numWarmupSteps}.
 *
 * <p>One deliberate difference: for {@code step < startWarmupStep} GR's formula gives a negative rate (gradient
 * ascent); here it is 0.
 */
public record LearningRateSchedule(double initLr, long numTrainSteps, long numWarmupSteps, double power,
                                   long startWarmupStep) {

    public LearningRateSchedule {
        if (!(initLr >= 0) || numTrainSteps <= 0 || numWarmupSteps < 0 || !(power > 0) || startWarmupStep < 0) {
            throw new IllegalArgumentException("learning rate schedule: need initLr >= 0, numTrainSteps > 0, "
                    + "numWarmupSteps >= 0, power > 0, startWarmupStep >= 0; got initLr=" + initLr + ", numTrainSteps="
                    + numTrainSteps + ", numWarmupSteps=" + numWarmupSteps + ", power=" + power
                    + ", startWarmupStep=" + startWarmupStep);
        }
    }

    /** GR run_pretraining defaults: power 1 (poly_power), warmup from step 0. */
    public static LearningRateSchedule linear(double initLr, long numTrainSteps, long numWarmupSteps) {
        return new LearningRateSchedule(initLr, numTrainSteps, numWarmupSteps, 1.0, 0);
    }

    /** The learning rate used for the update at global step {@code step} (0-based, as TF's global_step). */
    public double at(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("learning rate: step must be >= 0, got " + step);
        }
        return atPosition(step);
    }

    /**
     * The rate at a fractional position on this schedule's step axis; at a whole step it is {@link #at}'s, bit for
     * bit. A {@link TrainingPlan} with a time budget walks the axis faster or slower than one position per step, so
     * that the schedule ends wherever the re-planned run does.
     */
    public double atPosition(double position) {
        if (!(position >= 0)) {
            throw new IllegalArgumentException("learning rate: position must be >= 0, got " + position);
        }
        double sinceWarmupStart = position - startWarmupStep;
        if (numWarmupSteps > 0 && sinceWarmupStart < numWarmupSteps) {
            return sinceWarmupStart <= 0 ? 0.0 : initLr * sinceWarmupStart / numWarmupSteps;
        }
        double decayPosition = Math.min(position, numTrainSteps);
        return initLr * Math.pow(1.0 - decayPosition / numTrainSteps, power);
    }
}
