package io.albert4j.backend.cpu;

import io.albert4j.backend.Activation;
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
import io.albert4j.backend.internal.NativeBackend;
import io.albert4j.tensor.Device;
import io.albert4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The embedded default backend: kernels of libalbert4j_cpu.so (C++17, OpenMP, AVX2 with AVX-512 paths).
 *
 * <p>Dispatch only: {@link NativeBackend} checks every kernel's arguments (alive, on the host, the ABI's dtype and
 * extent) before the {@code launch…} methods here call the library.
 */
@SuppressWarnings("exports")  // the guarded base class is internal: callers see the Backend interface
public final class CpuBackend extends NativeBackend {
    /**
     * From this size a buffer is zeroed by the kernel library's fill, on all kernel threads, rather than by the JVM's
     * single-threaded fill: the gradients a backward pass accumulates into (LayerNorm and attention inputs, 3 MiB
     * each at ALBERT-base b8×s128, ~100 a step) spent 3% of a training step being zeroed on one thread.
     */
    private static final long PARALLEL_ZERO_BYTES = 256 * 1024;

    public CpuBackend() {
        super(Device.CPU, false);
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

    /**
     * Which micro-kernels the hand-written kernels (GEMM, attention) run: "AVX-512" or "AVX2". The best the CPU has,
     * unless the environment variable {@code ALBERT4J_ISA=avx2} forces the AVX2 path ({@code avx512} means AVX-512
     * without AMX; see {@link #amxTiles}).
     */
    public String instructionSet() {
        return RuntimeNative.isa() >= 2 ? "AVX-512" : "AVX2";
    }

    /**
     * Whether the opt-in bf16 GEMMs run on AMX tiles (Intel Xeon since Sapphire Rapids, the OS permitting), rather
     * than on AVX512_BF16's vdpbf16ps. {@code ALBERT4J_ISA=avx512} turns AMX off.
     */
    public boolean amxTiles() {
        return RuntimeNative.isa() == 3;
    }

    /**
     * Opt-in bf16 GEMMs: every matrix product rounds its operands to bf16 and accumulates in fp32 (on AMX tiles where
     * the CPU has them, else AVX512_BF16's vdpbf16ps); weights, activations and the optimizer stay fp32.
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
        String bf16 = !bf16Matmul() ? "" : amxTiles() ? ", bf16 GEMM on AMX tiles" : ", bf16 GEMM";
        return "cpu (" + instructionSet() + bf16 + ", " + numThreads() + " threads)";
    }

    @Override
    public MemorySegment allocate(long bytes, Arena lifetime) {
        return lifetime.allocate(Math.max(1, bytes), 64);
    }

    @Override
    public void zero(MemorySegment segment, long bytes) {
        MemorySegment target = segment.asSlice(0, bytes);  // bounds-checked before the kernel writes
        if (bytes >= PARALLEL_ZERO_BYTES && bytes % Float.BYTES == 0) {
            ElementwiseNative.fill(0.0f, target, bytes / Float.BYTES);
            return;
        }
        target.fill((byte) 0);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        tensor(src, src.dtype(), src.numel(), "copy", "src");
        tensor(dst, src.dtype(), src.numel(), "copy", "dst");
        if (src.numel() != dst.numel()) {
            throw new IllegalArgumentException("copy: " + src.describe() + " into " + dst.describe());
        }
        MemorySegment.copy(src.data(), 0, dst.data(), 0, src.byteSize());
    }

    @Override
    public void synchronize() {
    }

    @Override
    protected void launchGemm(boolean transA, boolean transB, long m, long n, long k, float alpha, Tensor a, long lda,
                              long strideA, Tensor b, long ldb, long strideB, float beta, Tensor c, long ldc,
                              long strideC, long batch) {
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
    protected void launchPackGemmB(boolean transB, long k, long n, Tensor b, long ldb, Tensor packed) {
        GemmNative.packB(transB, k, n, b.data(), ldb, packed.data(), packed.byteSize());
    }

    @Override
    protected void launchGemmPackedB(boolean transA, long m, long n, long k, float alpha, Tensor a, long lda,
                                     Tensor packedB, float beta, Tensor c, long ldc) {
        GemmNative.gemmPackedB(transA, m, n, k, alpha, a.data(), lda, packedB.data(), beta, c.data(), ldc);
    }

    @Override
    protected void launchGemmBiasActivation(boolean transA, boolean transB, long m, long n, long k, float alpha,
                                            Tensor a, long lda, Tensor b, long ldb, Tensor packedB, float beta,
                                            Tensor c, long ldc, Tensor bias, Activation activation,
                                            Tensor activationOut) {
        GemmNative.gemmBiasActivation(transA, transB, m, n, k, alpha, a.data(), lda,
                packedB == null ? b.data() : MemorySegment.NULL, ldb, segment(packedB), beta, c.data(), ldc,
                segment(bias), activation.code(), segment(activationOut), n);
    }

    @Override
    protected void launchAxpy(float alpha, Tensor x, Tensor y) {
        ElementwiseNative.axpy(alpha, x.data(), y.data(), x.numel());
    }

    @Override
    protected void launchScale(float alpha, Tensor x) {
        ElementwiseNative.scale(alpha, x.data(), x.numel());
    }

    @Override
    protected void launchFill(float value, Tensor x) {
        ElementwiseNative.fill(value, x.data(), x.numel());
    }

    @Override
    protected void launchBiasAddForward(Tensor x, Tensor bias, Tensor out, long rows, long cols) {
        ElementwiseNative.biasAddForward(x.data(), bias.data(), out.data(), rows, cols);
    }

    @Override
    protected void launchBiasAddBackward(Tensor dout, Tensor dbias, long rows, long cols) {
        ElementwiseNative.biasAddBackward(dout.data(), dbias.data(), rows, cols);
    }

    @Override
    protected void launchTanhForward(Tensor x, Tensor out) {
        ElementwiseNative.tanhForward(x.data(), out.data(), x.numel());
    }

    @Override
    protected void launchTanhBackward(Tensor dout, Tensor out, Tensor dx) {
        ElementwiseNative.tanhBackward(dout.data(), out.data(), dx.data(), dx.numel());
    }

    @Override
    protected void launchCastF32ToBf16(Tensor x, Tensor out) {
        ElementwiseNative.castF32ToBf16(x.data(), out.data(), x.numel());
    }

    @Override
    protected void launchCastBf16ToF32(Tensor x, Tensor out) {
        ElementwiseNative.castBf16ToF32(x.data(), out.data(), x.numel());
    }

    @Override
    protected void launchBiasGeluForward(Tensor x, Tensor bias, Tensor out, long rows, long cols,
                                         Activation activation) {
        GeluNative.biasGeluForward(x.data(), segment(bias), out.data(), rows, cols, activation.code());
    }

    @Override
    protected void launchBiasGeluBackward(Tensor dout, Tensor x, Tensor bias, Tensor dx, Tensor dbias, long rows,
                                          long cols, Activation activation, boolean accumulate) {
        GeluNative.biasGeluBackward(dout.data(), x.data(), segment(bias), segment(dx), segment(dbias), rows, cols,
                activation.code(), accumulate);
    }

    @Override
    protected void launchLayerNormForward(Tensor x, Tensor residual, Tensor gamma, Tensor beta, Tensor out,
                                          Tensor sum, Tensor mean, Tensor rstd, long rows, long cols, float eps) {
        LayerNormNative.forward(x.data(), segment(residual), gamma.data(), beta.data(), out.data(), segment(sum),
                mean.data(), rstd.data(), rows, cols, eps);
    }

    @Override
    protected void launchLayerNormBackward(Tensor dout, Tensor input, Tensor mean, Tensor rstd, Tensor gamma,
                                           Tensor dinput, Tensor dgamma, Tensor dbeta, long rows, long cols,
                                           boolean accumulate) {
        LayerNormNative.backward(dout.data(), input.data(), mean.data(), rstd.data(), gamma.data(), segment(dinput),
                segment(dgamma), segment(dbeta), rows, cols, accumulate);
    }

    @Override
    protected void launchEmbeddingForward(Tensor ids, Tensor table, Tensor out, long n, long vocab, long dim) {
        EmbeddingNative.forward(ids.data(), table.data(), out.data(), n, vocab, dim);
    }

    @Override
    protected void launchEmbeddingBackward(Tensor ids, Tensor dout, Tensor dtable, long n, long vocab, long dim,
                                           int paddingIdx) {
        EmbeddingNative.backward(ids.data(), dout.data(), dtable.data(), n, vocab, dim, paddingIdx);
    }

    @Override
    protected void launchEmbeddingLayerNormForward(Tensor wordIds, Tensor typeIds, Tensor wordTable,
                                                   Tensor posTable, Tensor typeTable, Tensor gamma, Tensor beta,
                                                   Tensor out, Tensor sum, Tensor mean, Tensor rstd, long batch,
                                                   long seq, long dim, float eps) {
        EmbeddingNative.layerNormForward(wordIds.data(), typeIds.data(), wordTable.data(), posTable.data(),
                typeTable.data(), gamma.data(), beta.data(), out.data(), sum.data(), mean.data(), rstd.data(), batch,
                seq, dim, eps);
    }

    @Override
    protected void launchEmbeddingLayerNormBackward(Tensor dout, Tensor wordIds, Tensor typeIds, Tensor sum,
                                                    Tensor mean, Tensor rstd, Tensor gamma, Tensor dwordTable,
                                                    Tensor dposTable, Tensor dtypeTable, Tensor dgamma, Tensor dbeta,
                                                    long batch, long seq, long dim, int paddingIdx) {
        EmbeddingNative.layerNormBackward(dout.data(), wordIds.data(), typeIds.data(), sum.data(), mean.data(),
                rstd.data(), gamma.data(), segment(dwordTable), segment(dposTable), segment(dtypeTable),
                segment(dgamma), segment(dbeta), batch, seq, dim, paddingIdx);
    }

    @Override
    protected void launchAttentionForward(Tensor q, Tensor k, Tensor v, Tensor maskAdd, Tensor out, Tensor lse,
                                          long batch, long seq, long heads, long headDim, long qkvStride, float scale,
                                          float dropoutP, long seed) {
        AttentionNative.forward(q.data(), k.data(), v.data(), segment(maskAdd), out.data(), lse.data(), batch, seq,
                heads, headDim, qkvStride, scale, dropoutP, seed);
    }

    @Override
    protected void launchAttentionBackward(Tensor q, Tensor k, Tensor v, Tensor maskAdd, Tensor out, Tensor lse,
                                           Tensor dout, Tensor dq, Tensor dk, Tensor dv, long batch, long seq,
                                           long heads, long headDim, long qkvStride, float scale, float dropoutP,
                                           long seed, boolean accumulate) {
        AttentionNative.backward(q.data(), k.data(), v.data(), segment(maskAdd), out.data(), lse.data(), dout.data(),
                dq.data(), dk.data(), dv.data(), batch, seq, heads, headDim, qkvStride, scale, dropoutP, seed,
                accumulate);
    }

    @Override
    protected void launchSoftmaxXentForward(Tensor logits, Tensor labels, Tensor loss, Tensor lse, long n,
                                            long classes, int ignoreIndex) {
        SoftmaxXentNative.forward(logits.data(), labels.data(), loss.data(), lse.data(), n, classes, ignoreIndex);
    }

    @Override
    protected void launchSoftmaxXentBackward(Tensor dloss, Tensor logits, Tensor labels, Tensor lse, Tensor dlogits,
                                             long n, long classes, int ignoreIndex, boolean accumulate) {
        SoftmaxXentNative.backward(dloss.data(), logits.data(), labels.data(), lse.data(), dlogits.data(), n, classes,
                ignoreIndex, accumulate);
    }

    @Override
    protected void launchDropoutForward(Tensor x, Tensor out, float p, long seed, long offset) {
        DropoutNative.forward(x.data(), out.data(), x.numel(), p, seed, offset);
    }

    @Override
    protected void launchDropoutBackward(Tensor dout, Tensor dx, float p, long seed, long offset) {
        DropoutNative.backward(dout.data(), dx.data(), dx.numel(), p, seed, offset);
    }

    @Override
    protected void launchSumForward(Tensor x, Tensor out) {
        ReduceNative.sumForward(x.data(), out.data(), x.numel());
    }

    @Override
    protected void launchSumBackward(Tensor dout, Tensor dx, float scale) {
        ReduceNative.sumBackward(dout.data(), dx.data(), dx.numel(), scale);
    }

    @Override
    protected void launchSumSquares(Tensor x, Tensor out) {
        ReduceNative.sumSquares(x.data(), out.data(), x.numel());
    }

    @Override
    protected void launchAdamwUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1,
                                     float beta2, float eps, float weightDecay, float gradScale) {
        OptimizerNative.adamw(param.data(), grad.data(), m.data(), v.data(), param.numel(), lr, beta1, beta2, eps,
                weightDecay, gradScale);
    }

    @Override
    protected float launchLambUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1,
                                     float beta2, float eps, float weightDecay, boolean useTrustRatio,
                                     float gradScale) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment ratio = scratch.allocate(ValueLayout.JAVA_FLOAT);
            OptimizerNative.lamb(param.data(), grad.data(), m.data(), v.data(), param.numel(), lr, beta1, beta2, eps,
                    weightDecay, useTrustRatio, gradScale, ratio);
            return ratio.get(ValueLayout.JAVA_FLOAT, 0);
        }
    }

    @Override
    protected void launchSumSquaresMulti(int count, MemorySegment xs, MemorySegment sizes, Tensor out) {
        ReduceNative.sumSquaresMulti(count, xs, sizes, out.data());
    }

    @Override
    protected void launchAdamwUpdateMulti(OptimizerPointers t, float lr, float beta1, float beta2, float eps,
                                          MemorySegment weightDecay, float gradScale) {
        OptimizerNative.adamwMulti(t.count(), t.params(), t.grads(), t.m(), t.v(), t.sizes(), lr, beta1, beta2, eps,
                weightDecay, gradScale);
    }

    @Override
    protected float[] launchLambUpdateMulti(OptimizerPointers t, float lr, float beta1, float beta2, float eps,
                                            MemorySegment weightDecay, MemorySegment useTrustRatio, float gradScale,
                                            Arena scratch) {
        MemorySegment ratios = scratch.allocate(ValueLayout.JAVA_FLOAT, Math.max(1, t.count()));
        OptimizerNative.lambMulti(t.count(), t.params(), t.grads(), t.m(), t.v(), t.sizes(), lr, beta1, beta2, eps,
                weightDecay, useTrustRatio, gradScale, ratios);
        return ratios.asSlice(0, t.count() * 4L).toArray(ValueLayout.JAVA_FLOAT);
    }

    @Override
    public void close() {
        // The process-wide CPU backend holds no native state of its own.
    }
}
