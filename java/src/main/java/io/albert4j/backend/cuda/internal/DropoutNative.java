package io.albert4j.backend.cuda.internal;

import io.albert4j.backend.internal.Downcalls;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static io.albert4j.backend.cuda.internal.CudaLibrary.check;
import static io.albert4j.backend.cuda.internal.CudaLibrary.downcall;
import static io.albert4j.backend.cuda.internal.CudaLibrary.status;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Bindings of cuda/dropout.cu: counter-based dropout, f32 or bf16 forward input. Pointers are device addresses (or
 * pinned host memory); nothing here dereferences them.
 */
public final class DropoutNative {
    private static final MethodHandle FORWARD = downcall("a4j_dropout_forward", status(ADDRESS, ADDRESS, JAVA_LONG,
            JAVA_FLOAT, JAVA_LONG, JAVA_LONG, ADDRESS));
    private static final MethodHandle BACKWARD = downcall("a4j_dropout_backward", status(ADDRESS, ADDRESS, JAVA_LONG,
            JAVA_FLOAT, JAVA_LONG, JAVA_LONG, ADDRESS));
    private static final MethodHandle FORWARD_BF16 = downcall("a4j_dropout_forward_bf16", status(ADDRESS, ADDRESS,
            JAVA_LONG, JAVA_FLOAT, JAVA_LONG, JAVA_LONG, ADDRESS));

    private DropoutNative() {
    }

    /** {@code bf16}: the input activations are bf16 (a4j_dropout_forward_bf16). */
    public static void forward(boolean bf16, MemorySegment x, MemorySegment out, long n, float p, long seed,
            long offset, MemorySegment stream) {
        try {
            int status = (int) (bf16 ? FORWARD_BF16 : FORWARD).invokeExact(x, out, n, p, seed, offset, stream);
            check(bf16 ? "a4j_dropout_forward_bf16" : "a4j_dropout_forward", status);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void backward(MemorySegment dout, MemorySegment dx, long n, float p, long seed, long offset,
            MemorySegment stream) {
        try {
            check("a4j_dropout_backward", (int) BACKWARD.invokeExact(dout, dx, n, p, seed, offset, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }
}
