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

/** Bindings of cpu/attention.cpp: fused multi-head self-attention. */
public final class AttentionNative {
    private static final MethodHandle FORWARD = downcall("a4j_attention_forward", status(ADDRESS, ADDRESS, ADDRESS,
            ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_FLOAT, JAVA_FLOAT,
            JAVA_LONG, ADDRESS));
    private static final MethodHandle BACKWARD = downcall("a4j_attention_backward", status(ADDRESS, ADDRESS, ADDRESS,
            ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
            JAVA_LONG, JAVA_FLOAT, JAVA_FLOAT, JAVA_LONG, JAVA_INT, ADDRESS));

    private AttentionNative() {
    }

    public static void forward(MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment maskAdd,
                               MemorySegment out, MemorySegment lse, long batch, long seq, long heads, long headDim,
                               long qkvStride, float scale, float dropoutP, long seed) {
        try {
            check("a4j_attention_forward", (int) FORWARD.invokeExact(q, k, v, maskAdd, out, lse, batch, seq, heads,
                    headDim, qkvStride, scale, dropoutP, seed, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void backward(MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment maskAdd,
                                MemorySegment out, MemorySegment lse, MemorySegment dout, MemorySegment dq,
                                MemorySegment dk, MemorySegment dv, long batch, long seq, long heads, long headDim,
                                long qkvStride, float scale, float dropoutP, long seed, boolean accumulate) {
        try {
            check("a4j_attention_backward", (int) BACKWARD.invokeExact(q, k, v, maskAdd, out, lse, dout, dq, dk, dv,
                    batch, seq, heads, headDim, qkvStride, scale, dropoutP, seed, accumulate ? 1 : 0,
                    MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }
}
