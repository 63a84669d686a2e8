package io.albert4j.backend.internal;

import io.albert4j.backend.Activation;
import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Device;
import io.albert4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * A backend over one of albert4j's native libraries, which both implement the C ABI of
 * {@code cmake/include/albert4j.h}. Each kernel method here is that ABI's argument rules, written once for both
 * libraries: every tensor the kernel touches is alive, on this backend's device, of the dtype the ABI declares, and
 * holds at least the elements the kernel reads or writes (the extents in the header's comments). That is what keeps
 * a wrong size from becoming a native out-of-bounds access; shape semantics are checked one level up, in
 * {@code io.albert4j.ops}. Then it hands the checked arguments to the {@code launch…} method of the same name,
 * which is all a backend writes: its library's downcall, nothing else.
 *
 * <p>Activations may be bf16 where the library has a {@code _bf16} entry point ({@code bf16Activations}, the CUDA
 * library): x of bias+GELU and LayerNorm, q/k/v/out/dout of attention, softmax logits, the dropout forward input, the
 * GEMM operands. Elsewhere they must be F32. The guards are field reads and compares, no allocation: they run
 * before every downcall.
 */
public abstract class NativeBackend implements Backend {
    /** For {@link #idsInRange}: no id outside the range is allowed (an I32 id never equals it). */
    private static final long NO_ID = Long.MIN_VALUE;

    private final Device device;
    private final boolean bf16Activations;
    private boolean closed;

    /**
     * @param device          where every tensor of this backend's kernels must live
     * @param bf16Activations whether the library has the {@code _bf16} kernels (see the class comment)
     */
    protected NativeBackend(Device device, boolean bf16Activations) {
        this.device = device;
        this.bf16Activations = bf16Activations;
    }

    @Override
    public final Device device() {
        return device;
    }

    /** Every later kernel call is refused: the backend's native resources are gone. */
    protected final void markClosed() {
        closed = true;
    }

    // ---- gemm -----------------------------------------------------------------------------------------------

    @Override
    public final void gemm(boolean transA, boolean transB, long m, long n, long k, float alpha, Tensor a, long lda,
                           long strideA, Tensor b, long ldb, long strideB, float beta, Tensor c, long ldc,
                           long strideC, long batch) {
        nonNegative("gemm", "m", m, "n", n, "k", k, "batch", batch);
        nonNegative("gemm", "strideA", strideA, "strideB", strideB, "strideC", strideC);
        if (m == 0 || n == 0 || batch == 0) {
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
        DType abType = activationType(a);
        if (k > 0) {
            tensor(a, abType, extent(batch, strideA, aRows, lda, aCols), "gemm", "a");
            tensor(b, abType, extent(batch, strideB, bRows, ldb, bCols), "gemm", "b");
        }
        tensor(c, activationType(c), extent(batch, strideC, m, ldc, n), "gemm", "c");
        launchGemm(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch);
    }

    /** After {@link #gemm}'s guards; m, n and batch are positive. */
    protected abstract void launchGemm(boolean transA, boolean transB, long m, long n, long k, float alpha, Tensor a,
                                       long lda, long strideA, Tensor b, long ldb, long strideB, float beta, Tensor c,
                                       long ldc, long strideC, long batch);

    @Override
    public final void packGemmB(boolean transB, long k, long n, Tensor b, long ldb, Tensor packed) {
        nonNegative("packGemmB", "k", k, "n", n);
        long bRows = transB ? n : k;
        long bCols = transB ? k : n;
        if (ldb < bCols) {
            throw new IllegalArgumentException("packGemmB: ldb " + ldb + " < " + bCols);
        }
        if (k > 0 && n > 0) {
            f32(b, extent(1, 0, bRows, ldb, bCols), "packGemmB", "b");
        }
        f32(packed, (packedGemmBBytes(k, n) + 3) / 4, "packGemmB", "packed");
        launchPackGemmB(transB, k, n, b, ldb, packed);
    }

    /** After {@link #packGemmB}'s guards; a library without packed operands keeps this default. */
    protected void launchPackGemmB(boolean transB, long k, long n, Tensor b, long ldb, Tensor packed) {
        throw new UnsupportedOperationException(description() + " has no packed GEMM operands");
    }

    @Override
    public final void gemmPackedB(boolean transA, long m, long n, long k, float alpha, Tensor a, long lda,
                                  Tensor packedB, float beta, Tensor c, long ldc) {
        nonNegative("gemmPackedB", "m", m, "n", n, "k", k);
        if (m == 0 || n == 0) {
            return;
        }
        long aRows = transA ? k : m;
        long aCols = transA ? m : k;
        if (lda < aCols || ldc < n) {
            throw new IllegalArgumentException("gemmPackedB: leading dimension too small (lda " + lda + " < " + aCols
                    + " or ldc " + ldc + " < " + n + ")");
        }
        if (k > 0) {
            f32(a, extent(1, 0, aRows, lda, aCols), "gemmPackedB", "a");
        }
        // The native side checks the header (k, n, kernel path) before it reads past it.
        f32(packedB, (packedGemmBBytes(k, n) + 3) / 4, "gemmPackedB", "packedB");
        f32(c, extent(1, 0, m, ldc, n), "gemmPackedB", "c");
        launchGemmPackedB(transA, m, n, k, alpha, a, lda, packedB, beta, c, ldc);
    }

    /** After {@link #gemmPackedB}'s guards; a library without packed operands keeps this default. */
    protected void launchGemmPackedB(boolean transA, long m, long n, long k, float alpha, Tensor a, long lda,
                                     Tensor packedB, float beta, Tensor c, long ldc) {
        throw new UnsupportedOperationException(description() + " has no packed GEMM operands");
    }

    @Override
    public final void gemmBiasActivation(boolean transA, boolean transB, long m, long n, long k, float alpha,
                                         Tensor a, long lda, Tensor b, long ldb, Tensor packedB, float beta,
                                         Tensor c, long ldc, Tensor bias, Activation activation,
                                         Tensor activationOut) {
        nonNegative("gemmBiasActivation", "m", m, "n", n, "k", k);
        if (m == 0 || n == 0) {
            return;
        }
        long aRows = transA ? k : m;
        long aCols = transA ? m : k;
        long bRows = transB ? n : k;
        long bCols = transB ? k : n;
        if (lda < aCols || ldc < n || (packedB == null && ldb < bCols)) {
            throw new IllegalArgumentException("gemmBiasActivation: leading dimension too small (lda " + lda + " < "
                    + aCols + ", ldb " + ldb + " < " + bCols + " or ldc " + ldc + " < " + n + ")");
        }
        if (k > 0) {
            f32(a, extent(1, 0, aRows, lda, aCols), "gemmBiasActivation", "a");
            if (packedB == null) {
                f32(b, extent(1, 0, bRows, ldb, bCols), "gemmBiasActivation", "b");
            }
        }
        if (packedB != null) {
            // The native side checks the header (k, n, kernel path) before it reads past it.
            f32(packedB, (packedGemmBBytes(k, n) + 3) / 4, "gemmBiasActivation", "packedB");
        }
        f32(c, extent(1, 0, m, ldc, n), "gemmBiasActivation", "c");
        optionalF32(bias, n, "gemmBiasActivation", "bias");
        optionalF32(activationOut, times(m, n), "gemmBiasActivation", "activationOut");
        launchGemmBiasActivation(transA, transB, m, n, k, alpha, a, lda, b, ldb, packedB, beta, c, ldc, bias,
                activation, activationOut);
    }

    /**
     * After {@link #gemmBiasActivation}'s guards; m and n are positive. A library without the fused epilogue keeps
     * this default: the GEMM, then the bias and activation kernels ({@link Backend#gemmBiasActivation}).
     */
    protected void launchGemmBiasActivation(boolean transA, boolean transB, long m, long n, long k, float alpha,
                                            Tensor a, long lda, Tensor b, long ldb, Tensor packedB, float beta,
                                            Tensor c, long ldc, Tensor bias, Activation activation,
                                            Tensor activationOut) {
        Backend.super.gemmBiasActivation(transA, transB, m, n, k, alpha, a, lda, b, ldb, packedB, beta, c, ldc, bias,
                activation, activationOut);
    }

    // ---- elementwise ----------------------------------------------------------------------------------------

    @Override
    public final void axpy(float alpha, Tensor x, Tensor y) {
        f32(x, y.numel(), "axpy", "x");
        f32(y, x.numel(), "axpy", "y");
        launchAxpy(alpha, x, y);
    }

    protected abstract void launchAxpy(float alpha, Tensor x, Tensor y);

    @Override
    public final void scale(float alpha, Tensor x) {
        f32(x, x.numel(), "scale", "x");
        launchScale(alpha, x);
    }

    protected abstract void launchScale(float alpha, Tensor x);

    @Override
    public final void fill(float value, Tensor x) {
        f32(x, x.numel(), "fill", "x");
        launchFill(value, x);
    }

    protected abstract void launchFill(float value, Tensor x);

    @Override
    public final void biasAddForward(Tensor x, Tensor bias, Tensor out, long rows, long cols) {
        f32(x, times(rows, cols), "bias_add", "x");
        f32(bias, cols, "bias_add", "bias");
        f32(out, times(rows, cols), "bias_add", "out");
        launchBiasAddForward(x, bias, out, rows, cols);
    }

    protected abstract void launchBiasAddForward(Tensor x, Tensor bias, Tensor out, long rows, long cols);

    @Override
    public final void biasAddBackward(Tensor dout, Tensor dbias, long rows, long cols) {
        f32(dout, times(rows, cols), "bias_add_backward", "dout");
        f32(dbias, cols, "bias_add_backward", "dbias");
        launchBiasAddBackward(dout, dbias, rows, cols);
    }

    protected abstract void launchBiasAddBackward(Tensor dout, Tensor dbias, long rows, long cols);

    @Override
    public final void tanhForward(Tensor x, Tensor out) {
        f32(x, out.numel(), "tanh", "x");
        f32(out, x.numel(), "tanh", "out");
        launchTanhForward(x, out);
    }

    protected abstract void launchTanhForward(Tensor x, Tensor out);

    @Override
    public final void tanhBackward(Tensor dout, Tensor out, Tensor dx) {
        long n = dx.numel();
        f32(dout, n, "tanh_backward", "dout");
        f32(out, n, "tanh_backward", "out");
        f32(dx, n, "tanh_backward", "dx");
        launchTanhBackward(dout, out, dx);
    }

    protected abstract void launchTanhBackward(Tensor dout, Tensor out, Tensor dx);

    @Override
    public final void castF32ToBf16(Tensor x, Tensor out) {
        f32(x, out.numel(), "cast_f32_to_bf16", "x");
        tensor(out, DType.BF16, x.numel(), "cast_f32_to_bf16", "out");
        launchCastF32ToBf16(x, out);
    }

    protected abstract void launchCastF32ToBf16(Tensor x, Tensor out);

    @Override
    public final void castBf16ToF32(Tensor x, Tensor out) {
        tensor(x, DType.BF16, out.numel(), "cast_bf16_to_f32", "x");
        f32(out, x.numel(), "cast_bf16_to_f32", "out");
        launchCastBf16ToF32(x, out);
    }

    protected abstract void launchCastBf16ToF32(Tensor x, Tensor out);

    // ---- fused bias + activation ------------------------------------------------------------------------------

    @Override
    public final void biasGeluForward(Tensor x, Tensor bias, Tensor out, long rows, long cols, Activation activation) {
        DType t = activationType(x);
        tensor(x, t, times(rows, cols), "bias_gelu", "x");
        optionalF32(bias, cols, "bias_gelu", "bias");
        tensor(out, t, times(rows, cols), "bias_gelu", "out");
        launchBiasGeluForward(x, bias, out, rows, cols, activation);
    }

    /** {@code x} and {@code out} share a dtype (F32, or BF16 where the library has bf16 activations). */
    protected abstract void launchBiasGeluForward(Tensor x, Tensor bias, Tensor out, long rows, long cols,
                                                  Activation activation);

    @Override
    public final void biasGeluBackward(Tensor dout, Tensor x, Tensor bias, Tensor dx, Tensor dbias, long rows,
                                       long cols, Activation activation, boolean accumulate) {
        DType t = activationType(x);
        tensor(x, t, times(rows, cols), "bias_gelu_backward", "x");
        tensor(dout, t, times(rows, cols), "bias_gelu_backward", "dout");
        optionalF32(bias, cols, "bias_gelu_backward", "bias");
        optionalF32(dx, times(rows, cols), "bias_gelu_backward", "dx");
        optionalF32(dbias, cols, "bias_gelu_backward", "dbias");
        launchBiasGeluBackward(dout, x, bias, dx, dbias, rows, cols, activation, accumulate);
    }

    /** {@code dout} and {@code x} share a dtype; the gradients are F32. */
    protected abstract void launchBiasGeluBackward(Tensor dout, Tensor x, Tensor bias, Tensor dx, Tensor dbias,
                                                   long rows, long cols, Activation activation, boolean accumulate);

    // ---- (residual +) LayerNorm -------------------------------------------------------------------------------

    @Override
    public final void layerNormForward(Tensor x, Tensor residual, Tensor gamma, Tensor beta, Tensor out, Tensor sum,
                                       Tensor mean, Tensor rstd, long rows, long cols, float eps) {
        guardLayerNormForward("layer_norm", x, activationType(x), residual, gamma, beta, out, sum, mean, rstd, rows,
                cols);
        launchLayerNormForward(x, residual, gamma, beta, out, sum, mean, rstd, rows, cols, eps);
    }

    /** {@code x} is F32, or BF16 where the library has bf16 activations; everything else is F32. */
    protected abstract void launchLayerNormForward(Tensor x, Tensor residual, Tensor gamma, Tensor beta, Tensor out,
                                                   Tensor sum, Tensor mean, Tensor rstd, long rows, long cols,
                                                   float eps);

    /** {@link #layerNormForward}'s rules with {@code x} of dtype {@code xType}, for variants of the kernel. */
    protected final void guardLayerNormForward(String kernel, Tensor x, DType xType, Tensor residual, Tensor gamma,
                                               Tensor beta, Tensor out, Tensor sum, Tensor mean, Tensor rstd,
                                               long rows, long cols) {
        tensor(x, xType, times(rows, cols), kernel, "x");
        optionalF32(residual, times(rows, cols), kernel, "residual");
        f32(gamma, cols, kernel, "gamma");
        f32(beta, cols, kernel, "beta");
        f32(out, times(rows, cols), kernel, "out");
        optionalF32(sum, times(rows, cols), kernel, "sum");
        f32(mean, rows, kernel, "mean");
        f32(rstd, rows, kernel, "rstd");
    }

    @Override
    public final void layerNormBackward(Tensor dout, Tensor input, Tensor mean, Tensor rstd, Tensor gamma,
                                        Tensor dinput, Tensor dgamma, Tensor dbeta, long rows, long cols,
                                        boolean accumulate) {
        f32(dout, times(rows, cols), "layer_norm_backward", "dout");
        f32(input, times(rows, cols), "layer_norm_backward", "input");
        f32(mean, rows, "layer_norm_backward", "mean");
        f32(rstd, rows, "layer_norm_backward", "rstd");
        f32(gamma, cols, "layer_norm_backward", "gamma");
        optionalF32(dinput, times(rows, cols), "layer_norm_backward", "dinput");
        optionalF32(dgamma, cols, "layer_norm_backward", "dgamma");
        optionalF32(dbeta, cols, "layer_norm_backward", "dbeta");
        launchLayerNormBackward(dout, input, mean, rstd, gamma, dinput, dgamma, dbeta, rows, cols, accumulate);
    }

    protected abstract void launchLayerNormBackward(Tensor dout, Tensor input, Tensor mean, Tensor rstd, Tensor gamma,
                                                    Tensor dinput, Tensor dgamma, Tensor dbeta, long rows, long cols,
                                                    boolean accumulate);

    // ---- embeddings -------------------------------------------------------------------------------------------

    @Override
    public final void embeddingForward(Tensor ids, Tensor table, Tensor out, long n, long vocab, long dim) {
        tensor(ids, DType.I32, n, "embedding", "ids");
        f32(table, times(vocab, dim), "embedding", "table");
        f32(out, times(n, dim), "embedding", "out");
        if (dim > 0) {
            idsInRange(ids, n, vocab, NO_ID, "embedding", "ids");
        }
        launchEmbeddingForward(ids, table, out, n, vocab, dim);
    }

    protected abstract void launchEmbeddingForward(Tensor ids, Tensor table, Tensor out, long n, long vocab, long dim);

    @Override
    public final void embeddingBackward(Tensor ids, Tensor dout, Tensor dtable, long n, long vocab, long dim,
                                        int paddingIdx) {
        tensor(ids, DType.I32, n, "embedding_backward", "ids");
        f32(dout, times(n, dim), "embedding_backward", "dout");
        f32(dtable, times(vocab, dim), "embedding_backward", "dtable");
        if (dim > 0) {
            idsInRange(ids, n, vocab, paddingIdx, "embedding_backward", "ids");
        }
        launchEmbeddingBackward(ids, dout, dtable, n, vocab, dim, paddingIdx);
    }

    protected abstract void launchEmbeddingBackward(Tensor ids, Tensor dout, Tensor dtable, long n, long vocab,
                                                    long dim, int paddingIdx);

    @Override
    public final void embeddingLayerNormForward(Tensor wordIds, Tensor typeIds, Tensor wordTable, Tensor posTable,
                                                Tensor typeTable, Tensor gamma, Tensor beta, Tensor out, Tensor sum,
                                                Tensor mean, Tensor rstd, long batch, long seq, long dim, float eps) {
        long tokens = times(batch, seq);
        String kernel = "embedding_layer_norm";
        tensor(wordIds, DType.I32, tokens, kernel, "word_ids");
        tensor(typeIds, DType.I32, tokens, kernel, "type_ids");
        f32(wordTable, dim, kernel, "word_table");
        f32(posTable, times(seq, dim), kernel, "pos_table");
        f32(typeTable, dim, kernel, "type_table");
        f32(gamma, dim, kernel, "gamma");
        f32(beta, dim, kernel, "beta");
        f32(out, times(tokens, dim), kernel, "out");
        f32(sum, times(tokens, dim), kernel, "sum");
        f32(mean, tokens, kernel, "mean");
        f32(rstd, tokens, kernel, "rstd");
        if (dim > 0) {
            // The kernel is not told the vocabulary: the tables' own rows are the limit.
            idsInRange(wordIds, tokens, wordTable.numel() / dim, NO_ID, kernel, "word_ids");
            idsInRange(typeIds, tokens, typeTable.numel() / dim, NO_ID, kernel, "type_ids");
        }
        launchEmbeddingLayerNormForward(wordIds, typeIds, wordTable, posTable, typeTable, gamma, beta, out, sum, mean,
                rstd, batch, seq, dim, eps);
    }

    protected abstract void launchEmbeddingLayerNormForward(Tensor wordIds, Tensor typeIds, Tensor wordTable,
                                                            Tensor posTable, Tensor typeTable, Tensor gamma,
                                                            Tensor beta, Tensor out, Tensor sum, Tensor mean,
                                                            Tensor rstd, long batch, long seq, long dim, float eps);

    @Override
    public final void embeddingLayerNormBackward(Tensor dout, Tensor wordIds, Tensor typeIds, Tensor sum, Tensor mean,
                                                 Tensor rstd, Tensor gamma, Tensor dwordTable, Tensor dposTable,
                                                 Tensor dtypeTable, Tensor dgamma, Tensor dbeta, long batch, long seq,
                                                 long dim, int paddingIdx) {
        long tokens = times(batch, seq);
        String kernel = "embedding_layer_norm_backward";
        f32(dout, times(tokens, dim), kernel, "dout");
        tensor(wordIds, DType.I32, tokens, kernel, "word_ids");
        tensor(typeIds, DType.I32, tokens, kernel, "type_ids");
        f32(sum, times(tokens, dim), kernel, "sum");
        f32(mean, tokens, kernel, "mean");
        f32(rstd, tokens, kernel, "rstd");
        f32(gamma, dim, kernel, "gamma");
        optionalF32(dwordTable, dim, kernel, "dword_table");
        optionalF32(dposTable, times(seq, dim), kernel, "dpos_table");
        optionalF32(dtypeTable, dim, kernel, "dtype_table");
        optionalF32(dgamma, dim, kernel, "dgamma");
        optionalF32(dbeta, dim, kernel, "dbeta");
        if (dim > 0 && dwordTable != null) {
            idsInRange(wordIds, tokens, dwordTable.numel() / dim, paddingIdx, kernel, "word_ids");
        }
        if (dim > 0 && dtypeTable != null) {
            idsInRange(typeIds, tokens, dtypeTable.numel() / dim, NO_ID, kernel, "type_ids");
        }
        launchEmbeddingLayerNormBackward(dout, wordIds, typeIds, sum, mean, rstd, gamma, dwordTable, dposTable,
                dtypeTable, dgamma, dbeta, batch, seq, dim, paddingIdx);
    }

    protected abstract void launchEmbeddingLayerNormBackward(Tensor dout, Tensor wordIds, Tensor typeIds, Tensor sum,
                                                             Tensor mean, Tensor rstd, Tensor gamma,
                                                             Tensor dwordTable, Tensor dposTable, Tensor dtypeTable,
                                                             Tensor dgamma, Tensor dbeta, long batch, long seq,
                                                             long dim, int paddingIdx);

    // ---- fused attention --------------------------------------------------------------------------------------

    @Override
    public final void attentionForward(Tensor q, Tensor k, Tensor v, Tensor maskAdd, Tensor out, Tensor lse,
                                       long batch, long seq, long heads, long headDim, long qkvStride, float scale,
                                       float dropoutP, long seed) {
        long hidden = times(heads, headDim);
        long qkvElements = extent(1, 0, times(batch, seq), qkvStride, hidden);
        DType t = activationType(q);
        tensor(q, t, qkvElements, "attention", "q");
        tensor(k, t, qkvElements, "attention", "k");
        tensor(v, t, qkvElements, "attention", "v");
        optionalF32(maskAdd, times(batch, seq), "attention", "mask");
        tensor(out, t, times(batch, seq, hidden), "attention", "out");
        f32(lse, times(batch, heads, seq), "attention", "lse");
        launchAttentionForward(q, k, v, maskAdd, out, lse, batch, seq, heads, headDim, qkvStride, scale, dropoutP,
                seed);
    }

    /** q, k, v and out share a dtype; the mask and lse are F32. */
    protected abstract void launchAttentionForward(Tensor q, Tensor k, Tensor v, Tensor maskAdd, Tensor out,
                                                   Tensor lse, long batch, long seq, long heads, long headDim,
                                                   long qkvStride, float scale, float dropoutP, long seed);

    @Override
    public final void attentionBackward(Tensor q, Tensor k, Tensor v, Tensor maskAdd, Tensor out, Tensor lse,
                                        Tensor dout, Tensor dq, Tensor dk, Tensor dv, long batch, long seq,
                                        long heads, long headDim, long qkvStride, float scale, float dropoutP,
                                        long seed, boolean accumulate) {
        long hidden = times(heads, headDim);
        long qkvElements = extent(1, 0, times(batch, seq), qkvStride, hidden);
        String kernel = "attention_backward";
        DType t = activationType(q);
        tensor(q, t, qkvElements, kernel, "q");
        tensor(k, t, qkvElements, kernel, "k");
        tensor(v, t, qkvElements, kernel, "v");
        optionalF32(maskAdd, times(batch, seq), kernel, "mask");
        tensor(out, t, times(batch, seq, hidden), kernel, "out");
        f32(lse, times(batch, heads, seq), kernel, "lse");
        tensor(dout, t, times(batch, seq, hidden), kernel, "dout");
        f32(dq, qkvElements, kernel, "dq");
        f32(dk, qkvElements, kernel, "dk");
        f32(dv, qkvElements, kernel, "dv");
        launchAttentionBackward(q, k, v, maskAdd, out, lse, dout, dq, dk, dv, batch, seq, heads, headDim, qkvStride,
                scale, dropoutP, seed, accumulate);
    }

    /** q, k, v, out and dout share a dtype; the mask, lse and the gradients are F32. */
    protected abstract void launchAttentionBackward(Tensor q, Tensor k, Tensor v, Tensor maskAdd, Tensor out,
                                                    Tensor lse, Tensor dout, Tensor dq, Tensor dk, Tensor dv,
                                                    long batch, long seq, long heads, long headDim, long qkvStride,
                                                    float scale, float dropoutP, long seed, boolean accumulate);

    // ---- softmax cross-entropy --------------------------------------------------------------------------------

    @Override
    public final void softmaxXentForward(Tensor logits, Tensor labels, Tensor loss, Tensor lse, long n, long classes,
                                         int ignoreIndex) {
        tensor(logits, activationType(logits), times(n, classes), "softmax_xent", "logits");
        tensor(labels, DType.I32, n, "softmax_xent", "labels");
        f32(loss, 1, "softmax_xent", "loss");
        f32(lse, n, "softmax_xent", "lse");
        idsInRange(labels, n, classes, ignoreIndex, "softmax_xent", "labels");
        launchSoftmaxXentForward(logits, labels, loss, lse, n, classes, ignoreIndex);
    }

    /** {@code logits} is F32, or BF16 where the library has bf16 activations. */
    protected abstract void launchSoftmaxXentForward(Tensor logits, Tensor labels, Tensor loss, Tensor lse, long n,
                                                     long classes, int ignoreIndex);

    @Override
    public final void softmaxXentBackward(Tensor dloss, Tensor logits, Tensor labels, Tensor lse, Tensor dlogits,
                                          long n, long classes, int ignoreIndex, boolean accumulate) {
        f32(dloss, 1, "softmax_xent_backward", "dloss");
        tensor(logits, activationType(logits), times(n, classes), "softmax_xent_backward", "logits");
        tensor(labels, DType.I32, n, "softmax_xent_backward", "labels");
        f32(lse, n, "softmax_xent_backward", "lse");
        f32(dlogits, times(n, classes), "softmax_xent_backward", "dlogits");
        idsInRange(labels, n, classes, ignoreIndex, "softmax_xent_backward", "labels");
        launchSoftmaxXentBackward(dloss, logits, labels, lse, dlogits, n, classes, ignoreIndex, accumulate);
    }

    /** {@code logits} is F32, or BF16 where the library has bf16 activations; {@code dlogits} is F32. */
    protected abstract void launchSoftmaxXentBackward(Tensor dloss, Tensor logits, Tensor labels, Tensor lse,
                                                      Tensor dlogits, long n, long classes, int ignoreIndex,
                                                      boolean accumulate);

    // ---- dropout ----------------------------------------------------------------------------------------------

    @Override
    public final void dropoutForward(Tensor x, Tensor out, float p, long seed, long offset) {
        DType t = activationType(x);
        tensor(x, t, out.numel(), "dropout", "x");
        tensor(out, t, x.numel(), "dropout", "out");
        launchDropoutForward(x, out, p, seed, offset);
    }

    /** {@code x} and {@code out} share a dtype (F32, or BF16 where the library has bf16 activations). */
    protected abstract void launchDropoutForward(Tensor x, Tensor out, float p, long seed, long offset);

    @Override
    public final void dropoutBackward(Tensor dout, Tensor dx, float p, long seed, long offset) {
        f32(dout, dx.numel(), "dropout_backward", "dout");
        f32(dx, dout.numel(), "dropout_backward", "dx");
        launchDropoutBackward(dout, dx, p, seed, offset);
    }

    protected abstract void launchDropoutBackward(Tensor dout, Tensor dx, float p, long seed, long offset);

    // ---- reductions -------------------------------------------------------------------------------------------

    @Override
    public final void sumForward(Tensor x, Tensor out) {
        f32(x, x.numel(), "sum", "x");
        f32(out, 1, "sum", "out");
        launchSumForward(x, out);
    }

    protected abstract void launchSumForward(Tensor x, Tensor out);

    @Override
    public final void sumBackward(Tensor dout, Tensor dx, float scale) {
        f32(dout, 1, "sum_backward", "dout");
        f32(dx, dx.numel(), "sum_backward", "dx");
        launchSumBackward(dout, dx, scale);
    }

    protected abstract void launchSumBackward(Tensor dout, Tensor dx, float scale);

    @Override
    public final void sumSquares(Tensor x, Tensor out) {
        f32(x, x.numel(), "sum_squares", "x");
        f32(out, 1, "sum_squares", "out");
        launchSumSquares(x, out);
    }

    protected abstract void launchSumSquares(Tensor x, Tensor out);

    @Override
    public final void sumSquaresMulti(List<Tensor> xs, Tensor out) {
        for (int i = 0; i < xs.size(); i++) {
            f32(xs.get(i), xs.get(i).numel(), "sum_squares_multi", "xs[" + i + "]");
        }
        f32(out, 1, "sum_squares_multi", "out");
        try (Arena scratch = Arena.ofConfined()) {
            launchSumSquaresMulti(xs.size(), pointers(scratch, xs), sizes(scratch, xs), out);
        }
    }

    /** {@code xs}: {@code count} data pointers; {@code sizes}: their element counts (host arrays). */
    protected abstract void launchSumSquaresMulti(int count, MemorySegment xs, MemorySegment sizes, Tensor out);

    // ---- optimizers -------------------------------------------------------------------------------------------

    @Override
    public final void adamwUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                                  float eps, float weightDecay, float gradScale) {
        guardOptimizerTensors("adamw_update", param, grad, m, v, "");
        launchAdamwUpdate(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, gradScale);
    }

    protected abstract void launchAdamwUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1,
                                              float beta2, float eps, float weightDecay, float gradScale);

    @Override
    public final float lambUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                                  float eps, float weightDecay, boolean useTrustRatio, float gradScale) {
        guardOptimizerTensors("lamb_update", param, grad, m, v, "");
        return launchLambUpdate(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, useTrustRatio, gradScale);
    }

    /** @return the trust ratio applied */
    protected abstract float launchLambUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1,
                                              float beta2, float eps, float weightDecay, boolean useTrustRatio,
                                              float gradScale);

    @Override
    public final void adamwUpdateMulti(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v,
                                       float lr, float beta1, float beta2, float eps, float[] weightDecay,
                                       float gradScale) {
        checkOptimizerLists("adamw_update_multi", params, grads, m, v, weightDecay.length);
        try (Arena scratch = Arena.ofConfined()) {
            launchAdamwUpdateMulti(OptimizerPointers.of(scratch, params, grads, m, v), lr, beta1, beta2, eps,
                    scratch.allocateFrom(ValueLayout.JAVA_FLOAT, weightDecay), gradScale);
        }
    }

    protected abstract void launchAdamwUpdateMulti(OptimizerPointers tensors, float lr, float beta1, float beta2,
                                                   float eps, MemorySegment weightDecay, float gradScale);

    @Override
    public final float[] lambUpdateMulti(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v,
                                         float lr, float beta1, float beta2, float eps, float[] weightDecay,
                                         boolean[] useTrustRatio, float gradScale) {
        int count = params.size();
        checkOptimizerLists("lamb_update_multi", params, grads, m, v, weightDecay.length);
        if (useTrustRatio.length != count) {
            throw new IllegalArgumentException("lamb_update_multi: " + useTrustRatio.length + " trust-ratio flags for "
                    + count + " tensors");
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment flags = scratch.allocate(ValueLayout.JAVA_INT, Math.max(1, count));
            for (int i = 0; i < count; i++) {
                flags.setAtIndex(ValueLayout.JAVA_INT, i, useTrustRatio[i] ? 1 : 0);
            }
            return launchLambUpdateMulti(OptimizerPointers.of(scratch, params, grads, m, v), lr, beta1, beta2, eps,
                    scratch.allocateFrom(ValueLayout.JAVA_FLOAT, weightDecay), flags, gradScale, scratch);
        }
    }

    /** @return the trust ratio applied to each tensor; {@code scratch} lives until the call returns */
    protected abstract float[] launchLambUpdateMulti(OptimizerPointers tensors, float lr, float beta1, float beta2,
                                                     float eps, MemorySegment weightDecay, MemorySegment useTrustRatio,
                                                     float gradScale, Arena scratch);

    /**
     * The host arrays a multi-tensor optimizer kernel reads before it returns: {@code count} pointers each to the
     * parameters, gradients and both moments, and the element counts.
     */
    protected record OptimizerPointers(int count, MemorySegment params, MemorySegment grads, MemorySegment m,
                                       MemorySegment v, MemorySegment sizes) {
        static OptimizerPointers of(Arena scratch, List<Tensor> params, List<Tensor> grads, List<Tensor> m,
                                    List<Tensor> v) {
            return new OptimizerPointers(params.size(), pointers(scratch, params), pointers(scratch, grads),
                    pointers(scratch, m), pointers(scratch, v), NativeBackend.sizes(scratch, params));
        }
    }

    private static MemorySegment pointers(Arena scratch, List<Tensor> tensors) {
        MemorySegment out = scratch.allocate(ValueLayout.ADDRESS, Math.max(1, tensors.size()));
        for (int i = 0; i < tensors.size(); i++) {
            out.setAtIndex(ValueLayout.ADDRESS, i, tensors.get(i).data());
        }
        return out;
    }

    private static MemorySegment sizes(Arena scratch, List<Tensor> tensors) {
        MemorySegment out = scratch.allocate(ValueLayout.JAVA_LONG, Math.max(1, tensors.size()));
        for (int i = 0; i < tensors.size(); i++) {
            out.setAtIndex(ValueLayout.JAVA_LONG, i, tensors.get(i).numel());
        }
        return out;
    }

    private void checkOptimizerLists(String kernel, List<Tensor> params, List<Tensor> grads, List<Tensor> m,
                                     List<Tensor> v, int decays) {
        int count = params.size();
        if (grads.size() != count || m.size() != count || v.size() != count || decays != count) {
            throw new IllegalArgumentException(kernel + ": lists differ in length (params " + count + ", grads "
                    + grads.size() + ", m " + m.size() + ", v " + v.size() + ", weight decays " + decays + ")");
        }
        for (int i = 0; i < count; i++) {
            guardOptimizerTensors(kernel, params.get(i), grads.get(i), m.get(i), v.get(i), "[" + i + "]");
        }
    }

    /**
     * The optimizer kernels' rule: grad, m and v hold as many F32 elements as param. {@code index} names the entry
     * of a multi-tensor update ("[3]"), or is empty.
     */
    protected final void guardOptimizerTensors(String kernel, Tensor param, Tensor grad, Tensor m, Tensor v,
                                               String index) {
        long n = param.numel();
        f32(param, n, kernel, "param" + index);
        f32(grad, n, kernel, "grad" + index);
        f32(m, n, kernel, "m" + index);
        f32(v, n, kernel, "v" + index);
    }

    // ---- the guards -------------------------------------------------------------------------------------------

    /** Each {@code (name, value)} pair is a size or stride, which must not be negative. */
    protected static void nonNegative(String kernel, Object... namesAndValues) {
        for (int i = 0; i < namesAndValues.length; i += 2) {
            long value = (Long) namesAndValues[i + 1];
            if (value < 0) {
                throw new IllegalArgumentException(kernel + ": " + namesAndValues[i] + " = " + value + " is negative");
            }
        }
    }

    /** The product of sizes, refused when one is negative or it overflows (a wrapped count would pass a guard). */
    protected static long times(long... sizes) {
        long product = 1;
        for (long size : sizes) {
            if (size < 0) {
                throw new IllegalArgumentException("negative size " + size + " among " + java.util.Arrays.toString(sizes));
            }
            try {
                product = Math.multiplyExact(product, size);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("sizes " + java.util.Arrays.toString(sizes) + " overflow a 64-bit "
                        + "element count");
            }
        }
        return product;
    }

    /**
     * The elements a strided operand spans: {@code batch} matrices {@code stride} apart, each {@code rows} rows
     * {@code ld} apart of {@code cols} elements; 0 when it is empty. Overflow is refused.
     */
    protected static long extent(long batch, long stride, long rows, long ld, long cols) {
        if (batch == 0 || rows == 0 || cols == 0) {
            return 0;
        }
        try {
            return Math.addExact(Math.addExact(Math.multiplyExact(batch - 1, times(stride)),
                    Math.multiplyExact(rows - 1, times(ld))), times(cols));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("the extent of " + batch + " x " + rows + " x " + cols + " (stride "
                    + stride + ", leading dimension " + ld + ") overflows a 64-bit element count");
        }
    }

    /**
     * Every one of the first {@code count} I32 ids is in {@code [0, limit)} or equals {@code allowed}: the kernel
     * indexes a table (or a row of logits) with it, unchecked. Read on the host only, where the ids are; device ids
     * are checked where they are made (the ops, the data pipeline).
     */
    protected final void idsInRange(Tensor ids, long count, long limit, long allowed, String kernel, String argument) {
        if (!device.isCpu() || count <= 0) {
            return;
        }
        MemorySegment data = ids.data();
        for (long i = 0; i < count; i++) {
            int id = data.getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, i);
            if ((id < 0 || id >= limit) && id != allowed) {
                throw new IllegalArgumentException(kernel + ": '" + argument + "'[" + i + "] = " + id
                        + " is out of range [0, " + limit + ")");
            }
        }
    }

    /** The segment to pass for an optional tensor: NULL when it is absent. */
    protected static MemorySegment segment(Tensor optional) {
        return optional == null ? MemorySegment.NULL : optional.data();
    }

    /** A tensor the ABI marks optional (may be NULL): absent, or as {@link #f32}. */
    protected final void optionalF32(Tensor t, long elements, String kernel, String argument) {
        if (t != null) {
            f32(t, elements, kernel, argument);
        }
    }

    protected final void f32(Tensor t, long elements, String kernel, String argument) {
        tensor(t, DType.F32, elements, kernel, argument);
    }

    /** The dtype an activation argument must have: its own where it is BF16 and the library takes bf16, else F32. */
    protected final DType activationType(Tensor t) {
        return bf16Activations && t != null && t.dtype() == DType.BF16 ? DType.BF16 : DType.F32;
    }

    /** {@code t} is alive, on this device, of {@code dtype} and holds at least {@code elements} elements. */
    protected final void tensor(Tensor t, DType dtype, long elements, String kernel, String argument) {
        alive(t, kernel, argument);
        if (!t.device().equals(device)) {
            throw new IllegalArgumentException(kernel + ": argument '" + argument + "' " + t.describe()
                    + " is not on " + device);
        }
        if (t.dtype() != dtype) {
            throw new IllegalArgumentException(kernel + ": argument '" + argument + "' must be " + dtype + ", got "
                    + t.describe());
        }
        if (elements < 0) {
            throw new IllegalArgumentException(kernel + ": argument '" + argument + "': negative size " + elements);
        }
        if (elements > 0 && t.data().byteSize() / dtype.byteSize() < elements) {
            throw new IllegalArgumentException(kernel + ": argument '" + argument + "' " + t.describe() + " holds "
                    + t.data().byteSize() / dtype.byteSize() + " elements, the kernel reads " + elements);
        }
        if (closed) {
            throw new IllegalStateException(kernel + ": the backend of " + device + " is closed");
        }
    }

    /** {@code t} is present and its memory has not been freed (a copy may take it from any device). */
    protected static void alive(Tensor t, String kernel, String argument) {
        if (t == null) {
            throw new NullPointerException(kernel + ": argument '" + argument + "' is null");
        }
        if (!t.isAlive()) {
            throw new IllegalStateException(kernel + ": argument '" + argument + "' " + t.describe()
                    + " was freed (its arena was reset or closed)");
        }
    }
}
