package io.albert4j.train;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A time budget on a simulated machine: a fake clock advances by each step's simulated duration, plus a held-out
 * evaluation every {@link #EVAL_EVERY} steps, as the demo runs them.
 */
class TrainingPlanTest {
    private static final double BUDGET_SECONDS = 300;
    private static final double LR = 0.005;
    private static final double EVAL_SECONDS = 0.5;
    private static final int EVAL_EVERY = 500;

    /** A 5-minute budget whose first plan is {@code firstPlan} steps with the demo's 2.5% warmup. */
    private static PretrainingOptions budget(long firstPlan) {
        return PretrainingOptions.defaults().toBuilder().learningRate(LR).numTrainSteps(firstPlan)
                .numWarmupSteps(Math.round(firstPlan * 0.025)).timeBudgetSeconds(BUDGET_SECONDS).build();
    }

    /** What a simulated run did: the rate and schedule position of every step, the time it took, its plans. */
    private record Run(List<Double> rates, List<Double> positions, double seconds, long firstPlan, long maxPlan) {
        int steps() {
            return rates.size();
        }

        /** The largest change of the rate from one step to the next after the warmup. */
        double largestDecayChange(double warmupPositions) {
            double largest = 0;
            for (int t = 0; t + 1 < steps(); t++) {
                if (positions.get(t) >= warmupPositions) {
                    largest = Math.max(largest, Math.abs(rates.get(t + 1) - rates.get(t)));
                }
            }
            return largest;
        }
    }

    /** Trains on a machine whose seconds per step at elapsed time {@code t} seconds is {@code secondsPerStep(t)}. */
    private static Run simulate(PretrainingOptions options, DoubleUnaryOperator secondsPerStep) {
        AtomicLong clock = new AtomicLong(123_456_789L);  // any origin: only differences count
        long origin = clock.get();
        TrainingPlan plan = TrainingPlan.start(options, clock::get);
        return continueRun(plan, 0, clock, origin, secondsPerStep, new ArrayList<>(), new ArrayList<>(),
                plan.plannedSteps(), Long.MAX_VALUE);
    }

    private static Run continueRun(TrainingPlan plan, long startStep, AtomicLong clock, long origin,
                                   DoubleUnaryOperator secondsPerStep, List<Double> rates, List<Double> positions,
                                   long firstPlan, long stopAt) {
        long maxPlan = plan.plannedSteps();
        for (long step = startStep; step < plan.plannedSteps() && step < stopAt; step++) {
            rates.add(plan.learningRate(step));
            positions.add(plan.position(step));
            double elapsed = (clock.get() - origin) / 1e9;
            clock.addAndGet(Math.round(secondsPerStep.applyAsDouble(elapsed) * 1e9));
            if ((step + 1) % EVAL_EVERY == 0) {
                clock.addAndGet(Math.round(EVAL_SECONDS * 1e9));
            }
            plan.stepDone(step + 1);
            maxPlan = Math.max(maxPlan, plan.plannedSteps());
        }
        return new Run(rates, positions, (clock.get() - origin) / 1e9, firstPlan, maxPlan);
    }

    /** The steps that fit the budget on this machine, counted by a run that knows its speed in advance. */
    private static long stepsThatFit(DoubleUnaryOperator secondsPerStep) {
        double t = 0;
        long steps = 0;
        while (true) {
            double next = t + secondsPerStep.applyAsDouble(t) + ((steps + 1) % EVAL_EVERY == 0 ? EVAL_SECONDS : 0);
            if (next > BUDGET_SECONDS) {
                return steps;
            }
            t = next;
            steps++;
        }
    }

    private static void assertEndsOnTimeWithTheScheduleComplete(Run run, DoubleUnaryOperator machine) {
        System.out.printf("budget %.0f s: %d steps in %.1f s (first plan %d, largest plan %d)%n", BUDGET_SECONDS,
                run.steps(), run.seconds(), run.firstPlan(), run.maxPlan());
        assertEquals(BUDGET_SECONDS, run.seconds(), 0.05 * BUDGET_SECONDS, "the run must end within 5% of the budget");
        // The plan keeps the budget's last 1% for the closing evaluation and save: 1% fewer steps than fit.
        long fit = stepsThatFit(machine);
        assertEquals(fit, run.steps(), 0.03 * fit, "steps that fit the budget on this machine");
        // The last step is the schedule's last: one step's share of the decay from its end (the schedule has the
        // first plan's length), so its rate is about LR / steps, as a fixed plan's last rate is.
        double lastPosition = run.positions().getLast();
        long scheduleLength = run.firstPlan();
        double positionsPerStep = (double) scheduleLength / run.steps();
        assertTrue(lastPosition >= scheduleLength - 2 * positionsPerStep && lastPosition < scheduleLength,
                "last step at schedule position " + lastPosition + " of " + scheduleLength);
        assertTrue(run.rates().getLast() > 0 && run.rates().getLast() < 2.0 * LR / run.steps(),
                "last rate " + run.rates().getLast());
        // Re-plans change the slope of the decay, never its value: the rate moves by at most a few decay steps.
        double warmup = scheduleLength * 0.025;
        assertTrue(run.largestDecayChange(warmup) < 3.0 * LR / run.steps(),
                "the rate jumped by " + run.largestDecayChange(warmup) + " in one step");
    }

    @Test
    void aMachineThatSlowsDownMidRunGetsFewerStepsAndStillEndsOnTimeWithTheWholeSchedule() {
        // First plan from the speed before the slowdown: 30 steps/s for 300 s. From 150 s on it halves, so about
        // 4,500 + 2,250 steps fit, fewer for the evaluations.
        DoubleUnaryOperator machine = t -> t < 150 ? 1.0 / 30 : 1.0 / 15;
        Run run = simulate(budget(9_000), machine);
        assertEndsOnTimeWithTheScheduleComplete(run, machine);
        assertTrue(run.steps() < 9_000 * 0.8, run.steps() + " steps");
    }

    @Test
    void aMachineThatGetsFasterExtendsThePlan() {
        // The first plan was measured while the machine was loaded (15 steps/s); from 100 s on it runs at 30.
        DoubleUnaryOperator machine = t -> t < 100 ? 1.0 / 15 : 1.0 / 30;
        Run run = simulate(budget(4_500), machine);
        assertEndsOnTimeWithTheScheduleComplete(run, machine);
        assertTrue(run.steps() > 4_500 * 1.4, run.steps() + " steps");
    }

    @Test
    void aLoadedSpellInTheMiddleShortensTheRunWithoutStoppingIt() {
        // A package install takes two thirds of the machine from 60 s to 120 s.
        DoubleUnaryOperator machine = t -> t >= 60 && t < 120 ? 3.0 / 30 : 1.0 / 30;
        Run run = simulate(budget(9_000), machine);
        assertEndsOnTimeWithTheScheduleComplete(run, machine);
    }

    @Test
    void aStallJustBeforeTheEndStillEndsTheDecay() {
        // The first step after 290 s takes 10 s (swapping, say): the budget is spent with 2% of the schedule left.
        AtomicBoolean stalled = new AtomicBoolean();
        DoubleUnaryOperator machine = t -> t >= 290 && !stalled.getAndSet(true) ? 10.0 : 1.0 / 30;
        Run run = simulate(budget(9_000), machine);
        assertTrue(stalled.get());
        System.out.printf("a stall at 290 s: %d steps in %.1f s%n", run.steps(), run.seconds());
        assertEquals(BUDGET_SECONDS, run.seconds(), 0.05 * BUDGET_SECONDS);
        double lastRate = run.rates().getLast();
        assertTrue(lastRate > 0 && lastRate < 0.01 * LR, "last rate " + lastRate);
        assertTrue(run.largestDecayChange(run.firstPlan() * 0.025) < 0.01 * LR,
                "the decay ends over steps, not at once: " + run.largestDecayChange(run.firstPlan() * 0.025));
    }

    @Test
    void aWildFirstGuessIsCorrectedWithinTheFirstFewReplans() {
        // 10,000 steps planned, 600 fit: the plan follows the measured speed from the 8th step on.
        DoubleUnaryOperator machine = t -> 0.5;
        Run run = simulate(budget(10_000), machine);
        assertEndsOnTimeWithTheScheduleComplete(run, machine);
    }

    @Test
    void aResumedRunContinuesTheScheduleAndSpendsWhatIsLeftOfTheBudget() {
        PretrainingOptions options = budget(9_000);
        DoubleUnaryOperator machine = t -> t < 150 ? 1.0 / 30 : 1.0 / 15;
        AtomicLong clock = new AtomicLong(0);
        TrainingPlan plan = TrainingPlan.start(options, clock::get);
        List<Double> rates = new ArrayList<>();
        List<Double> positions = new ArrayList<>();
        continueRun(plan, 0, clock, 0, machine, rates, positions, 9_000, 5_000);
        var saved = plan.toJson();
        double rateAtResume = plan.learningRate(5_000);

        // A fresh process: another clock origin; the checkpoint's used time carries the budget over.
        AtomicLong newClock = new AtomicLong(987_654_321_000L);
        TrainingPlan resumed = TrainingPlan.resume(options, newClock::get, 5_000, saved);
        assertEquals(rateAtResume, resumed.learningRate(5_000));
        assertEquals(plan.plannedSteps(), resumed.plannedSteps());
        long origin = newClock.get() - Math.round(saved.get("used_seconds").asDouble() * 1e9);
        Run run = continueRun(resumed, 5_000, newClock, origin, machine, rates, positions, 9_000, Long.MAX_VALUE);
        assertEndsOnTimeWithTheScheduleComplete(run, machine);
        assertEquals(run.seconds(), resumed.elapsed().toNanos() / 1e9, 1e-6);
    }

    @Test
    void withoutABudgetThePlanIsFixedAndTheRateIsTheSchedules() {
        PretrainingOptions options = budget(1_000).toBuilder().timeBudgetSeconds(0).build();
        AtomicLong clock = new AtomicLong(0);
        TrainingPlan plan = TrainingPlan.start(options, clock::get);
        LearningRateSchedule schedule = options.schedule();
        for (long step = 0; step < 1_000; step++) {
            assertEquals(schedule.at(step), plan.learningRate(step), "step " + step);
            clock.addAndGet(1_000_000_000L);  // far slower than any budget: a fixed plan does not care
            plan.stepDone(step + 1);
            assertEquals(1_000, plan.plannedSteps());
        }
        assertTrue(plan.budget().isEmpty());
    }

    @Test
    void aBudgetedPlanBeforeItsFirstReplanIsTheFirstPlansSchedule() {
        PretrainingOptions options = budget(1_000);
        TrainingPlan plan = TrainingPlan.start(options, () -> 0L);
        for (long step = 0; step < 1_000; step++) {
            assertEquals(options.schedule().at(step), plan.learningRate(step), 1e-15, "step " + step);
        }
    }

    @Test
    void aSavedPlanThatDoesNotFitTheStepIsRefused() {
        PretrainingOptions options = budget(1_000);
        TrainingPlan plan = TrainingPlan.start(options, () -> 0L);
        var saved = plan.toJson();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingPlan.resume(options, () -> 0L, 2_000, saved));
        assertTrue(e.getMessage().contains("does not fit step 2000"), e.getMessage());
    }
}
