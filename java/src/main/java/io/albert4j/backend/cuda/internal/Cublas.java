package io.albert4j.backend.cuda.internal;

import io.albert4j.backend.internal.Downcalls;

import io.albert4j.backend.NativeKernelException;
import io.albert4j.backend.cuda.CudaGemm;
import io.albert4j.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * cuBLAS, found at run time (libcublas.so.13, then .so.12) so the build needs no CUDA toolkit libraries and the
 * jar runs on either CUDA major version. Row-major GEMMs map to column-major cuBLAS by computing Cᵀ = op(B)ᵀ·op(A)ᵀ:
 * swap the operands and m/n, keep the transpose flags and leading dimensions.
 */
public final class Cublas implements CudaGemm {
    /** cudaDataType_t and cublasComputeType_t values from library_types.h / cublas_api.h. */
    public static final int CUDA_R_32F = 0;
    public static final int CUDA_R_16BF = 14;
    private static final int CUBLAS_COMPUTE_32F = 68;
    private static final int CUBLAS_COMPUTE_32F_FAST_TF32 = 77;
    private static final int CUBLAS_GEMM_DEFAULT = -1;
    private static final String[] LIBRARY_NAMES = {"libcublas.so.13", "libcublas.so.12"};

    private static final Linker LINKER = Linker.nativeLinker();
    private static volatile Bindings bindings;

    private final MemorySegment handle;
    /** Host scalars alpha, beta (cuBLAS reads them during the call in host pointer mode). */
    private final MemorySegment scalars;
    private final Arena arena = Arena.ofShared();
    /** fp32 GEMMs on TF32 tensor cores (10-bit mantissa inputs, fp32 accumulate); off unless asked for. */
    private volatile boolean tf32;

    private record Bindings(String library, MethodHandle create, MethodHandle destroy, MethodHandle setStream,
                            MethodHandle sgemm, MethodHandle gemmEx) {
    }

    /** Null when cuBLAS can be loaded, else why not. Never throws. */
    public static String unavailableReason() {
        try {
            bindings();
            return null;
        } catch (Throwable t) {
            return t.getMessage();
        }
    }

    private static Bindings bindings() {
        Bindings b = bindings;
        if (b == null) {
            synchronized (Cublas.class) {
                if (bindings == null) {
                    bindings = load();
                }
                b = bindings;
            }
        }
        return b;
    }

    private static Bindings load() {
        StringBuilder tried = new StringBuilder();
        for (String name : LIBRARY_NAMES) {
            SymbolLookup lookup;
            try {
                lookup = SymbolLookup.libraryLookup(name, Arena.global());
            } catch (IllegalArgumentException e) {
                tried.append(tried.isEmpty() ? "" : ", ").append(name);
                continue;
            }
            return new Bindings(name,
                    handle(lookup, name, "cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS)),
                    handle(lookup, name, "cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS)),
                    handle(lookup, name, "cublasSetStream_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS)),
                    handle(lookup, name, "cublasSgemmStridedBatched", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                            JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG,
                            ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_INT)),
                    handle(lookup, name, "cublasGemmStridedBatchedEx", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                            JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT,
                            JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT,
                            JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT)));
        }
        throw new IllegalStateException("cuBLAS was not found (tried " + tried + "); install the CUDA toolkit's"
                + " cuBLAS or put its directory on LD_LIBRARY_PATH");
    }

    private static MethodHandle handle(SymbolLookup lookup, String library, String symbol, FunctionDescriptor d) {
        return LINKER.downcallHandle(lookup.find(symbol).orElseThrow(
                () -> new IllegalStateException(library + " has no symbol " + symbol)), d);
    }

    /** A handle whose work is queued on {@code stream}. */
    public Cublas(MemorySegment stream) {
        Bindings b = bindings();
        MemorySegment out = arena.allocate(ADDRESS);
        try {
            check("cublasCreate_v2", (int) b.create().invokeExact(out));
            handle = out.get(ADDRESS, 0);
            check("cublasSetStream_v2", (int) b.setStream().invokeExact(handle, stream));
        } catch (Throwable t) {
            arena.close();
            throw Downcalls.unchecked(t);
        }
        scalars = arena.allocate(16, 16);
    }

    @Override
    public String library() {
        return "cuBLAS " + bindings().library() + " through Panama";
    }

    /** cudaDataType_t of a tensor dtype: F32 or BF16. */
    public static int cudaType(DType dtype) {
        return switch (dtype) {
            case F32 -> CUDA_R_32F;
            case BF16 -> CUDA_R_16BF;
            default -> throw new IllegalArgumentException("cuBLAS GEMM: no " + dtype + " operands");
        };
    }

    @Override
    public void gemm(boolean transA, boolean transB, long m, long n, long k, float alpha, MemorySegment a, long lda,
                     long strideA, MemorySegment b, long ldb, long strideB, float beta, MemorySegment c, long ldc,
                     long strideC, long batch, DType abType, DType cType) {
        gemm(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch,
                cudaType(abType), cudaType(cType));
    }

    /**
     * Row-major C[i] = alpha·op(A[i])·op(B[i]) + beta·C[i] with element strides; {@code abType}/{@code cType} are
     * CUDA_R_32F or CUDA_R_16BF, computing in fp32 either way.
     */
    public synchronized void gemm(boolean transA, boolean transB, long m, long n, long k, float alpha,
                                  MemorySegment a, long lda, long strideA, MemorySegment b, long ldb, long strideB,
                                  float beta, MemorySegment c, long ldc, long strideC, long batch, int abType,
                                  int cType) {
        int opA = transA ? 1 : 0;
        int opB = transB ? 1 : 0;
        Bindings bind = bindings();
        try {
            boolean fp32 = abType == CUDA_R_32F && cType == CUDA_R_32F;
            if (fp32 && !tf32) {
                scalars.set(ValueLayout.JAVA_FLOAT, 0, alpha);
                scalars.set(ValueLayout.JAVA_FLOAT, 4, beta);
                check("cublasSgemmStridedBatched", (int) bind.sgemm().invokeExact(handle, opB, opA,
                        toInt(n, "n"), toInt(m, "m"), toInt(k, "k"), scalars, b, toInt(ldb, "ldb"), strideB, a,
                        toInt(lda, "lda"), strideA, scalars.asSlice(4), c, toInt(ldc, "ldc"), strideC,
                        toInt(batch, "batch")));
            } else {
                scalars.set(ValueLayout.JAVA_FLOAT, 0, alpha);
                scalars.set(ValueLayout.JAVA_FLOAT, 4, beta);
                check("cublasGemmStridedBatchedEx", (int) bind.gemmEx().invokeExact(handle, opB, opA,
                        toInt(n, "n"), toInt(m, "m"), toInt(k, "k"), scalars, b, abType, toInt(ldb, "ldb"), strideB,
                        a, abType, toInt(lda, "lda"), strideA, scalars.asSlice(4), c, cType, toInt(ldc, "ldc"),
                        strideC, toInt(batch, "batch"), fp32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F,
                        CUBLAS_GEMM_DEFAULT));
            }
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /**
     * Lets fp32 GEMMs round their inputs to TF32 on tensor cores, as PyTorch's
     * {@code torch.backends.cuda.matmul.allow_tf32} does: several times the fp32 throughput on Ampere and later,
     * at about 1e-3 relative error per product.
     */
    @Override
    public void setTf32(boolean allow) {
        this.tf32 = allow;
    }

    private static int toInt(long value, String what) {
        if (value > Integer.MAX_VALUE || value < Integer.MIN_VALUE) {
            throw new IllegalArgumentException("gemm: " + what + " = " + value + " exceeds cuBLAS's 32-bit range");
        }
        return (int) value;
    }

    private static void check(String function, int status) {
        if (status != 0) {
            throw new NativeKernelException(function, status, "cuBLAS status " + status);
        }
    }

    @Override
    public synchronized void close() {
        if (!arena.scope().isAlive()) {
            return;
        }
        try {
            int ignored = (int) bindings().destroy().invokeExact(handle);
        } catch (Throwable t) {
            // Destroying a handle at shutdown has nothing useful to report.
        }
        arena.close();
    }
}
