package io.albert4j.backend.cpu.internal;

import io.albert4j.backend.Downcalls;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static io.albert4j.backend.cpu.internal.CpuLibrary.check;
import static io.albert4j.backend.cpu.internal.CpuLibrary.downcall;
import static io.albert4j.backend.cpu.internal.CpuLibrary.status;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Binding of cpu/gemm.cpp: a4j_gemm and its opt-in bf16 products (a4j_set_gemm_bf16). */
public final class GemmNative {
    private static final MethodHandle SET_BF16 = downcall("a4j_set_gemm_bf16", status(JAVA_INT));
    private static final MethodHandle GET_BF16 = downcall("a4j_get_gemm_bf16", status());
    private static final MethodHandle GEMM = downcall("a4j_gemm", status(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG,
            JAVA_LONG, JAVA_FLOAT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_FLOAT, ADDRESS,
            JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS));

    private GemmNative() {
    }

    /** Turns bf16 products on or off for every following GEMM; fails where the CPU has no AVX512_BF16. */
    public static void setBf16(boolean enable) {
        try {
            check("a4j_set_gemm_bf16", (int) SET_BF16.invokeExact(enable ? 1 : 0));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static boolean bf16() {
        try {
            return (int) GET_BF16.invokeExact() != 0;
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void gemm(boolean transA, boolean transB, long m, long n, long k, float alpha, MemorySegment a,
                            long lda, long strideA, MemorySegment b, long ldb, long strideB, float beta,
                            MemorySegment c, long ldc, long strideC, long batch) {
        try {
            check("a4j_gemm", (int) GEMM.invokeExact(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, strideA,
                    b, ldb, strideB, beta, c, ldc, strideC, batch, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }
}
