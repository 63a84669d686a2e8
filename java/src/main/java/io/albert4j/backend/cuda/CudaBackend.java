package io.albert4j.backend.cuda;

import io.albert4j.backend.Activation;
import io.albert4j.backend.Backend;
import io.albert4j.backend.cuda.internal.CudaLibrary;
import io.albert4j.backend.cuda.internal.CudaNative;
import io.albert4j.backend.cuda.internal.Cublas;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Device;
import io.albert4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Kernels of libalbert4j_cuda.so (cuda/) on one GPU, GEMMs on cuBLAS, all queued on one stream owned by this
 * backend. Device tensors hold the device address in a {@link MemorySegment} that is never dereferenced on the
 * host; memory comes from the library's caching allocator and goes back to it when the owning arena closes.
 *
 * <p>Guards as in the CPU backend: each tensor passed to a kernel must be alive, on this device, of the expected
 * dtype and hold the elements the kernel touches. Kernels whose activations may be bf16 (bias+GELU, LayerNorm
 * input, attention, softmax cross-entropy logits, dropout) pick the _bf16 entry point from the tensor's dtype;
 * gemm accepts F32 or BF16 operands (fp32 compute). Scalar results (loss, sums) stay on the device until copied.
 */
public final class CudaBackend implements Backend {
    private static final long STAGING_BYTES = 8L << 20;

    private final Device device;
    private final String name;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment stream;
    private final Cublas cublas;
    /** Pinned host buffer for host<->device copies and small read-backs (trust ratios). */
    private final MemorySegment staging;
    private boolean closed;

    public CudaBackend(Device device) {
        if (device.kind() != Device.Kind.CUDA) {
            throw new IllegalArgumentException("CudaBackend needs a cuda device, got " + device);
        }
        this.device = device;
        CudaNative.cudaSetDevice(device.index());
        MemorySegment nameBuffer = arena.allocate(256);
        MemorySegment capability = arena.allocate(ValueLayout.JAVA_INT);
        MemorySegment total = arena.allocate(ValueLayout.JAVA_LONG);
        CudaNative.cudaDeviceInfo(device.index(), nameBuffer, 256, capability, total);
        int cc = capability.get(ValueLayout.JAVA_INT, 0);
        this.name = nameBuffer.getString(0) + ", sm_" + cc + ", " + total.get(ValueLayout.JAVA_LONG, 0) / (1L << 20) + " MiB";
        MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
        CudaNative.cudaStreamCreate(out);
        this.stream = out.get(ValueLayout.ADDRESS, 0);
        CudaNative.cudaHostAlloc(out, STAGING_BYTES);
        this.staging = out.get(ValueLayout.ADDRESS, 0).reinterpret(STAGING_BYTES);
        this.cublas = new Cublas(stream);
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public String description() {
        return device + " (" + name + ", cuBLAS " + cublas.library() + ")";
    }

    /**
     * Allows fp32 matrix products to run on TF32 tensor cores (off by default, as in PyTorch). Applies to every
     * later GEMM on this backend, which all users of the device share.
     */
    public void setTf32Matmul(boolean allow) {
        cublas.setTf32(allow);
    }

    /** The stream every kernel of this backend is queued on (a cudaStream_t). */
    public MemorySegment stream() {
        return stream;
    }

    @Override
    public MemorySegment allocate(long bytes, Arena lifetime) {
        long size = Math.max(1, bytes);
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment out = scratch.allocate(ValueLayout.ADDRESS);
            CudaNative.cudaMalloc(out, size);
            long address = out.get(ValueLayout.ADDRESS, 0).address();
            return MemorySegment.ofAddress(address).reinterpret(size, lifetime, segment -> free(address));
        }
    }

    private static void free(long address) {
        try {
            CudaNative.cudaFree(MemorySegment.ofAddress(address));
        } catch (RuntimeException e) {
            // Called from an arena's close: the block is lost to the cache, nothing else can be done here.
        }
    }

    @Override
    public void zero(MemorySegment segment, long bytes) {
        CudaNative.cudaMemset(segment, 0, bytes, stream);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        alive(src, "copy", "src");
        alive(dst, "copy", "dst");
        if (src.numel() != dst.numel() || src.dtype() != dst.dtype()) {
            throw new IllegalArgumentException("copy: " + src.describe() + " into " + dst.describe()
                    + " (element count and dtype must match)");
        }
        boolean srcHost = src.device().isCpu();
        boolean dstHost = dst.device().isCpu();
        requireHere(src, srcHost, "copy", "src");
        requireHere(dst, dstHost, "copy", "dst");
        long bytes = src.byteSize();
        if (srcHost && dstHost) {
            MemorySegment.copy(src.data(), 0, dst.data(), 0, bytes);
        } else if (!srcHost && !dstHost) {
            CudaNative.cudaMemcpyD2d(dst.data(), src.data(), bytes, stream);
        } else if (srcHost) {
            synchronized (staging) {
                for (long done = 0; done < bytes; done += STAGING_BYTES) {
                    long chunk = Math.min(STAGING_BYTES, bytes - done);
                    // The previous chunk's copy must have left the staging buffer before it is refilled.
                    synchronize();
                    MemorySegment.copy(src.data(), done, staging, 0, chunk);
                    CudaNative.cudaMemcpyH2d(dst.data().asSlice(done, chunk), staging, chunk, stream);
                }
                synchronize();
            }
        } else {
            synchronized (staging) {
                for (long done = 0; done < bytes; done += STAGING_BYTES) {
                    long chunk = Math.min(STAGING_BYTES, bytes - done);
                    CudaNative.cudaMemcpyD2h(staging, src.data().asSlice(done, chunk), chunk, stream);
                    synchronize();
                    MemorySegment.copy(staging, 0, dst.data(), done, chunk);
                }
            }
        }
    }

    @Override
    public void synchronize() {
        CudaNative.cudaStreamSynchronize(stream);
    }

    /**
     * Keeps {@code weights} (e.g. the shared ALBERT block's parameters, allocated contiguously) resident in L2 for
     * this backend's stream; {@code bytes = 0} clears the window.
     */
    public void persistInL2(MemorySegment weights, long bytes, float hitRatio) {
        CudaNative.cudaL2Persist(stream, weights, bytes, hitRatio);
    }

    /** Bytes held by live tensors, bytes cached for reuse, and cudaMalloc calls so far. */
    public long[] memoryStats() {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment values = scratch.allocate(ValueLayout.JAVA_LONG, 3);
            CudaNative.cudaMemoryStats(values, values.asSlice(8), values.asSlice(16));
            return values.toArray(ValueLayout.JAVA_LONG);
        }
    }

    // ---- gemm -----------------------------------------------------------------------------------------------

    @Override
    public void gemm(boolean transA, boolean transB, long m, long n, long k, float alpha, Tensor a, long lda,
                     long strideA, Tensor b, long ldb, long strideB, float beta, Tensor c, long ldc, long strideC,
                     long batch) {
        if (m <= 0 || n <= 0 || batch <= 0) {
            return;
        }
        long aRows = transA ? k : m;
        long aCols = transA ? m : k;
        long bRows = transB ? n : k;
        long bCols = transB ? k : n;
        if (lda < aCols || ldb < bCols || ldc < n) {
            throw new IllegalArgumentException("gemm: leading dimension too small (lda " + lda + " < " + aCols
                    + ", ldb " + ldb + " < " + bCols + " or ldc " + ldc + " < " + n + ")");
        }
        DType abType = activation(a, 0, "gemm", "a");
        if (k > 0) {
            dev(a, abType, (batch - 1) * strideA + (aRows - 1) * lda + aCols, "gemm", "a");
            dev(b, abType, (batch - 1) * strideB + (bRows - 1) * ldb + bCols, "gemm", "b");
        }
        DType cType = activation(c, 0, "gemm", "c");
        dev(c, cType, (batch - 1) * strideC + (m - 1) * ldc + n, "gemm", "c");
        cublas.gemm(transA, transB, m, n, k, alpha, a.data(), lda, strideA, b.data(), ldb, strideB, beta, c.data(),
                ldc, strideC, batch, cudaType(abType), cudaType(cType));
    }

    private static int cudaType(DType t) {
        return t == DType.BF16 ? Cublas.CUDA_R_16BF : Cublas.CUDA_R_32F;
    }

    // ---- elementwise ----------------------------------------------------------------------------------------

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        f32(x, y.numel(), "axpy", "x");
        f32(y, x.numel(), "axpy", "y");
        CudaNative.axpy(alpha, x.data(), y.data(), x.numel(), stream);
    }

    @Override
    public void scale(float alpha, Tensor x) {
        f32(x, x.numel(), "scale", "x");
        CudaNative.scale(alpha, x.data(), x.numel(), stream);
    }

    @Override
    public void fill(float value, Tensor x) {
        f32(x, x.numel(), "fill", "x");
        CudaNative.fill(value, x.data(), x.numel(), stream);
    }

    @Override
    public void biasAddForward(Tensor x, Tensor bias, Tensor out, long rows, long cols) {
        f32(x, rows * cols, "bias_add", "x");
        f32(bias, cols, "bias_add", "bias");
        f32(out, rows * cols, "bias_add", "out");
        CudaNative.biasAddForward(x.data(), bias.data(), out.data(), rows, cols, stream);
    }

    @Override
    public void biasAddBackward(Tensor dout, Tensor dbias, long rows, long cols) {
        f32(dout, rows * cols, "bias_add_backward", "dout");
        f32(dbias, cols, "bias_add_backward", "dbias");
        CudaNative.biasAddBackward(dout.data(), dbias.data(), rows, cols, stream);
    }

    @Override
    public void tanhForward(Tensor x, Tensor out) {
        f32(x, out.numel(), "tanh", "x");
        f32(out, x.numel(), "tanh", "out");
        CudaNative.tanhForward(x.data(), out.data(), x.numel(), stream);
    }

    @Override
    public void tanhBackward(Tensor dout, Tensor out, Tensor dx) {
        long n = dx.numel();
        f32(dout, n, "tanh_backward", "dout");
        f32(out, n, "tanh_backward", "out");
        f32(dx, n, "tanh_backward", "dx");
        CudaNative.tanhBackward(dout.data(), out.data(), dx.data(), n, stream);
    }

    @Override
    public void castF32ToBf16(Tensor x, Tensor out) {
        f32(x, out.numel(), "cast_f32_to_bf16", "x");
        dev(out, DType.BF16, x.numel(), "cast_f32_to_bf16", "out");
        CudaNative.castF32ToBf16(x.data(), out.data(), x.numel(), stream);
    }

    @Override
    public void castBf16ToF32(Tensor x, Tensor out) {
        dev(x, DType.BF16, out.numel(), "cast_bf16_to_f32", "x");
        f32(out, x.numel(), "cast_bf16_to_f32", "out");
        CudaNative.castBf16ToF32(x.data(), out.data(), x.numel(), stream);
    }

    // ---- fused bias + activation ------------------------------------------------------------------------------

    @Override
    public void biasGeluForward(Tensor x, Tensor bias, Tensor out, long rows, long cols, Activation activation) {
        DType t = activation(x, rows * cols, "bias_gelu", "x");
        optionalF32(bias, cols, "bias_gelu", "bias");
        dev(out, t, rows * cols, "bias_gelu", "out");
        if (t == DType.BF16) {
            CudaNative.biasGeluForwardBf16(x.data(), segment(bias), out.data(), rows, cols, activation.code(), stream);
        } else {
            CudaNative.biasGeluForward(x.data(), segment(bias), out.data(), rows, cols, activation.code(), stream);
        }
    }

    @Override
    public void biasGeluBackward(Tensor dout, Tensor x, Tensor bias, Tensor dx, Tensor dbias, long rows, long cols,
                                 Activation activation) {
        DType t = activation(x, rows * cols, "bias_gelu_backward", "x");
        dev(dout, t, rows * cols, "bias_gelu_backward", "dout");
        optionalF32(bias, cols, "bias_gelu_backward", "bias");
        optionalF32(dx, rows * cols, "bias_gelu_backward", "dx");
        optionalF32(dbias, cols, "bias_gelu_backward", "dbias");
        if (t == DType.BF16) {
            CudaNative.biasGeluBackwardBf16(dout.data(), x.data(), segment(bias), segment(dx), segment(dbias), rows,
                    cols, activation.code(), stream);
        } else {
            CudaNative.biasGeluBackward(dout.data(), x.data(), segment(bias), segment(dx), segment(dbias), rows, cols,
                    activation.code(), stream);
        }
    }

    // ---- (residual +) LayerNorm -------------------------------------------------------------------------------

    @Override
    public void layerNormForward(Tensor x, Tensor residual, Tensor gamma, Tensor beta, Tensor out, Tensor sum,
                                 Tensor mean, Tensor rstd, long rows, long cols, float eps) {
        DType t = activation(x, rows * cols, "layer_norm", "x");
        optionalF32(residual, rows * cols, "layer_norm", "residual");
        f32(gamma, cols, "layer_norm", "gamma");
        f32(beta, cols, "layer_norm", "beta");
        f32(out, rows * cols, "layer_norm", "out");
        optionalF32(sum, rows * cols, "layer_norm", "sum");
        f32(mean, rows, "layer_norm", "mean");
        f32(rstd, rows, "layer_norm", "rstd");
        if (t == DType.BF16) {
            CudaNative.layerNormForwardBf16(x.data(), segment(residual), gamma.data(), beta.data(), out.data(),
                    MemorySegment.NULL, segment(sum), mean.data(), rstd.data(), rows, cols, eps, stream);
        } else {
            CudaNative.layerNormForward(x.data(), segment(residual), gamma.data(), beta.data(), out.data(),
                    segment(sum), mean.data(), rstd.data(), rows, cols, eps, stream);
        }
    }

    /** LayerNorm whose float output also gets a bf16 copy ({@code outBf16}) for the next bf16 GEMM. */
    public void layerNormForwardWithBf16Copy(Tensor x, Tensor residual, Tensor gamma, Tensor beta, Tensor out,
                                             Tensor outBf16, Tensor sum, Tensor mean, Tensor rstd, long rows,
                                             long cols, float eps) {
        dev(x, DType.BF16, rows * cols, "layer_norm_bf16", "x");
        optionalF32(residual, rows * cols, "layer_norm_bf16", "residual");
        f32(gamma, cols, "layer_norm_bf16", "gamma");
        f32(beta, cols, "layer_norm_bf16", "beta");
        f32(out, rows * cols, "layer_norm_bf16", "out");
        dev(outBf16, DType.BF16, rows * cols, "layer_norm_bf16", "out_bf16");
        optionalF32(sum, rows * cols, "layer_norm_bf16", "sum");
        f32(mean, rows, "layer_norm_bf16", "mean");
        f32(rstd, rows, "layer_norm_bf16", "rstd");
        CudaNative.layerNormForwardBf16(x.data(), segment(residual), gamma.data(), beta.data(), out.data(),
                outBf16.data(), segment(sum), mean.data(), rstd.data(), rows, cols, eps, stream);
    }

    @Override
    public void layerNormBackward(Tensor dout, Tensor input, Tensor mean, Tensor rstd, Tensor gamma, Tensor dinput,
                                  Tensor dgamma, Tensor dbeta, long rows, long cols) {
        f32(dout, rows * cols, "layer_norm_backward", "dout");
        f32(input, rows * cols, "layer_norm_backward", "input");
        f32(mean, rows, "layer_norm_backward", "mean");
        f32(rstd, rows, "layer_norm_backward", "rstd");
        f32(gamma, cols, "layer_norm_backward", "gamma");
        optionalF32(dinput, rows * cols, "layer_norm_backward", "dinput");
        optionalF32(dgamma, cols, "layer_norm_backward", "dgamma");
        optionalF32(dbeta, cols, "layer_norm_backward", "dbeta");
        CudaNative.layerNormBackward(dout.data(), input.data(), mean.data(), rstd.data(), gamma.data(),
                segment(dinput), segment(dgamma), segment(dbeta), rows, cols, stream);
    }

    // ---- embeddings -------------------------------------------------------------------------------------------

    @Override
    public void embeddingForward(Tensor ids, Tensor table, Tensor out, long n, long vocab, long dim) {
        dev(ids, DType.I32, n, "embedding", "ids");
        f32(table, vocab * dim, "embedding", "table");
        f32(out, n * dim, "embedding", "out");
        CudaNative.embeddingForward(ids.data(), table.data(), out.data(), n, vocab, dim, stream);
    }

    @Override
    public void embeddingBackward(Tensor ids, Tensor dout, Tensor dtable, long n, long vocab, long dim, int paddingIdx) {
        dev(ids, DType.I32, n, "embedding_backward", "ids");
        f32(dout, n * dim, "embedding_backward", "dout");
        f32(dtable, vocab * dim, "embedding_backward", "dtable");
        CudaNative.embeddingBackward(ids.data(), dout.data(), dtable.data(), n, vocab, dim, paddingIdx, stream);
    }

    @Override
    public void embeddingLayerNormForward(Tensor wordIds, Tensor typeIds, Tensor wordTable, Tensor posTable,
                                          Tensor typeTable, Tensor gamma, Tensor beta, Tensor out, Tensor sum,
                                          Tensor mean, Tensor rstd, long batch, long seq, long dim, float eps) {
        long tokens = batch * seq;
        dev(wordIds, DType.I32, tokens, "embedding_layer_norm", "word_ids");
        dev(typeIds, DType.I32, tokens, "embedding_layer_norm", "type_ids");
        f32(wordTable, dim, "embedding_layer_norm", "word_table");
        f32(posTable, seq * dim, "embedding_layer_norm", "pos_table");
        f32(typeTable, dim, "embedding_layer_norm", "type_table");
        f32(gamma, dim, "embedding_layer_norm", "gamma");
        f32(beta, dim, "embedding_layer_norm", "beta");
        f32(out, tokens * dim, "embedding_layer_norm", "out");
        f32(sum, tokens * dim, "embedding_layer_norm", "sum");
        f32(mean, tokens, "embedding_layer_norm", "mean");
        f32(rstd, tokens, "embedding_layer_norm", "rstd");
        CudaNative.embeddingLayerNormForward(wordIds.data(), typeIds.data(), wordTable.data(), posTable.data(),
                typeTable.data(), gamma.data(), beta.data(), out.data(), sum.data(), mean.data(), rstd.data(), batch,
                seq, dim, eps, stream);
    }

    @Override
    public void embeddingLayerNormBackward(Tensor dout, Tensor wordIds, Tensor typeIds, Tensor sum, Tensor mean,
                                           Tensor rstd, Tensor gamma, Tensor dwordTable, Tensor dposTable,
                                           Tensor dtypeTable, Tensor dgamma, Tensor dbeta, long batch, long seq,
                                           long dim, int paddingIdx) {
        long tokens = batch * seq;
        f32(dout, tokens * dim, "embedding_layer_norm_backward", "dout");
        dev(wordIds, DType.I32, tokens, "embedding_layer_norm_backward", "word_ids");
        dev(typeIds, DType.I32, tokens, "embedding_layer_norm_backward", "type_ids");
        f32(sum, tokens * dim, "embedding_layer_norm_backward", "sum");
        f32(mean, tokens, "embedding_layer_norm_backward", "mean");
        f32(rstd, tokens, "embedding_layer_norm_backward", "rstd");
        f32(gamma, dim, "embedding_layer_norm_backward", "gamma");
        optionalF32(dwordTable, dim, "embedding_layer_norm_backward", "dword_table");
        optionalF32(dposTable, seq * dim, "embedding_layer_norm_backward", "dpos_table");
        optionalF32(dtypeTable, dim, "embedding_layer_norm_backward", "dtype_table");
        optionalF32(dgamma, dim, "embedding_layer_norm_backward", "dgamma");
        optionalF32(dbeta, dim, "embedding_layer_norm_backward", "dbeta");
        CudaNative.embeddingLayerNormBackward(dout.data(), wordIds.data(), typeIds.data(), sum.data(), mean.data(),
                rstd.data(), gamma.data(), segment(dwordTable), segment(dposTable), segment(dtypeTable),
                segment(dgamma), segment(dbeta), batch, seq, dim, paddingIdx, stream);
    }

    // ---- fused attention --------------------------------------------------------------------------------------

    @Override
    public void attentionForward(Tensor q, Tensor k, Tensor v, Tensor maskAdd, Tensor out, Tensor lse, long batch,
                                 long seq, long heads, long headDim, long qkvStride, float scale, float dropoutP,
                                 long seed) {
        long hidden = heads * headDim;
        long qkvElements = (batch * seq - 1) * qkvStride + hidden;
        DType t = activation(q, qkvElements, "attention", "q");
        dev(k, t, qkvElements, "attention", "k");
        dev(v, t, qkvElements, "attention", "v");
        optionalF32(maskAdd, batch * seq, "attention", "mask");
        dev(out, t, batch * seq * hidden, "attention", "out");
        f32(lse, batch * heads * seq, "attention", "lse");
        if (t == DType.BF16) {
            CudaNative.attentionForwardBf16(q.data(), k.data(), v.data(), segment(maskAdd), out.data(), lse.data(),
                    batch, seq, heads, headDim, qkvStride, scale, dropoutP, seed, stream);
        } else {
            CudaNative.attentionForward(q.data(), k.data(), v.data(), segment(maskAdd), out.data(), lse.data(), batch,
                    seq, heads, headDim, qkvStride, scale, dropoutP, seed, stream);
        }
    }

    @Override
    public void attentionBackward(Tensor q, Tensor k, Tensor v, Tensor maskAdd, Tensor out, Tensor lse, Tensor dout,
                                  Tensor dq, Tensor dk, Tensor dv, long batch, long seq, long heads, long headDim,
                                  long qkvStride, float scale, float dropoutP, long seed) {
        long hidden = heads * headDim;
        long qkvElements = (batch * seq - 1) * qkvStride + hidden;
        DType t = activation(q, qkvElements, "attention_backward", "q");
        dev(k, t, qkvElements, "attention_backward", "k");
        dev(v, t, qkvElements, "attention_backward", "v");
        optionalF32(maskAdd, batch * seq, "attention_backward", "mask");
        dev(out, t, batch * seq * hidden, "attention_backward", "out");
        f32(lse, batch * heads * seq, "attention_backward", "lse");
        dev(dout, t, batch * seq * hidden, "attention_backward", "dout");
        f32(dq, qkvElements, "attention_backward", "dq");
        f32(dk, qkvElements, "attention_backward", "dk");
        f32(dv, qkvElements, "attention_backward", "dv");
        if (t == DType.BF16) {
            CudaNative.attentionBackwardBf16(q.data(), k.data(), v.data(), segment(maskAdd), out.data(), lse.data(),
                    dout.data(), dq.data(), dk.data(), dv.data(), batch, seq, heads, headDim, qkvStride, scale,
                    dropoutP, seed, stream);
        } else {
            CudaNative.attentionBackward(q.data(), k.data(), v.data(), segment(maskAdd), out.data(), lse.data(),
                    dout.data(), dq.data(), dk.data(), dv.data(), batch, seq, heads, headDim, qkvStride, scale,
                    dropoutP, seed, stream);
        }
    }

    // ---- softmax cross-entropy --------------------------------------------------------------------------------

    @Override
    public void softmaxXentForward(Tensor logits, Tensor labels, Tensor loss, Tensor lse, long n, long classes,
                                   int ignoreIndex) {
        DType t = activation(logits, n * classes, "softmax_xent", "logits");
        dev(labels, DType.I32, n, "softmax_xent", "labels");
        f32(loss, 1, "softmax_xent", "loss");
        f32(lse, n, "softmax_xent", "lse");
        if (t == DType.BF16) {
            CudaNative.softmaxXentForwardBf16(logits.data(), labels.data(), loss.data(), lse.data(), n, classes,
                    ignoreIndex, stream);
        } else {
            CudaNative.softmaxXentForward(logits.data(), labels.data(), loss.data(), lse.data(), n, classes,
                    ignoreIndex, stream);
        }
    }

    @Override
    public void softmaxXentBackward(Tensor dloss, Tensor logits, Tensor labels, Tensor lse, Tensor dlogits, long n,
                                    long classes, int ignoreIndex) {
        f32(dloss, 1, "softmax_xent_backward", "dloss");
        DType t = activation(logits, n * classes, "softmax_xent_backward", "logits");
        dev(labels, DType.I32, n, "softmax_xent_backward", "labels");
        f32(lse, n, "softmax_xent_backward", "lse");
        f32(dlogits, n * classes, "softmax_xent_backward", "dlogits");
        if (t == DType.BF16) {
            CudaNative.softmaxXentBackwardBf16(dloss.data(), logits.data(), labels.data(), lse.data(), dlogits.data(),
                    n, classes, ignoreIndex, stream);
        } else {
            CudaNative.softmaxXentBackward(dloss.data(), logits.data(), labels.data(), lse.data(), dlogits.data(), n,
                    classes, ignoreIndex, stream);
        }
    }

    // ---- dropout ----------------------------------------------------------------------------------------------

    @Override
    public void dropoutForward(Tensor x, Tensor out, float p, long seed, long offset) {
        DType t = activation(x, out.numel(), "dropout", "x");
        dev(out, t, x.numel(), "dropout", "out");
        if (t == DType.BF16) {
            CudaNative.dropoutForwardBf16(x.data(), out.data(), x.numel(), p, seed, offset, stream);
        } else {
            CudaNative.dropoutForward(x.data(), out.data(), x.numel(), p, seed, offset, stream);
        }
    }

    @Override
    public void dropoutBackward(Tensor dout, Tensor dx, float p, long seed, long offset) {
        f32(dout, dx.numel(), "dropout_backward", "dout");
        f32(dx, dout.numel(), "dropout_backward", "dx");
        CudaNative.dropoutBackward(dout.data(), dx.data(), dx.numel(), p, seed, offset, stream);
    }

    // ---- reductions -------------------------------------------------------------------------------------------

    @Override
    public void sumForward(Tensor x, Tensor out) {
        f32(x, x.numel(), "sum", "x");
        f32(out, 1, "sum", "out");
        CudaNative.sumForward(x.data(), out.data(), x.numel(), stream);
    }

    @Override
    public void sumBackward(Tensor dout, Tensor dx, float scale) {
        f32(dout, 1, "sum_backward", "dout");
        f32(dx, dx.numel(), "sum_backward", "dx");
        CudaNative.sumBackward(dout.data(), dx.data(), dx.numel(), scale, stream);
    }

    @Override
    public void sumSquares(Tensor x, Tensor out) {
        f32(x, x.numel(), "sum_squares", "x");
        f32(out, 1, "sum_squares", "out");
        CudaNative.sumSquares(x.data(), out.data(), x.numel(), stream);
    }

    // ---- optimizers -------------------------------------------------------------------------------------------

    @Override
    public void adamwUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                            float eps, float weightDecay, float gradScale) {
        long n = param.numel();
        f32(param, n, "adamw_update", "param");
        f32(grad, n, "adamw_update", "grad");
        f32(m, n, "adamw_update", "m");
        f32(v, n, "adamw_update", "v");
        CudaNative.adamwUpdate(param.data(), grad.data(), m.data(), v.data(), n, lr, beta1, beta2, eps, weightDecay,
                gradScale, stream);
    }

    @Override
    public float lambUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                            float eps, float weightDecay, boolean useTrustRatio, float gradScale) {
        return lambUpdateMulti(List.of(param), List.of(grad), List.of(m), List.of(v), lr, beta1, beta2, eps,
                new float[] {weightDecay}, new boolean[] {useTrustRatio}, gradScale)[0];
    }

    /**
     * One fused LAMB step over many tensors (a4j_lamb_update_multi); returns the trust ratio applied to each.
     * Waits for the stream to read the ratios back.
     */
    public float[] lambUpdateMulti(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v, float lr,
                                   float beta1, float beta2, float eps, float[] weightDecay, boolean[] useTrustRatio,
                                   float gradScale) {
        int count = params.size();
        checkOptimizerLists("lamb_update_multi", params, grads, m, v, weightDecay.length);
        if (useTrustRatio.length != count) {
            throw new IllegalArgumentException("lamb_update_multi: " + useTrustRatio.length + " trust-ratio flags for "
                    + count + " tensors");
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment[] arrays = pointerArrays(scratch, params, grads, m, v);
            MemorySegment decay = scratch.allocateFrom(ValueLayout.JAVA_FLOAT, weightDecay);
            int[] flags = new int[count];
            for (int i = 0; i < count; i++) {
                flags[i] = useTrustRatio[i] ? 1 : 0;
            }
            MemorySegment flagSegment = scratch.allocateFrom(ValueLayout.JAVA_INT, flags);
            synchronized (staging) {
                if (count * 4L > STAGING_BYTES) {
                    throw new IllegalArgumentException("lamb_update_multi: too many tensors (" + count + ")");
                }
                CudaNative.lambUpdateMulti(count, arrays[0], arrays[1], arrays[2], arrays[3], arrays[4], lr, beta1,
                        beta2, eps, decay, flagSegment, gradScale, staging, stream);
                synchronize();
                return staging.asSlice(0, count * 4L).toArray(ValueLayout.JAVA_FLOAT);
            }
        }
    }

    /** One fused AdamW step over many tensors (a4j_adamw_update_multi); does not wait. */
    public void adamwUpdateMulti(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v, float lr,
                                 float beta1, float beta2, float eps, float[] weightDecay, float gradScale) {
        checkOptimizerLists("adamw_update_multi", params, grads, m, v, weightDecay.length);
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment[] arrays = pointerArrays(scratch, params, grads, m, v);
            MemorySegment decay = scratch.allocateFrom(ValueLayout.JAVA_FLOAT, weightDecay);
            CudaNative.adamwUpdateMulti(params.size(), arrays[0], arrays[1], arrays[2], arrays[3], arrays[4], lr,
                    beta1, beta2, eps, decay, gradScale, stream);
        }
    }

    private void checkOptimizerLists(String kernel, List<Tensor> params, List<Tensor> grads, List<Tensor> m,
                                     List<Tensor> v, int decays) {
        int count = params.size();
        if (grads.size() != count || m.size() != count || v.size() != count || decays != count) {
            throw new IllegalArgumentException(kernel + ": lists differ in length (params " + count + ", grads "
                    + grads.size() + ", m " + m.size() + ", v " + v.size() + ", weight decays " + decays + ")");
        }
        for (int i = 0; i < count; i++) {
            long n = params.get(i).numel();
            f32(params.get(i), n, kernel, "params[" + i + "]");
            f32(grads.get(i), n, kernel, "grads[" + i + "]");
            f32(m.get(i), n, kernel, "m[" + i + "]");
            f32(v.get(i), n, kernel, "v[" + i + "]");
        }
    }

    /** Host arrays of device pointers (params, grads, m, v) and sizes, read by the native call before it returns. */
    private static MemorySegment[] pointerArrays(Arena scratch, List<Tensor> params, List<Tensor> grads,
                                                 List<Tensor> m, List<Tensor> v) {
        int count = params.size();
        MemorySegment[] out = new MemorySegment[5];
        List<List<Tensor>> lists = List.of(params, grads, m, v);
        for (int a = 0; a < 4; a++) {
            out[a] = scratch.allocate(ValueLayout.ADDRESS, Math.max(1, count));
            for (int i = 0; i < count; i++) {
                out[a].setAtIndex(ValueLayout.ADDRESS, i, lists.get(a).get(i).data());
            }
        }
        out[4] = scratch.allocate(ValueLayout.JAVA_LONG, Math.max(1, count));
        for (int i = 0; i < count; i++) {
            out[4].setAtIndex(ValueLayout.JAVA_LONG, i, params.get(i).numel());
        }
        return out;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            synchronize();
        } finally {
            cublas.close();
            CudaNative.cudaStreamDestroy(stream);
            CudaNative.cudaHostFree(staging);
            arena.close();
        }
    }

    /** The library's last error message (for diagnostics). */
    public static String lastError() {
        return CudaLibrary.lastError();
    }

    // ---- memory-safety guards ---------------------------------------------------------------------------------

    private static MemorySegment segment(Tensor optional) {
        return optional == null ? MemorySegment.NULL : optional.data();
    }

    private void optionalF32(Tensor t, long elements, String kernel, String argument) {
        if (t != null) {
            f32(t, elements, kernel, argument);
        }
    }

    private void f32(Tensor t, long elements, String kernel, String argument) {
        dev(t, DType.F32, elements, kernel, argument);
    }

    /** Activations may be F32 or BF16: returns which, after checking the tensor like {@link #dev}. */
    private DType activation(Tensor t, long elements, String kernel, String argument) {
        if (t == null) {
            throw new NullPointerException(kernel + ": argument '" + argument + "' is null");
        }
        DType dtype = t.dtype() == DType.BF16 ? DType.BF16 : DType.F32;
        dev(t, dtype, elements, kernel, argument);
        return dtype;
    }

    private void dev(Tensor t, DType dtype, long elements, String kernel, String argument) {
        if (t == null) {
            throw new NullPointerException(kernel + ": argument '" + argument + "' is null");
        }
        if (!t.device().equals(device)) {
            throw new IllegalArgumentException(kernel + ": argument '" + argument + "' " + t.describe()
                    + " is not on " + device);
        }
        if (t.dtype() != dtype) {
            throw new IllegalArgumentException(kernel + ": argument '" + argument + "' must be " + dtype + ", got "
                    + t.describe());
        }
        alive(t, kernel, argument);
        if (elements > 0 && t.data().byteSize() < elements * dtype.byteSize()) {
            throw new IllegalArgumentException(kernel + ": argument '" + argument + "' " + t.describe() + " holds "
                    + t.data().byteSize() / dtype.byteSize() + " elements, the kernel reads " + elements);
        }
        if (closed) {
            throw new IllegalStateException(kernel + ": the CUDA backend of " + device + " is closed");
        }
    }

    private static void alive(Tensor t, String kernel, String argument) {
        if (t == null) {
            throw new NullPointerException(kernel + ": argument '" + argument + "' is null");
        }
        if (!t.isAlive()) {
            throw new IllegalStateException(kernel + ": argument '" + argument + "' " + t.describe()
                    + " was freed (its arena was reset or closed)");
        }
    }

    private void requireHere(Tensor t, boolean host, String kernel, String argument) {
        if (!host && !t.device().equals(device)) {
            throw new IllegalArgumentException(kernel + ": argument '" + argument + "' " + t.describe()
                    + " is on another device than " + device);
        }
    }
}
