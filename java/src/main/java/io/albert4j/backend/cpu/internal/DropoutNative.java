package io.albert4j.backend.cpu.internal;

import io.albert4j.backend.internal.Downcalls;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static io.albert4j.backend.cpu.internal.CpuLibrary.check;
import static io.albert4j.backend.cpu.internal.CpuLibrary.downcall;
import static io.albert4j.backend.cpu.internal.CpuLibrary.status;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Bindings of cpu/dropout.cpp. */
public final class DropoutNative {
    private static final MethodHandle FORWARD = downcall("a4j_dropout_forward",
            status(ADDRESS, ADDRESS, JAVA_LONG, JAVA_FLOAT, JAVA_LONG, JAVA_LONG, ADDRESS));
    private static final MethodHandle BACKWARD = downcall("a4j_dropout_backward",
            status(ADDRESS, ADDRESS, JAVA_LONG, JAVA_FLOAT, JAVA_LONG, JAVA_LONG, ADDRESS));

    private DropoutNative() {
    }

    public static void forward(MemorySegment x, MemorySegment out, long n, float p, long seed, long offset) {
        try {
            check("a4j_dropout_forward", (int) FORWARD.invokeExact(x, out, n, p, seed, offset, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void backward(MemorySegment dout, MemorySegment dx, long n, float p, long seed, long offset) {
        try {
            check("a4j_dropout_backward", (int) BACKWARD.invokeExact(dout, dx, n, p, seed, offset, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }
}
