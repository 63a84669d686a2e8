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

/** Bindings of cpu/reduce.cpp: sum, its backward, sum of squares. */
public final class ReduceNative {
    private static final MethodHandle SUM_FORWARD = downcall("a4j_sum_forward", status(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle SUM_BACKWARD = downcall("a4j_sum_backward",
            status(ADDRESS, ADDRESS, JAVA_LONG, JAVA_FLOAT, ADDRESS));
    private static final MethodHandle SUM_SQUARES = downcall("a4j_sum_squares", status(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));

    private static final MethodHandle SUM_SQUARES_MULTI = downcall("a4j_sum_squares_multi", status(JAVA_INT, ADDRESS,
            ADDRESS, ADDRESS, ADDRESS));

    private ReduceNative() {
    }

    public static void sumForward(MemorySegment x, MemorySegment out, long n) {
        try {
            check("a4j_sum_forward", (int) SUM_FORWARD.invokeExact(x, out, n, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void sumBackward(MemorySegment dout, MemorySegment dx, long n, float scale) {
        try {
            check("a4j_sum_backward", (int) SUM_BACKWARD.invokeExact(dout, dx, n, scale, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void sumSquares(MemorySegment x, MemorySegment out, long n) {
        try {
            check("a4j_sum_squares", (int) SUM_SQUARES.invokeExact(x, out, n, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void sumSquaresMulti(int count, MemorySegment xs, MemorySegment sizes, MemorySegment out) {
        try {
            check("a4j_sum_squares_multi", (int) SUM_SQUARES_MULTI.invokeExact(count, xs, sizes, out,
                    MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }
}
