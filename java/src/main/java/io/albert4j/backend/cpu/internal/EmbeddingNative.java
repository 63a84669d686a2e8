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

/** Bindings of cpu/embedding.cpp: gather, scatter-add, embedding sum + LayerNorm. */
public final class EmbeddingNative {
    private static final MethodHandle FORWARD = downcall("a4j_embedding_forward",
            status(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS));
    private static final MethodHandle BACKWARD = downcall("a4j_embedding_backward",
            status(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final MethodHandle LAYER_NORM_FORWARD = downcall("a4j_embedding_layer_norm_forward",
            status(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
                    JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_FLOAT, ADDRESS));
    private static final MethodHandle LAYER_NORM_BACKWARD = downcall("a4j_embedding_layer_norm_backward",
            status(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
                    ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));

    private EmbeddingNative() {
    }

    public static void forward(MemorySegment ids, MemorySegment table, MemorySegment out, long n, long vocab, long dim) {
        try {
            check("a4j_embedding_forward", (int) FORWARD.invokeExact(ids, table, out, n, vocab, dim, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void backward(MemorySegment ids, MemorySegment dout, MemorySegment dtable, long n, long vocab,
                                long dim, int paddingIdx) {
        try {
            check("a4j_embedding_backward", (int) BACKWARD.invokeExact(ids, dout, dtable, n, vocab, dim, paddingIdx, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void layerNormForward(MemorySegment wordIds, MemorySegment typeIds, MemorySegment wordTable,
                                        MemorySegment posTable, MemorySegment typeTable, MemorySegment gamma,
                                        MemorySegment beta, MemorySegment out, MemorySegment sum, MemorySegment mean,
                                        MemorySegment rstd, long batch, long seq, long dim, float eps) {
        try {
            check("a4j_embedding_layer_norm_forward", (int) LAYER_NORM_FORWARD.invokeExact(wordIds, typeIds, wordTable,
                    posTable, typeTable, gamma, beta, out, sum, mean, rstd, batch, seq, dim, eps, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void layerNormBackward(MemorySegment dout, MemorySegment wordIds, MemorySegment typeIds,
                                         MemorySegment sum, MemorySegment mean, MemorySegment rstd, MemorySegment gamma,
                                         MemorySegment dwordTable, MemorySegment dposTable, MemorySegment dtypeTable,
                                         MemorySegment dgamma, MemorySegment dbeta, long batch, long seq, long dim,
                                         int paddingIdx) {
        try {
            check("a4j_embedding_layer_norm_backward", (int) LAYER_NORM_BACKWARD.invokeExact(dout, wordIds, typeIds, sum,
                    mean, rstd, gamma, dwordTable, dposTable, dtypeTable, dgamma, dbeta, batch, seq, dim, paddingIdx,
                    MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }
}
