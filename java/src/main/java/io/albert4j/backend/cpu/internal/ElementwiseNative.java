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

/** Bindings of cpu/elementwise.cpp: axpy, scale, fill, bias add, tanh, bf16 casts. */
public final class ElementwiseNative {
    private static final MethodHandle AXPY = downcall("a4j_axpy", status(JAVA_FLOAT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle SCALE = downcall("a4j_scale", status(JAVA_FLOAT, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle FILL = downcall("a4j_fill", status(JAVA_FLOAT, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle BIAS_ADD_FORWARD = downcall("a4j_bias_add_forward",
            status(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
    private static final MethodHandle BIAS_ADD_BACKWARD = downcall("a4j_bias_add_backward",
            status(ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
    private static final MethodHandle TANH_FORWARD = downcall("a4j_tanh_forward", status(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle TANH_BACKWARD = downcall("a4j_tanh_backward",
            status(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle CAST_F32_TO_BF16 = downcall("a4j_cast_f32_to_bf16",
            status(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle CAST_BF16_TO_F32 = downcall("a4j_cast_bf16_to_f32",
            status(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));

    private ElementwiseNative() {
    }

    public static void axpy(float alpha, MemorySegment x, MemorySegment y, long n) {
        try {
            check("a4j_axpy", (int) AXPY.invokeExact(alpha, x, y, n, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void scale(float alpha, MemorySegment x, long n) {
        try {
            check("a4j_scale", (int) SCALE.invokeExact(alpha, x, n, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void fill(float value, MemorySegment x, long n) {
        try {
            check("a4j_fill", (int) FILL.invokeExact(value, x, n, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void biasAddForward(MemorySegment x, MemorySegment bias, MemorySegment out, long rows, long cols) {
        try {
            check("a4j_bias_add_forward", (int) BIAS_ADD_FORWARD.invokeExact(x, bias, out, rows, cols, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void biasAddBackward(MemorySegment dout, MemorySegment dbias, long rows, long cols) {
        try {
            check("a4j_bias_add_backward", (int) BIAS_ADD_BACKWARD.invokeExact(dout, dbias, rows, cols, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void tanhForward(MemorySegment x, MemorySegment out, long n) {
        try {
            check("a4j_tanh_forward", (int) TANH_FORWARD.invokeExact(x, out, n, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void tanhBackward(MemorySegment dout, MemorySegment out, MemorySegment dx, long n) {
        try {
            check("a4j_tanh_backward", (int) TANH_BACKWARD.invokeExact(dout, out, dx, n, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void castF32ToBf16(MemorySegment x, MemorySegment out, long n) {
        try {
            check("a4j_cast_f32_to_bf16", (int) CAST_F32_TO_BF16.invokeExact(x, out, n, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void castBf16ToF32(MemorySegment x, MemorySegment out, long n) {
        try {
            check("a4j_cast_bf16_to_f32", (int) CAST_BF16_TO_F32.invokeExact(x, out, n, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }
}
