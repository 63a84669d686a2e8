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
 * Bindings of cuda/layer_norm.cu: (residual add +) LayerNorm, f32 or bf16 input. Pointers are device addresses (or
 * pinned host memory); nothing here dereferences them.
 */
public final class LayerNormNative {
    private static final MethodHandle FORWARD = downcall("a4j_layer_norm_forward", status(ADDRESS, ADDRESS, ADDRESS,
            ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_FLOAT, ADDRESS));
    private static final MethodHandle BACKWARD = downcall("a4j_layer_norm_backward", status(ADDRESS, ADDRESS, ADDRESS,
            ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final MethodHandle FORWARD_BF16 = downcall("a4j_layer_norm_forward_bf16", status(ADDRESS, ADDRESS,
            ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_FLOAT, ADDRESS));

    private LayerNormNative() {
    }

    public static void forward(MemorySegment x, MemorySegment residual, MemorySegment gamma, MemorySegment beta,
            MemorySegment out, MemorySegment sum, MemorySegment mean, MemorySegment rstd, long rows, long cols,
            float eps, MemorySegment stream) {
        try {
            check("a4j_layer_norm_forward", (int) FORWARD.invokeExact(x, residual, gamma, beta, out, sum, mean, rstd,
                    rows, cols, eps, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void backward(MemorySegment dout, MemorySegment input, MemorySegment mean, MemorySegment rstd,
            MemorySegment gamma, MemorySegment dinput, MemorySegment dgamma, MemorySegment dbeta, long rows, long cols,
            boolean accumulate, MemorySegment stream) {
        try {
            check("a4j_layer_norm_backward", (int) BACKWARD.invokeExact(dout, input, mean, rstd, gamma, dinput, dgamma,
                    dbeta, rows, cols, accumulate ? 1 : 0, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void forwardBf16(MemorySegment x, MemorySegment residual, MemorySegment gamma, MemorySegment beta,
            MemorySegment out, MemorySegment outBf16, MemorySegment sum, MemorySegment mean, MemorySegment rstd,
            long rows, long cols, float eps, MemorySegment stream) {
        try {
            check("a4j_layer_norm_forward_bf16", (int) FORWARD_BF16.invokeExact(x, residual, gamma, beta, out, outBf16,
                    sum, mean, rstd, rows, cols, eps, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }
}
