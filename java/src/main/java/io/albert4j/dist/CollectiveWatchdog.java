package io.albert4j.dist;

import java.io.PrintStream;
import java.time.Duration;

/**
 * Ends this rank when a collective does not return in time. A blocked downcall cannot be interrupted, and a rank
 * that hangs rather than dies (a stopped process, a partitioned machine) leaves the others inside MPI for ever:
 * Open MPI's launcher ends a job when one of its processes exits, so exiting is how a waiting rank gets the whole
 * job stopped. The exit is {@link Runtime#halt}: finalizers and MPI_Finalize would wait for the absent rank too.
 */
final class CollectiveWatchdog implements AutoCloseable {
    /** The exit status of a rank the watchdog ends (sysexits' EX_UNAVAILABLE). */
    static final int EXIT_CODE = 69;

    private final String who;
    private final long timeoutNanos;
    private final PrintStream log;
    private final Thread thread;
    private volatile String activity;
    private volatile long startedNanos;
    private volatile boolean closed;

    /** @param who names this rank in the message, e.g. "rank 1 of 2" */
    CollectiveWatchdog(String who, Duration timeout, PrintStream log) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("collective timeout must be > 0, got " + timeout);
        }
        this.who = who;
        this.timeoutNanos = timeout.toNanos();
        this.log = log;
        this.thread = new Thread(this::watch, "albert4j-collective-watchdog");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Marks the start of a collective described by {@code what}; {@link #done} marks its end. */
    void start(String what) {
        startedNanos = System.nanoTime();
        activity = what;
    }

    void done() {
        activity = null;
    }

    /** What this rank is waiting in, or null. */
    String activity() {
        return activity;
    }

    private void watch() {
        long pollMillis = Math.max(10, Math.min(500, timeoutNanos / 10_000_000));
        while (!closed) {
            try {
                Thread.sleep(pollMillis);
            } catch (InterruptedException e) {
                return;
            }
            String what = activity;
            if (what != null && System.nanoTime() - startedNanos > timeoutNanos) {
                log.printf("albert4j %s: %s has not returned after %.0f s: another rank has died or stopped "
                        + "answering; ending this rank so that the launcher stops the job%n", who, what,
                        timeoutNanos / 1e9);
                log.flush();
                Runtime.getRuntime().halt(EXIT_CODE);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
