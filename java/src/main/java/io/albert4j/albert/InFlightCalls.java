package io.albert4j.albert;

/**
 * The calls in flight on an object that frees native memory when it closes (a model, a {@code TextClassifier}),
 * so that {@code close()} is never half-done: once it starts, new calls fail at once with "X is closed"; it then
 * waits for the calls already running to return, and only then frees the memory, once. Without this, closing an
 * arena that a kernel call on another thread still holds fails ({@code "Session is acquired by 1 clients"}) and
 * leaves the object half-closed and still answering.
 *
 * <pre>{@code
 * try (InFlightCalls.Call call = calls.enter()) {   // IllegalStateException "TextClassifier is closed"
 *     ... native work ...
 * }
 * calls.close(this::freeMemory);                   // waits for the calls above, then frees once
 * }</pre>
 *
 * Long calls made of several native calls (a classifier's batches) check {@link Call#checkOpen()} between them,
 * so a close does not wait for all their batches: the call fails with the same message at its next batch.
 */
public final class InFlightCalls {
    private final String owner;
    private int running;
    private State state = State.OPEN;

    private enum State { OPEN, CLOSING, CLOSED }

    /** {@code owner} names the object in the message: {@code "AlbertForPreTraining is closed"}. */
    public InFlightCalls(String owner) {
        this.owner = owner;
    }

    /** One call in flight; closing it (try-with-resources) ends the call. */
    public final class Call implements AutoCloseable {
        private boolean ended;

        private Call() {
        }

        /** Throws if a close has begun: a call made of several native calls stops between them. */
        public void checkOpen() {
            synchronized (InFlightCalls.this) {
                if (state != State.OPEN) {
                    throw closed();
                }
            }
        }

        @Override
        public void close() {
            synchronized (InFlightCalls.this) {
                if (ended) {
                    return;
                }
                ended = true;
                running--;
                if (running == 0) {
                    InFlightCalls.this.notifyAll();
                }
            }
        }
    }

    /** Starts a call; fails with {@code "OWNER is closed"} once a close has begun. */
    public synchronized Call enter() {
        if (state != State.OPEN) {
            throw closed();
        }
        running++;
        return new Call();
    }

    /** Throws {@code "OWNER is closed"} once the close has finished (for accessors that are not calls). */
    public synchronized void requireNotClosed() {
        if (state == State.CLOSED) {
            throw closed();
        }
    }

    /** True once a close has begun. */
    public synchronized boolean isClosed() {
        return state != State.OPEN;
    }

    /**
     * Refuses new calls, waits for the running ones to end, then runs {@code release} (once over all closes: a
     * second close waits for the first to finish and returns). An interrupt does not cut the wait short (the memory
     * would stay allocated and the object half-open); the thread's interrupt status is restored afterwards.
     */
    public void close(Runnable release) {
        boolean interrupted = false;
        synchronized (this) {
            if (state == State.OPEN) {
                state = State.CLOSING;
            } else {
                while (state != State.CLOSED) {
                    interrupted |= waitUninterruptibly();
                }
                restore(interrupted);
                return;
            }
            while (running > 0) {
                interrupted |= waitUninterruptibly();
            }
        }
        try {
            release.run();
        } finally {
            synchronized (this) {
                state = State.CLOSED;
                notifyAll();
            }
            restore(interrupted);
        }
    }

    /** Running calls now (for tests and diagnostics). */
    public synchronized int running() {
        return running;
    }

    private boolean waitUninterruptibly() {
        try {
            wait();
            return false;
        } catch (InterruptedException e) {
            return true;
        }
    }

    private static void restore(boolean interrupted) {
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private IllegalStateException closed() {
        return new IllegalStateException(owner + " is closed");
    }
}
