package io.albert4j.backend.cuda.internal;

import io.albert4j.backend.internal.Downcalls;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static io.albert4j.backend.cuda.internal.CudaLibrary.check;
import static io.albert4j.backend.cuda.internal.CudaLibrary.downcall;
import static io.albert4j.backend.cuda.internal.CudaLibrary.status;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Bindings of cuda/gelu.cu: fused bias + GELU / activation, f32 or bf16 input. Pointers are device addresses (or
 * pinned host memory); nothing here dereferences them.
 */
public final class GeluNative {
    private static final MethodHandle FORWARD = downcall("a4j_bias_gelu_forward", status(ADDRESS, ADDRESS, ADDRESS,
            JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final MethodHandle BACKWARD = downcall("a4j_bias_gelu_backward", status(ADDRESS, ADDRESS, ADDRESS,
            ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle FORWARD_BF16 = downcall("a4j_bias_gelu_forward_bf16", status(ADDRESS, ADDRESS,
            ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final MethodHandle BACKWARD_BF16 = downcall("a4j_bias_gelu_backward_bf16", status(ADDRESS, ADDRESS,
            ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS));

    private GeluNative() {
    }

    /** {@code bf16}: the input activations are bf16 (a4j_bias_gelu_forward_bf16). */
    public static void biasGeluForward(boolean bf16, MemorySegment x, MemorySegment bias, MemorySegment out, long rows,
            long cols, int activation, MemorySegment stream) {
        try {
            int status = (int) (bf16 ? FORWARD_BF16 : FORWARD).invokeExact(x, bias, out, rows, cols, activation,
                    stream);
            check(bf16 ? "a4j_bias_gelu_forward_bf16" : "a4j_bias_gelu_forward", status);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code bf16}: the input activations are bf16 (a4j_bias_gelu_backward_bf16). */
    public static void biasGeluBackward(boolean bf16, MemorySegment dout, MemorySegment x, MemorySegment bias,
            MemorySegment dx, MemorySegment dbias, long rows, long cols, int activation, boolean accumulate,
            MemorySegment stream) {
        try {
            int status = (int) (bf16 ? BACKWARD_BF16 : BACKWARD).invokeExact(dout, x, bias, dx, dbias, rows, cols,
                    activation, accumulate ? 1 : 0, stream);
            check(bf16 ? "a4j_bias_gelu_backward_bf16" : "a4j_bias_gelu_backward", status);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }
}
