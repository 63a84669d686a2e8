package io.albert4j.backend.cuda.internal;

import io.albert4j.backend.internal.Downcalls;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static io.albert4j.backend.cuda.internal.CudaLibrary.check;
import static io.albert4j.backend.cuda.internal.CudaLibrary.downcall;
import static io.albert4j.backend.cuda.internal.CudaLibrary.status;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Bindings of cuda/attention.cu: fused attention, f32 or bf16 q/k/v. Pointers are device addresses (or pinned host
 * memory); nothing here dereferences them.
 */
public final class AttentionNative {
    private static final MethodHandle FORWARD = downcall("a4j_attention_forward", status(ADDRESS, ADDRESS, ADDRESS,
            ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_FLOAT, JAVA_FLOAT,
            JAVA_LONG, ADDRESS));
    private static final MethodHandle BACKWARD = downcall("a4j_attention_backward", status(ADDRESS, ADDRESS, ADDRESS,
            ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
            JAVA_LONG, JAVA_FLOAT, JAVA_FLOAT, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final MethodHandle FORWARD_BF16 = downcall("a4j_attention_forward_bf16", status(ADDRESS, ADDRESS,
            ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_FLOAT,
            JAVA_FLOAT, JAVA_LONG, ADDRESS));
    private static final MethodHandle BACKWARD_BF16 = downcall("a4j_attention_backward_bf16", status(ADDRESS, ADDRESS,
            ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG,
            JAVA_LONG, JAVA_LONG, JAVA_FLOAT, JAVA_FLOAT, JAVA_LONG, JAVA_INT, ADDRESS));

    private AttentionNative() {
    }

    /** {@code bf16}: the input activations are bf16 (a4j_attention_forward_bf16). */
    public static void forward(boolean bf16, MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment maskAdd,
            MemorySegment out, MemorySegment lse, long batch, long seq, long heads, long headDim, long qkvStride,
            float scale, float dropoutP, long seed, MemorySegment stream) {
        try {
            int status = (int) (bf16 ? FORWARD_BF16 : FORWARD).invokeExact(q, k, v, maskAdd, out, lse, batch, seq,
                    heads, headDim, qkvStride, scale, dropoutP, seed, stream);
            check(bf16 ? "a4j_attention_forward_bf16" : "a4j_attention_forward", status);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code bf16}: the input activations are bf16 (a4j_attention_backward_bf16). */
    public static void backward(boolean bf16, MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment maskAdd,
            MemorySegment out, MemorySegment lse, MemorySegment dout, MemorySegment dq, MemorySegment dk,
            MemorySegment dv, long batch, long seq, long heads, long headDim, long qkvStride, float scale,
            float dropoutP, long seed, boolean accumulate, MemorySegment stream) {
        try {
            int status = (int) (bf16 ? BACKWARD_BF16 : BACKWARD).invokeExact(q, k, v, maskAdd, out, lse, dout, dq, dk,
                    dv, batch, seq, heads, headDim, qkvStride, scale, dropoutP, seed, accumulate ? 1 : 0, stream);
            check(bf16 ? "a4j_attention_backward_bf16" : "a4j_attention_backward", status);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }
}
