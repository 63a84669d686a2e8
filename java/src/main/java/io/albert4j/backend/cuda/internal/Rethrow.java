package io.albert4j.backend.cuda.internal;

/** invokeExact declares Throwable; bindings only throw unchecked exceptions, which pass through unchanged. */
final class Rethrow {
    private Rethrow() {
    }

    static RuntimeException unchecked(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
