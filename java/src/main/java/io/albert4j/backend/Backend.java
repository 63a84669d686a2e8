package io.albert4j.backend;

import io.albert4j.tensor.DeviceMemory;
import io.albert4j.tensor.Tensor;
import java.util.List;

/**
 * The kernels of one device: one method per native kernel of {@code cmake/include/albert4j.h}, same names in
 * camel case ({@code a4j_layer_norm_forward} is {@link #layerNormForward}). Backends are found through
 * {@link java.util.ServiceLoader} ({@link BackendProvider}); the CPU backend is always present.
 *
 * <p>Contract: callers ({@code io.albert4j.ops}) have checked shapes, dtypes, devices and index ranges; a backend
 * only guards memory safety (every tensor it touches is alive and large enough: the rules of each kernel's
 * arguments, written once for both native libraries in {@code backend.internal.NativeBackend}) and turns a native
 * status into {@link NativeKernelException}. Backward methods accumulate into their gradient outputs. A backend owns its
 * execution stream; nothing here is CPU-specific.
 */
public interface Backend extends DeviceMemory, AutoCloseable {

    /** Short name for logs: "cpu (AVX-512, 2 threads)". */
    String description();

    /** Copies {@code src} into {@code dst} (same element count and dtype); either may live on the host or this device. */
    void copy(Tensor src, Tensor dst);

    /** Waits until every queued kernel has finished (no-op on the CPU). */
    void synchronize();

    // ---- gemm ---------------------------------------------------------------------------------------------

    /** C = alpha·op(A)·op(B) + beta·C, row-major, {@code batch} times with element strides (see a4j_gemm). */
    void gemm(boolean transA, boolean transB, long m, long n, long k, float alpha,
              Tensor a, long lda, long strideA, Tensor b, long ldb, long strideB, float beta,
              Tensor c, long ldc, long strideC, long batch);

    /**
     * Bytes of a k x n op(B) packed by {@link #packGemmB} for {@link #gemmPackedB}, or 0 where this backend reads a
     * plain B at full speed (callers then use {@link #gemm}). The CPU packs B into its micro-kernels' panels in every
     * GEMM; packing a weight once for all the layers that share it saves that (see a4j_gemm_pack_b).
     */
    default long packedGemmBBytes(long k, long n) {
        return 0;
    }

    /** Packs op(B) (k x n; B row-major with leading dimension ldb) into {@code packed}, a buffer of packedGemmBBytes. */
    default void packGemmB(boolean transB, long k, long n, Tensor b, long ldb, Tensor packed) {
        throw new UnsupportedOperationException(description() + " has no packed GEMM operands");
    }

    /** C = alpha·op(A)·B + beta·C with B from {@link #packGemmB} (same k and n). */
    default void gemmPackedB(boolean transA, long m, long n, long k, float alpha, Tensor a, long lda, Tensor packedB,
                             float beta, Tensor c, long ldc) {
        throw new UnsupportedOperationException(description() + " has no packed GEMM operands");
    }

    /**
     * A dense layer's forward: C = alpha·op(A)·op(B) + beta·C + bias (bias [n] added to every row, or null), then,
     * unless {@code activation} is IDENTITY, act(C) in place ({@code activationOut} null) or into
     * {@code activationOut} ([m, n], row-major), C then keeping the pre-activation a backward needs. B is
     * {@code packedB} (from {@link #packGemmB}) when that is not null, else {@code b}. The CPU applies bias and
     * activation to each tile of C while it is in cache (a4j_gemm_bias_activation); this default runs the GEMM and
     * then the bias-add or bias-activation kernels, which needs {@code ldc == n}.
     */
    default void gemmBiasActivation(boolean transA, boolean transB, long m, long n, long k, float alpha, Tensor a,
                                    long lda, Tensor b, long ldb, Tensor packedB, float beta, Tensor c, long ldc,
                                    Tensor bias, Activation activation, Tensor activationOut) {
        if (packedB != null) {
            gemmPackedB(transA, m, n, k, alpha, a, lda, packedB, beta, c, ldc);
        } else {
            gemm(transA, transB, m, n, k, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc, 0, 1);
        }
        if (m <= 0 || n <= 0 || (bias == null && activation == Activation.IDENTITY && activationOut == null)) {
            return;
        }
        if (ldc != n) {
            throw new IllegalArgumentException("gemmBiasActivation: " + description()
                    + " applies bias and activation to a contiguous C only (ldc " + ldc + " != n " + n + ")");
        }
        if (activationOut == null) {
            if (activation == Activation.IDENTITY) {
                biasAddForward(c, bias, c, m, n);
            } else {
                biasGeluForward(c, bias, c, m, n, activation);
            }
        } else {
            if (bias != null) {
                biasAddForward(c, bias, c, m, n);
            }
            biasGeluForward(c, null, activationOut, m, n, activation);
        }
    }

    // ---- elementwise --------------------------------------------------------------------------------------

    void axpy(float alpha, Tensor x, Tensor y);

    void scale(float alpha, Tensor x);

    void fill(float value, Tensor x);

    void biasAddForward(Tensor x, Tensor bias, Tensor out, long rows, long cols);

    void biasAddBackward(Tensor dout, Tensor dbias, long rows, long cols);

    void tanhForward(Tensor x, Tensor out);

    void tanhBackward(Tensor dout, Tensor out, Tensor dx);

    void castF32ToBf16(Tensor x, Tensor out);

    void castBf16ToF32(Tensor x, Tensor out);

    // ---- fused bias + activation ---------------------------------------------------------------------------

    void biasGeluForward(Tensor x, Tensor bias, Tensor out, long rows, long cols, Activation activation);

    /**
     * dx += dout · act'(x + bias), or {@code =} when {@code accumulate} is false (dx may then hold anything); dbias
     * += the column sums of that. dx or dbias may be null.
     */
    void biasGeluBackward(Tensor dout, Tensor x, Tensor bias, Tensor dx, Tensor dbias, long rows, long cols,
                          Activation activation, boolean accumulate);

    /** The bias + activation backward accumulating into dx. */
    default void biasGeluBackward(Tensor dout, Tensor x, Tensor bias, Tensor dx, Tensor dbias, long rows, long cols,
                                  Activation activation) {
        biasGeluBackward(dout, x, bias, dx, dbias, rows, cols, activation, true);
    }

    // ---- (residual +) LayerNorm ----------------------------------------------------------------------------

    void layerNormForward(Tensor x, Tensor residual, Tensor gamma, Tensor beta, Tensor out, Tensor sum,
                          Tensor mean, Tensor rstd, long rows, long cols, float eps);

    /**
     * dinput += dL/dinput, or {@code =} when {@code accumulate} is false (dinput may then hold anything: a fresh
     * gradient buffer needs no zeroing pass); dgamma and dbeta always accumulate. Any of the three may be null.
     */
    void layerNormBackward(Tensor dout, Tensor input, Tensor mean, Tensor rstd, Tensor gamma, Tensor dinput,
                           Tensor dgamma, Tensor dbeta, long rows, long cols, boolean accumulate);

    /** {@link #layerNormBackward(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, long, long,
     * boolean)} accumulating into dinput. */
    default void layerNormBackward(Tensor dout, Tensor input, Tensor mean, Tensor rstd, Tensor gamma, Tensor dinput,
                                   Tensor dgamma, Tensor dbeta, long rows, long cols) {
        layerNormBackward(dout, input, mean, rstd, gamma, dinput, dgamma, dbeta, rows, cols, true);
    }

    // ---- embeddings ---------------------------------------------------------------------------------------

    void embeddingForward(Tensor ids, Tensor table, Tensor out, long n, long vocab, long dim);

    void embeddingBackward(Tensor ids, Tensor dout, Tensor dtable, long n, long vocab, long dim, int paddingIdx);

    void embeddingLayerNormForward(Tensor wordIds, Tensor typeIds, Tensor wordTable, Tensor posTable,
                                   Tensor typeTable, Tensor gamma, Tensor beta, Tensor out, Tensor sum,
                                   Tensor mean, Tensor rstd, long batch, long seq, long dim, float eps);

    void embeddingLayerNormBackward(Tensor dout, Tensor wordIds, Tensor typeIds, Tensor sum, Tensor mean,
                                    Tensor rstd, Tensor gamma, Tensor dwordTable, Tensor dposTable,
                                    Tensor dtypeTable, Tensor dgamma, Tensor dbeta, long batch, long seq,
                                    long dim, int paddingIdx);

    // ---- fused attention ----------------------------------------------------------------------------------

    void attentionForward(Tensor q, Tensor k, Tensor v, Tensor maskAdd, Tensor out, Tensor lse, long batch,
                          long seq, long heads, long headDim, long qkvStride, float scale, float dropoutP,
                          long seed);

    /**
     * dq, dk, dv += their gradients, or {@code =} when {@code accumulate} is false (they may then hold anything,
     * and must not overlap).
     */
    void attentionBackward(Tensor q, Tensor k, Tensor v, Tensor maskAdd, Tensor out, Tensor lse, Tensor dout,
                           Tensor dq, Tensor dk, Tensor dv, long batch, long seq, long heads, long headDim,
                           long qkvStride, float scale, float dropoutP, long seed, boolean accumulate);

    /** The attention backward accumulating into dq, dk and dv. */
    default void attentionBackward(Tensor q, Tensor k, Tensor v, Tensor maskAdd, Tensor out, Tensor lse, Tensor dout,
                                   Tensor dq, Tensor dk, Tensor dv, long batch, long seq, long heads, long headDim,
                                   long qkvStride, float scale, float dropoutP, long seed) {
        attentionBackward(q, k, v, maskAdd, out, lse, dout, dq, dk, dv, batch, seq, heads, headDim, qkvStride, scale,
                dropoutP, seed, true);
    }

    // ---- softmax cross-entropy ----------------------------------------------------------------------------

    void softmaxXentForward(Tensor logits, Tensor labels, Tensor loss, Tensor lse, long n, long classes,
                            int ignoreIndex);

    /**
     * dlogits += dloss/count · (softmax - onehot) over the rows not ignored; with {@code accumulate} false, dlogits
     * = that and the ignored rows = 0 (dlogits may then hold anything).
     */
    void softmaxXentBackward(Tensor dloss, Tensor logits, Tensor labels, Tensor lse, Tensor dlogits, long n,
                             long classes, int ignoreIndex, boolean accumulate);

    /** The softmax cross-entropy backward accumulating into dlogits. */
    default void softmaxXentBackward(Tensor dloss, Tensor logits, Tensor labels, Tensor lse, Tensor dlogits, long n,
                                     long classes, int ignoreIndex) {
        softmaxXentBackward(dloss, logits, labels, lse, dlogits, n, classes, ignoreIndex, true);
    }

    // ---- dropout ------------------------------------------------------------------------------------------

    void dropoutForward(Tensor x, Tensor out, float p, long seed, long offset);

    void dropoutBackward(Tensor dout, Tensor dx, float p, long seed, long offset);

    // ---- reductions ---------------------------------------------------------------------------------------

    void sumForward(Tensor x, Tensor out);

    void sumBackward(Tensor dout, Tensor dx, float scale);

    /** out[0] += Σx² — call once per tensor to build a global L2 norm. */
    void sumSquares(Tensor x, Tensor out);

    /** out[0] += Σ over all of {@code xs} of Σx², in one call: a global gradient norm. */
    void sumSquaresMulti(List<Tensor> xs, Tensor out);

    // ---- optimizers ---------------------------------------------------------------------------------------

    void adamwUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                     float eps, float weightDecay, float gradScale);

    /** @return the trust ratio applied */
    float lambUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                     float eps, float weightDecay, boolean useTrustRatio, float gradScale);

    /**
     * One AdamW step over many tensors in one call (an optimizer step); {@code weightDecay[i]} per tensor, the lists
     * of equal length.
     */
    void adamwUpdateMulti(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v, float lr,
                          float beta1, float beta2, float eps, float[] weightDecay, float gradScale);

    /**
     * One LAMB step over many tensors in one call (an optimizer step), {@code weightDecay[i]} and
     * {@code useTrustRatio[i]} per tensor; each tensor gets the update {@link #lambUpdate} would give it.
     *
     * @return the trust ratio applied to each tensor
     */
    float[] lambUpdateMulti(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v, float lr,
                            float beta1, float beta2, float eps, float[] weightDecay, boolean[] useTrustRatio,
                            float gradScale);

    @Override
    void close();
}
