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

/** Bindings of cpu/gelu.cpp: fused bias + activation. */
public final class GeluNative {
    private static final MethodHandle BIAS_GELU_FORWARD = downcall("a4j_bias_gelu_forward",
            status(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final MethodHandle BIAS_GELU_BACKWARD = downcall("a4j_bias_gelu_backward",
            status(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS));

    private GeluNative() {
    }

    public static void biasGeluForward(MemorySegment x, MemorySegment bias, MemorySegment out, long rows, long cols,
                                       int activation) {
        try {
            check("a4j_bias_gelu_forward", (int) BIAS_GELU_FORWARD.invokeExact(x, bias, out, rows, cols, activation, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void biasGeluBackward(MemorySegment dout, MemorySegment x, MemorySegment bias, MemorySegment dx,
                                        MemorySegment dbias, long rows, long cols, int activation, boolean accumulate) {
        try {
            check("a4j_bias_gelu_backward", (int) BIAS_GELU_BACKWARD.invokeExact(dout, x, bias, dx, dbias, rows, cols,
                    activation, accumulate ? 1 : 0, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }
}
