package io.albert4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressDisplayTest {
    @Test
    void withoutATerminalLogsPeriodicLinesWithEta() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong clock = new AtomicLong(0);
        try (ProgressDisplay display = new ProgressDisplay("pretrain", 1000, 100, false,
                new PrintStream(bytes, true, StandardCharsets.UTF_8), Duration.ofSeconds(10), clock::get)) {
            for (long step = 101; step <= 1000; step++) {
                clock.addAndGet(Duration.ofMillis(500).toNanos());  // 2 steps per second
                display.update(step, 3.25, 0.5, Double.NaN, 1.76e-3, 16384);
            }
        }
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        // First update, then every 10 s (20 steps) of the 450 s run, then the final step.
        assertEquals(1 + 899 / 20 + 1, lines.size(), String.join("\n", lines.subList(0, 3)));
        assertEquals("step 101/1000 (10.1%) loss 3.2500 mlm_acc 0.5000 sop_acc - lr 1.760e-03 tok/s 16384 "
                + "eta 0:07:29", lines.get(0));
        assertEquals("step 1000/1000 (100.0%) loss 3.2500 mlm_acc 0.5000 sop_acc - lr 1.760e-03 tok/s 16384 eta 0:00:00",
                lines.get(lines.size() - 1));
    }

    @Test
    void aReplannedTotalShowsInTheNextLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong clock = new AtomicLong(0);
        try (ProgressDisplay display = new ProgressDisplay("pretrain", 1000, 0, false,
                new PrintStream(bytes, true, StandardCharsets.UTF_8), Duration.ofSeconds(10), clock::get)) {
            display.update(100, 3.25, 0.5, 0.5, 1e-3, 16384);
            display.setTotalSteps(800);  // the machine slowed down: 800 steps fit the time budget
            clock.addAndGet(Duration.ofSeconds(10).toNanos());
            display.update(200, 3.25, 0.5, 0.5, 1e-3, 16384);
            assertThrows(IllegalArgumentException.class, () -> display.setTotalSteps(0));
        }
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(2, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).startsWith("step 100/1000 (10.0%)"), lines.get(0));
        // 600 steps left at the pace since the start, 200 steps in 10 s: 30 s.
        assertTrue(lines.get(1).startsWith("step 200/800 (25.0%)") && lines.get(1).endsWith("eta 0:00:30"),
                lines.get(1));
    }

    @Test
    void etaFormattingAndArguments() {
        assertEquals("?", ProgressDisplay.formatEta(null));
        assertEquals("27:46:40", ProgressDisplay.formatEta(Duration.ofSeconds(100_000)));
        assertThrows(IllegalArgumentException.class, () -> new ProgressDisplay("x", 10, 11, false, System.out,
                Duration.ZERO, System::nanoTime));
    }
}
