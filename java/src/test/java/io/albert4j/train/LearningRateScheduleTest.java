package io.albert4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {
    private static final double TOLERANCE = 1e-15;

    @Test
    void albertPretrainingScheduleAtChosenSteps() {
        // GR pretraining: lr 0.00176, 125,000 steps, 3,125 warmup, power 1.
        LearningRateSchedule s = LearningRateSchedule.linear(0.00176, 125_000, 3_125);
        assertEquals(0.0, s.at(0), TOLERANCE);
        assertEquals(0.00176 * 1 / 3125, s.at(1), TOLERANCE);
        assertEquals(0.00176 * 1562 / 3125, s.at(1562), TOLERANCE);
        assertEquals(0.00176 * 3124 / 3125, s.at(3124), TOLERANCE);
        // First step after warmup: decay value 0.00176 * (1 - 3125/125000) = 0.00176 * 0.975.
        assertEquals(0.001716, s.at(3125), 1e-15);
        assertEquals(0.00088, s.at(62_500), TOLERANCE);
        assertEquals(0.00176 / 125_000, s.at(124_999), 1e-18);
        assertEquals(0.0, s.at(125_000), TOLERANCE);
        assertEquals(0.0, s.at(200_000), TOLERANCE, "past the end the rate stays at end_learning_rate 0");
    }

    @Test
    void polynomialPowerAndDelayedWarmup() {
        // power 2, warmup 10 starting at step 100, 1000 steps.
        LearningRateSchedule s = new LearningRateSchedule(1.0, 1000, 10, 2.0, 100);
        assertEquals(0.0, s.at(50), TOLERANCE, "before the warmup start the rate is 0, not GR's negative value");
        assertEquals(0.0, s.at(100), TOLERANCE);
        assertEquals(0.3, s.at(103), TOLERANCE);
        // step 110: warmup over; decay uses the raw global step: (1 - 110/1000)^2 = 0.7921.
        assertEquals(0.7921, s.at(110), 1e-15);
        assertEquals(0.25, s.at(500), TOLERANCE);
    }

    @Test
    void noWarmupIsPureDecay() {
        LearningRateSchedule s = LearningRateSchedule.linear(3e-5, 10_000, 0);
        assertEquals(3e-5, s.at(0), TOLERANCE);
        assertEquals(3e-5 * 0.75, s.at(2500), 1e-18);
    }

    @Test
    void atAPositionIsTheStepsRateAtWholeStepsAndLinearBetweenThem() {
        LearningRateSchedule s = LearningRateSchedule.linear(0.00176, 125_000, 3_125);
        for (long step : new long[] {0, 1, 1562, 3124, 3125, 62_500, 124_999, 125_000, 200_000}) {
            assertEquals(s.at(step), s.atPosition(step), 0.0, "step " + step);
        }
        assertEquals((s.at(1562) + s.at(1563)) / 2, s.atPosition(1562.5), TOLERANCE);
        assertEquals((s.at(62_500) + s.at(62_501)) / 2, s.atPosition(62_500.5), TOLERANCE);
        assertThrows(IllegalArgumentException.class, () -> s.atPosition(Double.NaN));
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.linear(1e-3, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(1e-3, 10, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.linear(1e-3, 10, 1).at(-1));
    }
}
