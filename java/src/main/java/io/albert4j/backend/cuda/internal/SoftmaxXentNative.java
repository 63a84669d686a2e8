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
 * Bindings of cuda/softmax_xent.cu: softmax cross-entropy, f32 or bf16 logits. Pointers are device addresses (or
 * pinned host memory); nothing here dereferences them.
 */
public final class SoftmaxXentNative {
    private static final MethodHandle FORWARD = downcall("a4j_softmax_xent_forward", status(ADDRESS, ADDRESS, ADDRESS,
            ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final MethodHandle BACKWARD = downcall("a4j_softmax_xent_backward", status(ADDRESS, ADDRESS, ADDRESS,
            ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle FORWARD_BF16 = downcall("a4j_softmax_xent_forward_bf16", status(ADDRESS, ADDRESS,
            ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final MethodHandle BACKWARD_BF16 = downcall("a4j_softmax_xent_backward_bf16", status(ADDRESS,
            ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS));

    private SoftmaxXentNative() {
    }

    /** {@code bf16}: the input activations are bf16 (a4j_softmax_xent_forward_bf16). */
    public static void forward(boolean bf16, MemorySegment logits, MemorySegment labels, MemorySegment loss,
            MemorySegment lse, long n, long classes, int ignoreIndex, MemorySegment stream) {
        try {
            int status = (int) (bf16 ? FORWARD_BF16 : FORWARD).invokeExact(logits, labels, loss, lse, n, classes,
                    ignoreIndex, stream);
            check(bf16 ? "a4j_softmax_xent_forward_bf16" : "a4j_softmax_xent_forward", status);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code bf16}: the input activations are bf16 (a4j_softmax_xent_backward_bf16). */
    public static void backward(boolean bf16, MemorySegment dloss, MemorySegment logits, MemorySegment labels,
            MemorySegment lse, MemorySegment dlogits, long n, long classes, int ignoreIndex, boolean accumulate,
            MemorySegment stream) {
        try {
            int status = (int) (bf16 ? BACKWARD_BF16 : BACKWARD).invokeExact(dloss, logits, labels, lse, dlogits, n,
                    classes, ignoreIndex, accumulate ? 1 : 0, stream);
            check(bf16 ? "a4j_softmax_xent_backward_bf16" : "a4j_softmax_xent_backward", status);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }
}
