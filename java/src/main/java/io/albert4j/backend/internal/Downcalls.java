package io.albert4j.backend.internal;

/** Shared by the backends' Panama bindings. */
public final class Downcalls {
    private Downcalls() {
    }

    /**
     * {@code MethodHandle.invokeExact} declares {@code Throwable}; a downcall only ever throws unchecked exceptions,
     * which pass through unchanged (an {@link Error} is rethrown as is).
     */
    public static RuntimeException unchecked(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
