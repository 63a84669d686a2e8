package io.albert4j.albert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** close() refuses new calls at once, waits for running ones, frees once, and is never cut short. */
class InFlightCallsTest {
    @Test
    void closeWaitsForTheRunningCallThenReleasesOnce() throws Exception {
        InFlightCalls calls = new InFlightCalls("Thing");
        AtomicInteger releases = new AtomicInteger();
        InFlightCalls.Call running = calls.enter();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> calls.close(releases::incrementAndGet));
        assertThrows(TimeoutException.class, () -> closing.get(200, TimeUnit.MILLISECONDS),
                "close returned while a call was running");
        assertEquals(0, releases.get(), "memory freed under a running call");
        assertTrue(calls.isClosed());
        IllegalStateException refused = assertThrows(IllegalStateException.class, calls::enter);
        assertEquals("Thing is closed", refused.getMessage());
        assertEquals("Thing is closed", assertThrows(IllegalStateException.class, running::checkOpen).getMessage(),
                "a long call stops between its native calls");
        calls.requireNotClosed();  // closing, not yet closed: the running call may still read its memory
        running.close();
        closing.get(10, TimeUnit.SECONDS);
        assertEquals(1, releases.get());
        assertThrows(IllegalStateException.class, calls::requireNotClosed);
        calls.close(releases::incrementAndGet);
        running.close();  // ending a call twice changes nothing
        assertEquals(1, releases.get(), "a second close frees nothing");
        assertEquals(0, calls.running());
    }

    @Test
    void aSecondCloseReturnsOnlyWhenTheFirstHasFreed() throws Exception {
        InFlightCalls calls = new InFlightCalls("Thing");
        InFlightCalls.Call running = calls.enter();
        AtomicBoolean freed = new AtomicBoolean();
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> calls.close(() -> freed.set(true)));
        while (!calls.isClosed()) {
            Thread.onSpinWait();
        }
        CompletableFuture<Boolean> second = CompletableFuture.supplyAsync(() -> {
            calls.close(() -> { throw new AssertionError("released twice"); });
            return freed.get();
        });
        assertThrows(TimeoutException.class, () -> second.get(200, TimeUnit.MILLISECONDS));
        running.close();
        first.get(10, TimeUnit.SECONDS);
        assertTrue(second.get(10, TimeUnit.SECONDS), "the second close returned before the memory was freed");
    }

    @Test
    void anInterruptDoesNotLeaveItHalfClosed() throws Exception {
        InFlightCalls calls = new InFlightCalls("Thing");
        InFlightCalls.Call running = calls.enter();
        AtomicBoolean freed = new AtomicBoolean();
        AtomicBoolean interruptKept = new AtomicBoolean();
        Thread closer = new Thread(() -> {
            calls.close(() -> freed.set(true));
            interruptKept.set(Thread.currentThread().isInterrupted());
        });
        closer.start();
        while (!calls.isClosed()) {
            Thread.onSpinWait();
        }
        closer.interrupt();
        closer.join(200);
        assertTrue(closer.isAlive(), "an interrupt cut the wait short");
        assertFalse(freed.get());
        running.close();
        closer.join(10_000);
        assertTrue(freed.get());
        assertTrue(interruptKept.get(), "the interrupt status is restored for the caller");
    }
}
