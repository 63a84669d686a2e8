package io.albert4j.backend.cuda;

import io.albert4j.tensor.DType;
import java.lang.foreign.MemorySegment;

/**
 * The matrix products of a {@link CudaBackend}: one cuBLAS handle (or equivalent) whose work is queued on the
 * backend's stream. The default binds cuBLAS through Panama; another implementation (the optional albert4j-jcuda
 * module's JCublas one) is chosen with {@link CudaGemms#PROPERTY}.
 */
public interface CudaGemm extends AutoCloseable {
    /**
     * Row-major {@code C[i] = alpha·op(A[i])·op(B[i]) + beta·C[i]} for {@code i < batch}, with element strides
     * between the matrices of a batch; A and B are {@code abType} (F32 or BF16), C is {@code cType}, the products are
     * accumulated in fp32. The arguments have been checked against the tensors' sizes already.
     */
    void gemm(boolean transA, boolean transB, long m, long n, long k, float alpha, MemorySegment a, long lda,
              long strideA, MemorySegment b, long ldb, long strideB, float beta, MemorySegment c, long ldc,
              long strideC, long batch, DType abType, DType cType);

    /** Lets fp32 products round their inputs to TF32 on tensor cores (as PyTorch's {@code allow_tf32}). */
    void setTf32(boolean allow);

    /** What runs the products, for {@link CudaBackend#description()}: a library name and how it is bound. */
    String library();

    @Override
    void close();
}
