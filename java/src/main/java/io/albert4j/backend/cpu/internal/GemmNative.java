package io.albert4j.backend.cpu.internal;

import io.albert4j.backend.internal.Downcalls;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static io.albert4j.backend.cpu.internal.CpuLibrary.check;
import static io.albert4j.backend.cpu.internal.CpuLibrary.downcall;
import static io.albert4j.backend.cpu.internal.CpuLibrary.status;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Binding of cpu/gemm.cpp: a4j_gemm, its opt-in bf16 products (a4j_set_gemm_bf16), B packed once
 * (a4j_gemm_pack_b) and a dense layer's GEMM with its bias and activation (a4j_gemm_bias_activation).
 */
public final class GemmNative {
    private static final MethodHandle SET_BF16 = downcall("a4j_set_gemm_bf16", status(JAVA_INT));
    private static final MethodHandle GET_BF16 = downcall("a4j_get_gemm_bf16", status());
    private static final MethodHandle PACKED_B_BYTES = downcall("a4j_gemm_packed_b_bytes",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PACK_B = downcall("a4j_gemm_pack_b", status(JAVA_INT, JAVA_LONG, JAVA_LONG,
            ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle GEMM_PACKED_B = downcall("a4j_gemm_packed_b", status(JAVA_INT, JAVA_LONG,
            JAVA_LONG, JAVA_LONG, JAVA_FLOAT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_FLOAT, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle GEMM_BIAS_ACTIVATION = downcall("a4j_gemm_bias_activation", status(JAVA_INT,
            JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_FLOAT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS,
            JAVA_FLOAT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
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

    public static long packedBBytes(long k, long n) {
        try {
            return (long) PACKED_B_BYTES.invokeExact(k, n);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void packB(boolean transB, long k, long n, MemorySegment b, long ldb, MemorySegment packed,
                             long packedBytes) {
        try {
            check("a4j_gemm_pack_b", (int) PACK_B.invokeExact(transB ? 1 : 0, k, n, b, ldb, packed, packedBytes,
                    MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void gemmPackedB(boolean transA, long m, long n, long k, float alpha, MemorySegment a, long lda,
                                   MemorySegment packedB, float beta, MemorySegment c, long ldc) {
        try {
            check("a4j_gemm_packed_b", (int) GEMM_PACKED_B.invokeExact(transA ? 1 : 0, m, n, k, alpha, a, lda, packedB,
                    beta, c, ldc, MemorySegment.NULL));
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

    /** {@code packedB} (from packB) replaces b, ldb and transB when it is not NULL; so may bias and activationOut be. */
    public static void gemmBiasActivation(boolean transA, boolean transB, long m, long n, long k, float alpha,
                                          MemorySegment a, long lda, MemorySegment b, long ldb, MemorySegment packedB,
                                          float beta, MemorySegment c, long ldc, MemorySegment bias, int activation,
                                          MemorySegment activationOut, long ldOut) {
        try {
            check("a4j_gemm_bias_activation", (int) GEMM_BIAS_ACTIVATION.invokeExact(transA ? 1 : 0, transB ? 1 : 0,
                    m, n, k, alpha, a, lda, b, ldb, packedB, beta, c, ldc, bias, activation, activationOut, ldOut,
                    MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }
}
