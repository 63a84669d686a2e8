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

/** Bindings of cpu/softmax_xent.cpp: softmax cross-entropy with ignore index. */
public final class SoftmaxXentNative {
    private static final MethodHandle FORWARD = downcall("a4j_softmax_xent_forward",
            status(ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final MethodHandle BACKWARD = downcall("a4j_softmax_xent_backward",
            status(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS));

    private SoftmaxXentNative() {
    }

    public static void forward(MemorySegment logits, MemorySegment labels, MemorySegment loss, MemorySegment lse,
                               long n, long classes, int ignoreIndex) {
        try {
            check("a4j_softmax_xent_forward", (int) FORWARD.invokeExact(logits, labels, loss, lse, n, classes,
                    ignoreIndex, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void backward(MemorySegment dloss, MemorySegment logits, MemorySegment labels, MemorySegment lse,
                                MemorySegment dlogits, long n, long classes, int ignoreIndex, boolean accumulate) {
        try {
            check("a4j_softmax_xent_backward", (int) BACKWARD.invokeExact(dloss, logits, labels, lse, dlogits, n,
                    classes, ignoreIndex, accumulate ? 1 : 0, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }
}
