package io.albert4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * How many steps a run takes and the learning rate of each. Without a time budget this is the fixed plan: {@code
 * numTrainSteps} steps on {@link PretrainingOptions#schedule()}, step for step. With one ({@link
 * PretrainingOptions#timeBudgetSeconds()}), {@code numTrainSteps} is only the first plan: every 200 steps or 2% of
 * the budget, whichever comes first (more often at the start and near the end), the plan re-estimates the total from
 * the wall time per step over a recent window (evaluations and checkpoints included, since they come out of the same
 * budget), so that the run ends when the budget does, on a fast, a slow or a loaded machine alike.
 *
 * <p>The schedule is walked by position rather than by step: step {@code t} trains at {@link
 * LearningRateSchedule#atPosition} of
 * <pre>  position(t) = p_a + (N - p_a) (t - a) / (T - a)</pre>
 * where {@code N} is the schedule's length, {@code T} the planned total and {@code (a, p_a)} the step and position
 * of the last re-plan. A re-plan keeps the position it is at and spreads the rest of the schedule evenly over the
 * steps now left, so the rate never jumps (only its slope changes) and the last planned step is the schedule's
 * last, whatever {@code T} turned out to be. The warmup stays the fraction of the schedule it was of the first plan.
 *
 * <p>The clock is a {@link LongSupplier} of nanoseconds ({@code System::nanoTime}), so tests can run a plan on a
 * simulated machine. A budgeted plan reads it when it is made, once per finished step, and for {@link #elapsed} and
 * {@link #toJson}.
 */
public final class TrainingPlan {
    /** Re-plans are at most this many steps apart; closer at the start (8, 16, 32, ... steps in) and near the end. */
    private static final long MAX_REPLAN_INTERVAL = 200;
    /**
     * Re-plans are also at most this fraction of the budget apart: when 8 steps are a good part of the budget (a
     * large model on a CPU), waiting for them would spend it in the first plan's warmup.
     */
    private static final double MAX_REPLAN_FRACTION = 0.02;
    /** The first re-plan, in steps: fewer are too few to time while the JIT is still compiling the step. */
    private static final long FIRST_REPLAN = 8;
    /**
     * The speed is measured over the last tenth of the budget (at least one re-plan interval): long enough to
     * average over a few evaluations and checkpoints, short enough to follow a machine that slows down or recovers.
     * It is timed from the end of the first step: start-up (the data loader's threads and first batches, the first
     * compilations) comes out of the budget, but would make the first estimates several times too slow.
     */
    private static final double WINDOW_FRACTION = 0.1;
    /**
     * The steps are planned to end this fraction of the budget before it does: the closing evaluation, checkpoint
     * and model save come out of the rest. A run that gets there with schedule left (a last evaluation took longer
     * than the average had it) ends its decay over the steps that fit in that fraction again, rather than stopping
     * at whatever rate it had reached.
     */
    private static final double CLOSING_FRACTION = 0.01;

    private final LearningRateSchedule schedule;
    private final long budgetNanos;
    private final LongSupplier nanoTime;
    private final long clockStart;
    private final long usedBeforeNanos;
    private final long startStep;
    private final List<Sample> samples = new ArrayList<>();
    private long plannedSteps;
    private long anchorStep;
    private double anchorPosition;
    private long nextReplan;
    private long lastReplanNanos;
    private boolean closing;

    private record Sample(long step, long elapsedNanos) {
    }

    private TrainingPlan(PretrainingOptions options, LongSupplier nanoTime, long startStep, long plannedSteps,
                         long anchorStep, double anchorPosition, long usedBeforeNanos) {
        this.schedule = options.schedule();
        this.budgetNanos = Math.round(options.timeBudgetSeconds() * 1e9);
        this.nanoTime = nanoTime;
        this.clockStart = nanoTime.getAsLong();
        this.usedBeforeNanos = usedBeforeNanos;
        this.startStep = startStep;
        this.plannedSteps = plannedSteps;
        this.anchorStep = anchorStep;
        this.anchorPosition = anchorPosition;
        lastReplanNanos = usedBeforeNanos;
        scheduleNextReplan(startStep);
    }

    /** The plan of a run from step 0; the budget's clock starts now. */
    public static TrainingPlan start(PretrainingOptions options, LongSupplier nanoTime) {
        return new TrainingPlan(options, nanoTime, 0, options.numTrainSteps(), 0, 0.0, 0);
    }

    /**
     * The plan of a run resumed at {@code step} from a checkpoint's {@link #toJson()} (a null or missing node: a
     * checkpoint written before plans were saved, which followed the first plan). A fixed plan continues exactly;
     * a budgeted one keeps its planned total and schedule position and spends what the checkpoint had left of the
     * budget, re-planned from the speed measured after resuming.
     */
    public static TrainingPlan resume(PretrainingOptions options, LongSupplier nanoTime, long step, JsonNode saved) {
        if (options.timeBudgetSeconds() == 0 || saved == null || !saved.isObject()) {
            return new TrainingPlan(options, nanoTime, step, options.numTrainSteps(), 0, 0.0, 0);
        }
        long planned = saved.path("planned_steps").asLong(-1);
        long anchor = saved.path("anchor_step").asLong(-1);
        double position = saved.path("anchor_position").asDouble(-1);
        double usedSeconds = saved.path("used_seconds").asDouble(-1);
        if (planned < step || anchor < 0 || anchor > step || position < 0 || position > options.numTrainSteps()
                || usedSeconds < 0) {
            throw new IllegalArgumentException("trainer state: plan " + saved + " does not fit step " + step
                    + " of a " + options.numTrainSteps() + "-step schedule");
        }
        return new TrainingPlan(options, nanoTime, step, planned, anchor, position, Math.round(usedSeconds * 1e9));
    }

    public boolean hasBudget() {
        return budgetNanos > 0;
    }

    /** The time budget, or empty for a fixed plan. */
    public Optional<Duration> budget() {
        return hasBudget() ? Optional.of(Duration.ofNanos(budgetNanos)) : Optional.empty();
    }

    /** The steps the run takes as now planned (for a fixed plan, always {@code numTrainSteps}). */
    public long plannedSteps() {
        return plannedSteps;
    }

    /** Wall time the run has used: since this plan was made, plus what a resumed run's checkpoint had used. */
    public Duration elapsed() {
        return Duration.ofNanos(elapsedNanos());
    }

    /** The learning rate of the update at (0-based) step {@code step}. */
    public double learningRate(long step) {
        return hasBudget() ? schedule.atPosition(position(step)) : schedule.at(step);
    }

    /** Where step {@code step} is on the schedule's step axis (the step itself for a fixed plan). */
    public double position(long step) {
        if (!hasBudget()) {
            return step;
        }
        long n = schedule.numTrainSteps();
        if (step >= plannedSteps) {
            return n;
        }
        return anchorPosition + (n - anchorPosition) * (step - anchorStep) / (plannedSteps - anchorStep);
    }

    /**
     * Reports that {@code done} steps are finished (everything that follows a step, evaluation and checkpoint
     * included, counts towards the next). With a budget, re-plans when one is due: {@link #plannedSteps()} may then
     * be larger or smaller, but always leaves at least one more step, for the end of the schedule. A plan that has
     * reached its last step is not extended (that step was the schedule's end), nor is the closing one.
     */
    public void stepDone(long done) {
        if (!hasBudget() || closing || done >= plannedSteps) {
            return;
        }
        long now = elapsedNanos();
        if (samples.isEmpty()) {
            samples.add(new Sample(done, now));  // the first step: where the speed is timed from
            lastReplanNanos = now;
            return;
        }
        if (done < nextReplan && now - lastReplanNanos < budgetNanos * MAX_REPLAN_FRACTION) {
            return;
        }
        lastReplanNanos = now;
        samples.add(new Sample(done, now));
        // Keep the newest sample at least a window old and everything after it.
        long windowNanos = (long) (budgetNanos * WINDOW_FRACTION);
        while (samples.size() > 2 && samples.get(1).elapsedNanos() <= now - windowNanos) {
            samples.remove(0);
        }
        Sample oldest = samples.get(0);
        double nanosPerStep = (double) (now - oldest.elapsedNanos()) / (done - oldest.step());
        if (nanosPerStep > 0 && Double.isFinite(nanosPerStep)) {
            double remainingNanos = budgetNanos * (1 - CLOSING_FRACTION) - now;
            if (remainingNanos <= 0) {
                closing = true;  // the last plan: the run ends with it
                remainingNanos = budgetNanos * CLOSING_FRACTION;
            }
            // Capped so that a clock that barely moved cannot overflow the step count.
            replan(done, done + Math.max(1, Math.round(Math.min(remainingNanos / nanosPerStep, 1e12))));
        }
        scheduleNextReplan(done);
    }

    private void replan(long step, long total) {
        anchorPosition = position(step);
        anchorStep = step;
        plannedSteps = total;
    }

    private void scheduleNextReplan(long done) {
        long early = Math.max(FIRST_REPLAN, done - startStep);
        long beforeTheEnd = (plannedSteps - done) / 2;
        nextReplan = done + Math.max(1, Math.min(MAX_REPLAN_INTERVAL, Math.min(early, beforeTheEnd)));
    }

    private long elapsedNanos() {
        return usedBeforeNanos + (nanoTime.getAsLong() - clockStart);
    }

    /** The plan as saved in a checkpoint's trainer state, for {@link #resume}. */
    public ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("planned_steps", plannedSteps);
        if (hasBudget()) {
            node.put("budget_seconds", budgetNanos / 1e9);
            node.put("used_seconds", elapsedNanos() / 1e9);
            node.put("anchor_step", anchorStep);
            node.put("anchor_position", anchorPosition);
        }
        return node;
    }
}
