package io.albert4j.backend.cpu;

import io.albert4j.backend.Activation;
import io.albert4j.backend.Backend;
import io.albert4j.backend.cpu.internal.AttentionNative;
import io.albert4j.backend.cpu.internal.DropoutNative;
import io.albert4j.backend.cpu.internal.ElementwiseNative;
import io.albert4j.backend.cpu.internal.EmbeddingNative;
import io.albert4j.backend.cpu.internal.GeluNative;
import io.albert4j.backend.cpu.internal.GemmNative;
import io.albert4j.backend.cpu.internal.LayerNormNative;
import io.albert4j.backend.cpu.internal.OptimizerNative;
import io.albert4j.backend.cpu.internal.ReduceNative;
import io.albert4j.backend.cpu.internal.RuntimeNative;
import io.albert4j.backend.cpu.internal.SoftmaxXentNative;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Device;
import io.albert4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The embedded default backend: kernels of libalbert4j_cpu.so (C++17, OpenMP, AVX2 with AVX-512 paths).
 *
 * <p>Every method checks that each tensor it passes is alive, on the host, of the expected dtype and holds at
 * least the elements the kernel will touch; that is what keeps a wrong size from becoming a native out-of-bounds
 * access. Shape semantics are checked one level up, in {@code io.albert4j.ops}.
 */
public final class CpuBackend implements Backend {

    public CpuBackend() {
        String threads = System.getProperty("albert4j.threads", System.getenv("ALBERT4J_THREADS"));
        if (threads != null && !threads.isBlank()) {
            setNumThreads(Integer.parseInt(threads.trim()));
        }
    }

    /** Threads the kernels use (OpenMP); {@code <= 0} means all cores. */
    public void setNumThreads(int threads) {
        RuntimeNative.setNumThreads(threads);
    }

    public int numThreads() {
        return RuntimeNative.numThreads();
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    /**
     * Which micro-kernels the hand-written kernels (GEMM, attention) run: "AVX-512" or "AVX2". The best the CPU has,
     * unless the environment variable {@code ALBERT4J_ISA=avx2} forces the AVX2 path.
     */
    public String instructionSet() {
        return RuntimeNative.isa() == 2 ? "AVX-512" : "AVX2";
    }

    /**
     * Opt-in bf16 GEMMs: every matrix product rounds its operands to bf16 and accumulates in fp32 (AVX512_BF16's
     * vdpbf16ps, twice the products per instruction); weights, activations and the optimizer stay fp32.
     * Process-wide, like the thread count.
     *
     * @throws io.albert4j.backend.NativeKernelException where the CPU has no AVX512_BF16 (or ALBERT4J_ISA=avx2)
     */
    public void setBf16Matmul(boolean enable) {
        GemmNative.setBf16(enable);
    }

    public boolean bf16Matmul() {
        return GemmNative.bf16();
    }

    @Override
    public String description() {
        return "cpu (" + instructionSet() + (bf16Matmul() ? ", bf16 GEMM" : "") + ", " + numThreads() + " threads)";
    }

    @Override
    public MemorySegment allocate(long bytes, Arena lifetime) {
        return lifetime.allocate(Math.max(1, bytes), 64);
    }

    @Override
    public void zero(MemorySegment segment, long bytes) {
        segment.asSlice(0, bytes).fill((byte) 0);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        host(src, src.dtype(), src.numel(), "copy", "src");
        host(dst, src.dtype(), src.numel(), "copy", "dst");
        if (src.numel() != dst.numel()) {
            throw new IllegalArgumentException("copy: " + src.describe() + " into " + dst.describe());
        }
        MemorySegment.copy(src.data(), 0, dst.data(), 0, src.byteSize());
    }

    @Override
    public void synchronize() {
    }

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
        if (k > 0) {
            f32(a, (batch - 1) * strideA + (aRows - 1) * lda + aCols, "gemm", "a");
            f32(b, (batch - 1) * strideB + (bRows - 1) * ldb + bCols, "gemm", "b");
        }
        f32(c, (batch - 1) * strideC + (m - 1) * ldc + n, "gemm", "c");
        GemmNative.gemm(transA, transB, m, n, k, alpha, a.data(), lda, strideA, b.data(), ldb, strideB, beta, c.data(),
                ldc, strideC, batch);
    }

    @Override
    public long packedGemmBBytes(long k, long n) {
        if (k < 0 || n < 0) {
            throw new IllegalArgumentException("packedGemmBBytes: negative size " + k + " x " + n);
        }
        return GemmNative.packedBBytes(k, n);
    }

    @Override
    public void packGemmB(boolean transB, long k, long n, Tensor b, long ldb, Tensor packed) {
        long bRows = transB ? n : k, bCols = transB ? k : n;
        if (ldb < bCols) {
            throw new IllegalArgumentException("packGemmB: ldb " + ldb + " < " + bCols);
        }
        if (k > 0 && n > 0) {
            f32(b, (bRows - 1) * ldb + bCols, "packGemmB", "b");
        }
        f32(packed, (packedGemmBBytes(k, n) + 3) / 4, "packGemmB", "packed");
        GemmNative.packB(transB, k, n, b.data(), ldb, packed.data(), packed.byteSize());
    }

    @Override
    public void gemmPackedB(boolean transA, long m, long n, long k, float alpha, Tensor a, long lda, Tensor packedB,
                            float beta, Tensor c, long ldc) {
        if (m <= 0 || n <= 0) {
            return;
        }
        long aRows = transA ? k : m, aCols = transA ? m : k;
        if (lda < aCols || ldc < n) {
            throw new IllegalArgumentException("gemmPackedB: leading dimension too small (lda " + lda + " < " + aCols
                    + " or ldc " + ldc + " < " + n + ")");
        }
        if (k > 0) {
            f32(a, (aRows - 1) * lda + aCols, "gemmPackedB", "a");
        }
        // The native side checks the header (k, n, kernel path) before it reads past it.
        f32(packedB, (packedGemmBBytes(k, n) + 3) / 4, "gemmPackedB", "packedB");
        f32(c, (m - 1) * ldc + n, "gemmPackedB", "c");
        GemmNative.gemmPackedB(transA, m, n, k, alpha, a.data(), lda, packedB.data(), beta, c.data(), ldc);
    }

    @Override
    public void gemmBiasActivation(boolean transA, boolean transB, long m, long n, long k, float alpha, Tensor a,
                                   long lda, Tensor b, long ldb, Tensor packedB, float beta, Tensor c, long ldc,
                                   Tensor bias, Activation activation, Tensor activationOut) {
        if (m <= 0 || n <= 0) {
            return;
        }
        long aRows = transA ? k : m, aCols = transA ? m : k;
        long bRows = transB ? n : k, bCols = transB ? k : n;
        if (lda < aCols || ldc < n || (packedB == null && ldb < bCols)) {
            throw new IllegalArgumentException("gemmBiasActivation: leading dimension too small (lda " + lda + " < "
                    + aCols + ", ldb " + ldb + " < " + bCols + " or ldc " + ldc + " < " + n + ")");
        }
        if (k > 0) {
            f32(a, (aRows - 1) * lda + aCols, "gemmBiasActivation", "a");
            if (packedB == null) {
                f32(b, (bRows - 1) * ldb + bCols, "gemmBiasActivation", "b");
            }
        }
        if (packedB != null) {
            // The native side checks the header (k, n, kernel path) before it reads past it.
            f32(packedB, (packedGemmBBytes(k, n) + 3) / 4, "gemmBiasActivation", "packedB");
        }
        f32(c, (m - 1) * ldc + n, "gemmBiasActivation", "c");
        optionalF32(bias, n, "gemmBiasActivation", "bias");
        optionalF32(activationOut, m * n, "gemmBiasActivation", "activationOut");
        GemmNative.gemmBiasActivation(transA, transB, m, n, k, alpha, a.data(), lda,
                packedB == null ? b.data() : MemorySegment.NULL, ldb, segment(packedB), beta, c.data(), ldc,
                segment(bias), activation.code(), segment(activationOut), n);
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        f32(x, y.numel(), "axpy", "x");
        f32(y, x.numel(), "axpy", "y");
        ElementwiseNative.axpy(alpha, x.data(), y.data(), x.numel());
    }

    @Override
    public void scale(float alpha, Tensor x) {
        f32(x, x.numel(), "scale", "x");
        ElementwiseNative.scale(alpha, x.data(), x.numel());
    }

    @Override
    public void fill(float value, Tensor x) {
        f32(x, x.numel(), "fill", "x");
        ElementwiseNative.fill(value, x.data(), x.numel());
    }

    @Override
    public void biasAddForward(Tensor x, Tensor bias, Tensor out, long rows, long cols) {
        f32(x, rows * cols, "bias_add", "x");
        f32(bias, cols, "bias_add", "bias");
        f32(out, rows * cols, "bias_add", "out");
        ElementwiseNative.biasAddForward(x.data(), bias.data(), out.data(), rows, cols);
    }

    @Override
    public void biasAddBackward(Tensor dout, Tensor dbias, long rows, long cols) {
        f32(dout, rows * cols, "bias_add_backward", "dout");
        f32(dbias, cols, "bias_add_backward", "dbias");
        ElementwiseNative.biasAddBackward(dout.data(), dbias.data(), rows, cols);
    }

    @Override
    public void tanhForward(Tensor x, Tensor out) {
        f32(x, out.numel(), "tanh", "x");
        f32(out, x.numel(), "tanh", "out");
        ElementwiseNative.tanhForward(x.data(), out.data(), x.numel());
    }

    @Override
    public void tanhBackward(Tensor dout, Tensor out, Tensor dx) {
        long n = dx.numel();
        f32(dout, n, "tanh_backward", "dout");
        f32(out, n, "tanh_backward", "out");
        f32(dx, n, "tanh_backward", "dx");
        ElementwiseNative.tanhBackward(dout.data(), out.data(), dx.data(), n);
    }

    @Override
    public void castF32ToBf16(Tensor x, Tensor out) {
        f32(x, out.numel(), "cast_f32_to_bf16", "x");
        host(out, DType.BF16, x.numel(), "cast_f32_to_bf16", "out");
        ElementwiseNative.castF32ToBf16(x.data(), out.data(), x.numel());
    }

    @Override
    public void castBf16ToF32(Tensor x, Tensor out) {
        host(x, DType.BF16, out.numel(), "cast_bf16_to_f32", "x");
        f32(out, x.numel(), "cast_bf16_to_f32", "out");
        ElementwiseNative.castBf16ToF32(x.data(), out.data(), x.numel());
    }

    @Override
    public void biasGeluForward(Tensor x, Tensor bias, Tensor out, long rows, long cols, Activation activation) {
        f32(x, rows * cols, "bias_gelu", "x");
        optionalF32(bias, cols, "bias_gelu", "bias");
        f32(out, rows * cols, "bias_gelu", "out");
        GeluNative.biasGeluForward(x.data(), segment(bias), out.data(), rows, cols, activation.code());
    }

    @Override
    public void biasGeluBackward(Tensor dout, Tensor x, Tensor bias, Tensor dx, Tensor dbias, long rows, long cols,
                                 Activation activation) {
        f32(dout, rows * cols, "bias_gelu_backward", "dout");
        f32(x, rows * cols, "bias_gelu_backward", "x");
        optionalF32(bias, cols, "bias_gelu_backward", "bias");
        optionalF32(dx, rows * cols, "bias_gelu_backward", "dx");
        optionalF32(dbias, cols, "bias_gelu_backward", "dbias");
        GeluNative.biasGeluBackward(dout.data(), x.data(), segment(bias), segment(dx), segment(dbias), rows, cols,
                activation.code());
    }

    @Override
    public void layerNormForward(Tensor x, Tensor residual, Tensor gamma, Tensor beta, Tensor out, Tensor sum,
                                 Tensor mean, Tensor rstd, long rows, long cols, float eps) {
        f32(x, rows * cols, "layer_norm", "x");
        optionalF32(residual, rows * cols, "layer_norm", "residual");
        f32(gamma, cols, "layer_norm", "gamma");
        f32(beta, cols, "layer_norm", "beta");
        f32(out, rows * cols, "layer_norm", "out");
        optionalF32(sum, rows * cols, "layer_norm", "sum");
        f32(mean, rows, "layer_norm", "mean");
        f32(rstd, rows, "layer_norm", "rstd");
        LayerNormNative.forward(x.data(), segment(residual), gamma.data(), beta.data(), out.data(), segment(sum),
                mean.data(), rstd.data(), rows, cols, eps);
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
        LayerNormNative.backward(dout.data(), input.data(), mean.data(), rstd.data(), gamma.data(), segment(dinput),
                segment(dgamma), segment(dbeta), rows, cols);
    }

    @Override
    public void embeddingForward(Tensor ids, Tensor table, Tensor out, long n, long vocab, long dim) {
        host(ids, DType.I32, n, "embedding", "ids");
        f32(table, vocab * dim, "embedding", "table");
        f32(out, n * dim, "embedding", "out");
        EmbeddingNative.forward(ids.data(), table.data(), out.data(), n, vocab, dim);
    }

    @Override
    public void embeddingBackward(Tensor ids, Tensor dout, Tensor dtable, long n, long vocab, long dim, int paddingIdx) {
        host(ids, DType.I32, n, "embedding_backward", "ids");
        f32(dout, n * dim, "embedding_backward", "dout");
        f32(dtable, vocab * dim, "embedding_backward", "dtable");
        EmbeddingNative.backward(ids.data(), dout.data(), dtable.data(), n, vocab, dim, paddingIdx);
    }

    @Override
    public void embeddingLayerNormForward(Tensor wordIds, Tensor typeIds, Tensor wordTable, Tensor posTable,
                                          Tensor typeTable, Tensor gamma, Tensor beta, Tensor out, Tensor sum,
                                          Tensor mean, Tensor rstd, long batch, long seq, long dim, float eps) {
        long tokens = batch * seq;
        host(wordIds, DType.I32, tokens, "embedding_layer_norm", "word_ids");
        host(typeIds, DType.I32, tokens, "embedding_layer_norm", "type_ids");
        f32(wordTable, dim, "embedding_layer_norm", "word_table");
        f32(posTable, seq * dim, "embedding_layer_norm", "pos_table");
        f32(typeTable, dim, "embedding_layer_norm", "type_table");
        f32(gamma, dim, "embedding_layer_norm", "gamma");
        f32(beta, dim, "embedding_layer_norm", "beta");
        f32(out, tokens * dim, "embedding_layer_norm", "out");
        f32(sum, tokens * dim, "embedding_layer_norm", "sum");
        f32(mean, tokens, "embedding_layer_norm", "mean");
        f32(rstd, tokens, "embedding_layer_norm", "rstd");
        EmbeddingNative.layerNormForward(wordIds.data(), typeIds.data(), wordTable.data(), posTable.data(),
                typeTable.data(), gamma.data(), beta.data(), out.data(), sum.data(), mean.data(), rstd.data(), batch,
                seq, dim, eps);
    }

    @Override
    public void embeddingLayerNormBackward(Tensor dout, Tensor wordIds, Tensor typeIds, Tensor sum, Tensor mean,
                                           Tensor rstd, Tensor gamma, Tensor dwordTable, Tensor dposTable,
                                           Tensor dtypeTable, Tensor dgamma, Tensor dbeta, long batch, long seq,
                                           long dim, int paddingIdx) {
        long tokens = batch * seq;
        f32(dout, tokens * dim, "embedding_layer_norm_backward", "dout");
        host(wordIds, DType.I32, tokens, "embedding_layer_norm_backward", "word_ids");
        host(typeIds, DType.I32, tokens, "embedding_layer_norm_backward", "type_ids");
        f32(sum, tokens * dim, "embedding_layer_norm_backward", "sum");
        f32(mean, tokens, "embedding_layer_norm_backward", "mean");
        f32(rstd, tokens, "embedding_layer_norm_backward", "rstd");
        f32(gamma, dim, "embedding_layer_norm_backward", "gamma");
        optionalF32(dwordTable, dim, "embedding_layer_norm_backward", "dword_table");
        optionalF32(dposTable, seq * dim, "embedding_layer_norm_backward", "dpos_table");
        optionalF32(dtypeTable, dim, "embedding_layer_norm_backward", "dtype_table");
        optionalF32(dgamma, dim, "embedding_layer_norm_backward", "dgamma");
        optionalF32(dbeta, dim, "embedding_layer_norm_backward", "dbeta");
        EmbeddingNative.layerNormBackward(dout.data(), wordIds.data(), typeIds.data(), sum.data(), mean.data(),
                rstd.data(), gamma.data(), segment(dwordTable), segment(dposTable), segment(dtypeTable),
                segment(dgamma), segment(dbeta), batch, seq, dim, paddingIdx);
    }

    @Override
    public void attentionForward(Tensor q, Tensor k, Tensor v, Tensor maskAdd, Tensor out, Tensor lse, long batch,
                                 long seq, long heads, long headDim, long qkvStride, float scale, float dropoutP,
                                 long seed) {
        long hidden = heads * headDim;
        long qkvElements = (batch * seq - 1) * qkvStride + hidden;
        f32(q, qkvElements, "attention", "q");
        f32(k, qkvElements, "attention", "k");
        f32(v, qkvElements, "attention", "v");
        optionalF32(maskAdd, batch * seq, "attention", "mask");
        f32(out, batch * seq * hidden, "attention", "out");
        f32(lse, batch * heads * seq, "attention", "lse");
        AttentionNative.forward(q.data(), k.data(), v.data(), segment(maskAdd), out.data(), lse.data(), batch, seq,
                heads, headDim, qkvStride, scale, dropoutP, seed);
    }

    @Override
    public void attentionBackward(Tensor q, Tensor k, Tensor v, Tensor maskAdd, Tensor out, Tensor lse, Tensor dout,
                                  Tensor dq, Tensor dk, Tensor dv, long batch, long seq, long heads, long headDim,
                                  long qkvStride, float scale, float dropoutP, long seed) {
        long hidden = heads * headDim;
        long qkvElements = (batch * seq - 1) * qkvStride + hidden;
        f32(q, qkvElements, "attention_backward", "q");
        f32(k, qkvElements, "attention_backward", "k");
        f32(v, qkvElements, "attention_backward", "v");
        optionalF32(maskAdd, batch * seq, "attention_backward", "mask");
        f32(out, batch * seq * hidden, "attention_backward", "out");
        f32(lse, batch * heads * seq, "attention_backward", "lse");
        f32(dout, batch * seq * hidden, "attention_backward", "dout");
        f32(dq, qkvElements, "attention_backward", "dq");
        f32(dk, qkvElements, "attention_backward", "dk");
        f32(dv, qkvElements, "attention_backward", "dv");
        AttentionNative.backward(q.data(), k.data(), v.data(), segment(maskAdd), out.data(), lse.data(), dout.data(),
                dq.data(), dk.data(), dv.data(), batch, seq, heads, headDim, qkvStride, scale, dropoutP, seed);
    }

    @Override
    public void softmaxXentForward(Tensor logits, Tensor labels, Tensor loss, Tensor lse, long n, long classes,
                                   int ignoreIndex) {
        f32(logits, n * classes, "softmax_xent", "logits");
        host(labels, DType.I32, n, "softmax_xent", "labels");
        f32(loss, 1, "softmax_xent", "loss");
        f32(lse, n, "softmax_xent", "lse");
        SoftmaxXentNative.forward(logits.data(), labels.data(), loss.data(), lse.data(), n, classes, ignoreIndex);
    }

    @Override
    public void softmaxXentBackward(Tensor dloss, Tensor logits, Tensor labels, Tensor lse, Tensor dlogits, long n,
                                    long classes, int ignoreIndex) {
        f32(dloss, 1, "softmax_xent_backward", "dloss");
        f32(logits, n * classes, "softmax_xent_backward", "logits");
        host(labels, DType.I32, n, "softmax_xent_backward", "labels");
        f32(lse, n, "softmax_xent_backward", "lse");
        f32(dlogits, n * classes, "softmax_xent_backward", "dlogits");
        SoftmaxXentNative.backward(dloss.data(), logits.data(), labels.data(), lse.data(), dlogits.data(), n, classes,
                ignoreIndex);
    }

    @Override
    public void dropoutForward(Tensor x, Tensor out, float p, long seed, long offset) {
        f32(x, out.numel(), "dropout", "x");
        f32(out, x.numel(), "dropout", "out");
        DropoutNative.forward(x.data(), out.data(), x.numel(), p, seed, offset);
    }

    @Override
    public void dropoutBackward(Tensor dout, Tensor dx, float p, long seed, long offset) {
        f32(dout, dx.numel(), "dropout_backward", "dout");
        f32(dx, dout.numel(), "dropout_backward", "dx");
        DropoutNative.backward(dout.data(), dx.data(), dx.numel(), p, seed, offset);
    }

    @Override
    public void sumForward(Tensor x, Tensor out) {
        f32(x, x.numel(), "sum", "x");
        f32(out, 1, "sum", "out");
        ReduceNative.sumForward(x.data(), out.data(), x.numel());
    }

    @Override
    public void sumBackward(Tensor dout, Tensor dx, float scale) {
        f32(dout, 1, "sum_backward", "dout");
        f32(dx, dx.numel(), "sum_backward", "dx");
        ReduceNative.sumBackward(dout.data(), dx.data(), dx.numel(), scale);
    }

    @Override
    public void sumSquares(Tensor x, Tensor out) {
        f32(x, x.numel(), "sum_squares", "x");
        f32(out, 1, "sum_squares", "out");
        ReduceNative.sumSquares(x.data(), out.data(), x.numel());
    }

    @Override
    public void adamwUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                            float eps, float weightDecay, float gradScale) {
        long n = param.numel();
        f32(param, n, "adamw_update", "param");
        f32(grad, n, "adamw_update", "grad");
        f32(m, n, "adamw_update", "m");
        f32(v, n, "adamw_update", "v");
        OptimizerNative.adamw(param.data(), grad.data(), m.data(), v.data(), n, lr, beta1, beta2, eps, weightDecay,
                gradScale);
    }

    @Override
    public float lambUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                            float eps, float weightDecay, boolean useTrustRatio, float gradScale) {
        long n = param.numel();
        f32(param, n, "lamb_update", "param");
        f32(grad, n, "lamb_update", "grad");
        f32(m, n, "lamb_update", "m");
        f32(v, n, "lamb_update", "v");
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment ratio = scratch.allocate(ValueLayout.JAVA_FLOAT);
            OptimizerNative.lamb(param.data(), grad.data(), m.data(), v.data(), n, lr, beta1, beta2, eps, weightDecay,
                    useTrustRatio, gradScale, ratio);
            return ratio.get(ValueLayout.JAVA_FLOAT, 0);
        }
    }

    @Override
    public void close() {
        // The process-wide CPU backend holds no native state of its own.
    }

    // ---- memory-safety guards ---------------------------------------------------------------------------

    private static MemorySegment segment(Tensor optional) {
        return optional == null ? MemorySegment.NULL : optional.data();
    }

    private static void optionalF32(Tensor t, long elements, String kernel, String argument) {
        if (t != null) {
            f32(t, elements, kernel, argument);
        }
    }

    private static void f32(Tensor t, long elements, String kernel, String argument) {
        host(t, DType.F32, elements, kernel, argument);
    }

    private static void host(Tensor t, DType dtype, long elements, String kernel, String argument) {
        if (t == null) {
            throw new NullPointerException(kernel + ": argument '" + argument + "' is null");
        }
        if (!t.device().isCpu()) {
            throw new IllegalArgumentException(kernel + ": argument '" + argument + "' " + t.describe()
                    + " is not on the cpu");
        }
        if (t.dtype() != dtype) {
            throw new IllegalArgumentException(kernel + ": argument '" + argument + "' must be " + dtype + ", got "
                    + t.describe());
        }
        if (!t.isAlive()) {
            throw new IllegalStateException(kernel + ": argument '" + argument + "' " + t.describe()
                    + " was freed (its arena was reset or closed)");
        }
        if (elements > 0 && t.data().byteSize() < elements * dtype.byteSize()) {
            throw new IllegalArgumentException(kernel + ": argument '" + argument + "' " + t.describe() + " holds "
                    + t.data().byteSize() / dtype.byteSize() + " elements, the kernel reads " + elements);
        }
    }
}
