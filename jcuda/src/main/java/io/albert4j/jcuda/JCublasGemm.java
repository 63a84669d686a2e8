package io.albert4j.jcuda;

import io.albert4j.backend.cuda.CudaGemm;
import io.albert4j.tensor.DType;
import java.lang.foreign.MemorySegment;
import jcuda.Pointer;
import jcuda.cudaDataType;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasComputeType;
import jcuda.jcublas.cublasGemmAlgo;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasOperation;

/**
 * A {@link CudaBackend}'s matrix products through JCublas (cuBLAS 12 as JCuda 12.6 loads it), for applications that
 * already ship JCuda and its cuBLAS. Row-major products map to column-major cuBLAS as in albert4j's own binding:
 * Cᵀ = op(B)ᵀ·op(A)ᵀ, so the operands and m/n swap while the transpose flags and leading dimensions stay.
 *
 * @see io.albert4j.backend.cuda.CudaGemms for how it is selected
 */
final class JCublasGemm implements CudaGemm {
    private final cublasHandle handle = new cublasHandle();
    private volatile boolean tf32;
    private boolean closed;

    JCublasGemm(MemorySegment stream) {
        check("cublasCreate", JCublas2.cublasCreate(handle));
        int status = JCublas2.cublasSetStream(handle, JCudaStreams.stream(stream.address()));
        if (status != 0) {
            JCublas2.cublasDestroy(handle);
            check("cublasSetStream", status);
        }
    }

    @Override
    public synchronized void gemm(boolean transA, boolean transB, long m, long n, long k, float alpha,
                                  MemorySegment a, long lda, long strideA, MemorySegment b, long ldb, long strideB,
                                  float beta, MemorySegment c, long ldc, long strideC, long batch, DType abType,
                                  DType cType) {
        int opA = transA ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
        int opB = transB ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
        Pointer alphaP = Pointer.to(new float[] {alpha});  // host scalars: cuBLAS's default pointer mode
        Pointer betaP = Pointer.to(new float[] {beta});
        Pointer pa = JCudaPointers.withAddress(new Pointer(), a.address());
        Pointer pb = JCudaPointers.withAddress(new Pointer(), b.address());
        Pointer pc = JCudaPointers.withAddress(new Pointer(), c.address());
        boolean fp32 = abType == DType.F32 && cType == DType.F32;
        if (fp32 && !tf32) {
            check("cublasSgemmStridedBatched", JCublas2.cublasSgemmStridedBatched(handle, opB, opA, toInt(n, "n"),
                    toInt(m, "m"), toInt(k, "k"), alphaP, pb, toInt(ldb, "ldb"), strideB, pa, toInt(lda, "lda"),
                    strideA, betaP, pc, toInt(ldc, "ldc"), strideC, toInt(batch, "batch")));
        } else {
            check("cublasGemmStridedBatchedEx", JCublas2.cublasGemmStridedBatchedEx(handle, opB, opA, toInt(n, "n"),
                    toInt(m, "m"), toInt(k, "k"), alphaP, pb, dataType(abType), toInt(ldb, "ldb"), strideB, pa,
                    dataType(abType), toInt(lda, "lda"), strideA, betaP, pc, dataType(cType), toInt(ldc, "ldc"),
                    strideC, toInt(batch, "batch"), fp32 ? cublasComputeType.CUBLAS_COMPUTE_32F_FAST_TF32
                            : cublasComputeType.CUBLAS_COMPUTE_32F, cublasGemmAlgo.CUBLAS_GEMM_DEFAULT));
        }
    }

    static int dataType(DType dtype) {
        return switch (dtype) {
            case F32 -> cudaDataType.CUDA_R_32F;
            case BF16 -> cudaDataType.CUDA_R_16BF;
            default -> throw new IllegalArgumentException("JCublas GEMM: no " + dtype + " operands");
        };
    }

    static int toInt(long value, String what) {
        if (value > Integer.MAX_VALUE || value < Integer.MIN_VALUE) {
            throw new IllegalArgumentException("gemm: " + what + " = " + value + " exceeds cuBLAS's 32-bit range");
        }
        return (int) value;
    }

    private static void check(String function, int status) {
        if (status != 0) {
            throw new IllegalStateException("JCublas " + function + " failed: cuBLAS status " + status);
        }
    }

    @Override
    public void setTf32(boolean allow) {
        tf32 = allow;
    }

    @Override
    public String library() {
        return "cuBLAS 12 through JCublas " + JCublasGemmProvider.JCUDA_VERSION;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            JCublas2.cublasDestroy(handle);
        }
    }
}
