package io.albert4j.backend.cuda;

import io.albert4j.backend.Activation;
import io.albert4j.backend.cuda.internal.AttentionNative;
import io.albert4j.backend.cuda.internal.CudaLibrary;
import io.albert4j.backend.cuda.internal.DropoutNative;
import io.albert4j.backend.cuda.internal.ElementwiseNative;
import io.albert4j.backend.cuda.internal.EmbeddingNative;
import io.albert4j.backend.cuda.internal.GeluNative;
import io.albert4j.backend.cuda.internal.LayerNormNative;
import io.albert4j.backend.cuda.internal.OptimizerNative;
import io.albert4j.backend.cuda.internal.ReduceNative;
import io.albert4j.backend.cuda.internal.RuntimeNative;
import io.albert4j.backend.cuda.internal.SoftmaxXentNative;
import io.albert4j.backend.internal.NativeBackend;
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
 * <p>Dispatch only: {@link NativeBackend} checks every kernel's arguments (alive, on this device, the ABI's dtype
 * and extent), the same rules as for the CPU. Kernels whose activations may be bf16 (bias+GELU, LayerNorm input,
 * attention, softmax cross-entropy logits, dropout) take the _bf16 entry point when the tensor is bf16; gemm
 * accepts F32 or BF16 operands (fp32 compute). Scalar results (loss, sums) stay on the device until copied.
 */
@SuppressWarnings("exports")  // the guarded base class is internal: callers see the Backend interface
public final class CudaBackend extends NativeBackend {
    private static final long STAGING_BYTES = 8L << 20;

    private final String name;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment stream;
    /** False for a stream the caller lent ({@link #CudaBackend(Device, MemorySegment)}): it is not destroyed here. */
    private final boolean ownsStream;
    private final CudaGemm gemm;
    /** Pinned host buffer for host<->device copies and small read-backs (trust ratios). */
    private final MemorySegment staging;
    private boolean closed;

    /** A backend with a stream of its own, destroyed by {@link #close()}. */
    public CudaBackend(Device device) {
        this(device, null);
    }

    /**
     * A backend that queues all its work on {@code stream}, a cudaStream_t of {@code device} that the caller created
     * and keeps: how an application with streams of its own (JCuda's, PyTorch's) shares one with albert4j. It must
     * outlive this backend; {@link #close()} synchronizes it but does not destroy it.
     */
    public CudaBackend(Device device, MemorySegment stream) {
        super(requireCuda(device), true);
        RuntimeNative.setDevice(device.index());
        MemorySegment nameBuffer = arena.allocate(256);
        MemorySegment capability = arena.allocate(ValueLayout.JAVA_INT);
        MemorySegment total = arena.allocate(ValueLayout.JAVA_LONG);
        RuntimeNative.deviceInfo(device.index(), nameBuffer, 256, capability, total);
        int cc = capability.get(ValueLayout.JAVA_INT, 0);
        this.name = nameBuffer.getString(0) + ", sm_" + cc + ", " + total.get(ValueLayout.JAVA_LONG, 0) / (1L << 20) + " MiB";
        MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
        this.ownsStream = stream == null;
        if (ownsStream) {
            RuntimeNative.streamCreate(out);
            this.stream = out.get(ValueLayout.ADDRESS, 0);
        } else {
            this.stream = MemorySegment.ofAddress(stream.address());
        }
        RuntimeNative.hostAlloc(out, STAGING_BYTES);
        this.staging = out.get(ValueLayout.ADDRESS, 0).reinterpret(STAGING_BYTES);
        try {
            this.gemm = CudaGemms.provider(CudaGemms.selectedName()).open(this.stream);
        } catch (RuntimeException e) {  // nothing of a backend that never existed may stay behind
            if (ownsStream) {
                RuntimeNative.streamDestroy(this.stream);
            }
            RuntimeNative.hostFree(staging);
            arena.close();
            throw e;
        }
    }

    private static Device requireCuda(Device device) {
        if (device.kind() != Device.Kind.CUDA) {
            throw new IllegalArgumentException("CudaBackend needs a cuda device, got " + device);
        }
        return device;
    }

    @Override
    public String description() {
        return device() + " (" + name + ", " + gemm.library() + ")";
    }

    /**
     * Allows fp32 matrix products to run on TF32 tensor cores (off by default, as in PyTorch). Applies to every
     * later GEMM on this backend, which all users of the device share.
     */
    public void setTf32Matmul(boolean allow) {
        gemm.setTf32(allow);
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
            RuntimeNative.malloc(out, size);
            long address = out.get(ValueLayout.ADDRESS, 0).address();
            return MemorySegment.ofAddress(address).reinterpret(size, lifetime, segment -> free(address));
        }
    }

    private static void free(long address) {
        try {
            RuntimeNative.free(MemorySegment.ofAddress(address));
        } catch (RuntimeException e) {
            // Called from an arena's close: the block is lost to the cache, nothing else can be done here.
        }
    }

    @Override
    public void zero(MemorySegment segment, long bytes) {
        RuntimeNative.memset(segment, 0, bytes, stream);
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
            RuntimeNative.memcpyD2d(dst.data(), src.data(), bytes, stream);
        } else if (srcHost) {
            synchronized (staging) {
                for (long done = 0; done < bytes; done += STAGING_BYTES) {
                    long chunk = Math.min(STAGING_BYTES, bytes - done);
                    // The previous chunk's copy must have left the staging buffer before it is refilled.
                    synchronize();
                    MemorySegment.copy(src.data(), done, staging, 0, chunk);
                    RuntimeNative.memcpyH2d(dst.data().asSlice(done, chunk), staging, chunk, stream);
                }
                synchronize();
            }
        } else {
            synchronized (staging) {
                for (long done = 0; done < bytes; done += STAGING_BYTES) {
                    long chunk = Math.min(STAGING_BYTES, bytes - done);
                    RuntimeNative.memcpyD2h(staging, src.data().asSlice(done, chunk), chunk, stream);
                    synchronize();
                    MemorySegment.copy(staging, 0, dst.data(), done, chunk);
                }
            }
        }
    }

    @Override
    public void synchronize() {
        RuntimeNative.streamSynchronize(stream);
    }

    /**
     * Keeps {@code weights} (e.g. the shared ALBERT block's parameters, allocated contiguously) resident in L2 for
     * this backend's stream; {@code bytes = 0} clears the window.
     */
    public void persistInL2(MemorySegment weights, long bytes, float hitRatio) {
        RuntimeNative.l2Persist(stream, weights, bytes, hitRatio);
    }

    /** Bytes held by live tensors, bytes cached for reuse, and cudaMalloc calls so far. */
    public long[] memoryStats() {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment values = scratch.allocate(ValueLayout.JAVA_LONG, 3);
            RuntimeNative.memoryStats(values, values.asSlice(8), values.asSlice(16));
            return values.toArray(ValueLayout.JAVA_LONG);
        }
    }

    @Override
    protected void launchGemm(boolean transA, boolean transB, long m, long n, long k, float alpha, Tensor a, long lda,
                              long strideA, Tensor b, long ldb, long strideB, float beta, Tensor c, long ldc,
                              long strideC, long batch) {
        gemm.gemm(transA, transB, m, n, k, alpha, a.data(), lda, strideA, b.data(), ldb, strideB, beta, c.data(),
                ldc, strideC, batch, a.dtype(), c.dtype());
    }

    private static boolean bf16(Tensor activation) {
        return activation.dtype() == DType.BF16;
    }

    @Override
    protected void launchAxpy(float alpha, Tensor x, Tensor y) {
        ElementwiseNative.axpy(alpha, x.data(), y.data(), x.numel(), stream);
    }

    @Override
    protected void launchScale(float alpha, Tensor x) {
        ElementwiseNative.scale(alpha, x.data(), x.numel(), stream);
    }

    @Override
    protected void launchFill(float value, Tensor x) {
        ElementwiseNative.fill(value, x.data(), x.numel(), stream);
    }

    @Override
    protected void launchBiasAddForward(Tensor x, Tensor bias, Tensor out, long rows, long cols) {
        ElementwiseNative.biasAddForward(x.data(), bias.data(), out.data(), rows, cols, stream);
    }

    @Override
    protected void launchBiasAddBackward(Tensor dout, Tensor dbias, long rows, long cols) {
        ElementwiseNative.biasAddBackward(dout.data(), dbias.data(), rows, cols, stream);
    }

    @Override
    protected void launchTanhForward(Tensor x, Tensor out) {
        ElementwiseNative.tanhForward(x.data(), out.data(), x.numel(), stream);
    }

    @Override
    protected void launchTanhBackward(Tensor dout, Tensor out, Tensor dx) {
        ElementwiseNative.tanhBackward(dout.data(), out.data(), dx.data(), dx.numel(), stream);
    }

    @Override
    protected void launchCastF32ToBf16(Tensor x, Tensor out) {
        ElementwiseNative.castF32ToBf16(x.data(), out.data(), x.numel(), stream);
    }

    @Override
    protected void launchCastBf16ToF32(Tensor x, Tensor out) {
        ElementwiseNative.castBf16ToF32(x.data(), out.data(), x.numel(), stream);
    }

    @Override
    protected void launchBiasGeluForward(Tensor x, Tensor bias, Tensor out, long rows, long cols,
                                         Activation activation) {
        GeluNative.biasGeluForward(bf16(x), x.data(), segment(bias), out.data(), rows, cols, activation.code(),
                stream);
    }

    @Override
    protected void launchBiasGeluBackward(Tensor dout, Tensor x, Tensor bias, Tensor dx, Tensor dbias, long rows,
                                          long cols, Activation activation, boolean accumulate) {
        GeluNative.biasGeluBackward(bf16(x), dout.data(), x.data(), segment(bias), segment(dx), segment(dbias), rows,
                cols, activation.code(), accumulate, stream);
    }

    @Override
    protected void launchLayerNormForward(Tensor x, Tensor residual, Tensor gamma, Tensor beta, Tensor out,
                                          Tensor sum, Tensor mean, Tensor rstd, long rows, long cols, float eps) {
        if (bf16(x)) {
            LayerNormNative.forwardBf16(x.data(), segment(residual), gamma.data(), beta.data(), out.data(),
                    MemorySegment.NULL, segment(sum), mean.data(), rstd.data(), rows, cols, eps, stream);
        } else {
            LayerNormNative.forward(x.data(), segment(residual), gamma.data(), beta.data(), out.data(), segment(sum),
                    mean.data(), rstd.data(), rows, cols, eps, stream);
        }
    }

    /** LayerNorm of a bf16 {@code x} whose float output also gets a bf16 copy ({@code outBf16}) for the next GEMM. */
    public void layerNormForwardWithBf16Copy(Tensor x, Tensor residual, Tensor gamma, Tensor beta, Tensor out,
                                             Tensor outBf16, Tensor sum, Tensor mean, Tensor rstd, long rows,
                                             long cols, float eps) {
        guardLayerNormForward("layer_norm_bf16", x, DType.BF16, residual, gamma, beta, out, sum, mean, rstd, rows,
                cols);
        tensor(outBf16, DType.BF16, rows * cols, "layer_norm_bf16", "out_bf16");
        LayerNormNative.forwardBf16(x.data(), segment(residual), gamma.data(), beta.data(), out.data(),
                outBf16.data(), segment(sum), mean.data(), rstd.data(), rows, cols, eps, stream);
    }

    @Override
    protected void launchLayerNormBackward(Tensor dout, Tensor input, Tensor mean, Tensor rstd, Tensor gamma,
                                           Tensor dinput, Tensor dgamma, Tensor dbeta, long rows, long cols,
                                           boolean accumulate) {
        LayerNormNative.backward(dout.data(), input.data(), mean.data(), rstd.data(), gamma.data(), segment(dinput),
                segment(dgamma), segment(dbeta), rows, cols, accumulate, stream);
    }

    @Override
    protected void launchEmbeddingForward(Tensor ids, Tensor table, Tensor out, long n, long vocab, long dim) {
        EmbeddingNative.forward(ids.data(), table.data(), out.data(), n, vocab, dim, stream);
    }

    @Override
    protected void launchEmbeddingBackward(Tensor ids, Tensor dout, Tensor dtable, long n, long vocab, long dim,
                                           int paddingIdx) {
        EmbeddingNative.backward(ids.data(), dout.data(), dtable.data(), n, vocab, dim, paddingIdx, stream);
    }

    @Override
    protected void launchEmbeddingLayerNormForward(Tensor wordIds, Tensor typeIds, Tensor wordTable,
                                                   Tensor posTable, Tensor typeTable, Tensor gamma, Tensor beta,
                                                   Tensor out, Tensor sum, Tensor mean, Tensor rstd, long batch,
                                                   long seq, long dim, float eps) {
        EmbeddingNative.layerNormForward(wordIds.data(), typeIds.data(), wordTable.data(), posTable.data(),
                typeTable.data(), gamma.data(), beta.data(), out.data(), sum.data(), mean.data(), rstd.data(), batch,
                seq, dim, eps, stream);
    }

    @Override
    protected void launchEmbeddingLayerNormBackward(Tensor dout, Tensor wordIds, Tensor typeIds, Tensor sum,
                                                    Tensor mean, Tensor rstd, Tensor gamma, Tensor dwordTable,
                                                    Tensor dposTable, Tensor dtypeTable, Tensor dgamma, Tensor dbeta,
                                                    long batch, long seq, long dim, int paddingIdx) {
        EmbeddingNative.layerNormBackward(dout.data(), wordIds.data(), typeIds.data(), sum.data(), mean.data(),
                rstd.data(), gamma.data(), segment(dwordTable), segment(dposTable), segment(dtypeTable),
                segment(dgamma), segment(dbeta), batch, seq, dim, paddingIdx, stream);
    }

    @Override
    protected void launchAttentionForward(Tensor q, Tensor k, Tensor v, Tensor maskAdd, Tensor out, Tensor lse,
                                          long batch, long seq, long heads, long headDim, long qkvStride, float scale,
                                          float dropoutP, long seed) {
        AttentionNative.forward(bf16(q), q.data(), k.data(), v.data(), segment(maskAdd), out.data(), lse.data(),
                batch, seq, heads, headDim, qkvStride, scale, dropoutP, seed, stream);
    }

    @Override
    protected void launchAttentionBackward(Tensor q, Tensor k, Tensor v, Tensor maskAdd, Tensor out, Tensor lse,
                                           Tensor dout, Tensor dq, Tensor dk, Tensor dv, long batch, long seq,
                                           long heads, long headDim, long qkvStride, float scale, float dropoutP,
                                           long seed, boolean accumulate) {
        AttentionNative.backward(bf16(q), q.data(), k.data(), v.data(), segment(maskAdd), out.data(), lse.data(),
                dout.data(), dq.data(), dk.data(), dv.data(), batch, seq, heads, headDim, qkvStride, scale, dropoutP,
                seed, accumulate, stream);
    }

    @Override
    protected void launchSoftmaxXentForward(Tensor logits, Tensor labels, Tensor loss, Tensor lse, long n,
                                            long classes, int ignoreIndex) {
        SoftmaxXentNative.forward(bf16(logits), logits.data(), labels.data(), loss.data(), lse.data(), n, classes,
                ignoreIndex, stream);
    }

    @Override
    protected void launchSoftmaxXentBackward(Tensor dloss, Tensor logits, Tensor labels, Tensor lse, Tensor dlogits,
                                             long n, long classes, int ignoreIndex, boolean accumulate) {
        SoftmaxXentNative.backward(bf16(logits), dloss.data(), logits.data(), labels.data(), lse.data(),
                dlogits.data(), n, classes, ignoreIndex, accumulate, stream);
    }

    @Override
    protected void launchDropoutForward(Tensor x, Tensor out, float p, long seed, long offset) {
        DropoutNative.forward(bf16(x), x.data(), out.data(), x.numel(), p, seed, offset, stream);
    }

    @Override
    protected void launchDropoutBackward(Tensor dout, Tensor dx, float p, long seed, long offset) {
        DropoutNative.backward(dout.data(), dx.data(), dx.numel(), p, seed, offset, stream);
    }

    @Override
    protected void launchSumForward(Tensor x, Tensor out) {
        ReduceNative.sumForward(x.data(), out.data(), x.numel(), stream);
    }

    @Override
    protected void launchSumBackward(Tensor dout, Tensor dx, float scale) {
        ReduceNative.sumBackward(dout.data(), dx.data(), dx.numel(), scale, stream);
    }

    @Override
    protected void launchSumSquares(Tensor x, Tensor out) {
        ReduceNative.sumSquares(x.data(), out.data(), x.numel(), stream);
    }

    @Override
    protected void launchAdamwUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1,
                                     float beta2, float eps, float weightDecay, float gradScale) {
        OptimizerNative.adamw(param.data(), grad.data(), m.data(), v.data(), param.numel(), lr, beta1, beta2, eps,
                weightDecay, gradScale, stream);
    }

    @Override
    protected float launchLambUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1,
                                     float beta2, float eps, float weightDecay, boolean useTrustRatio,
                                     float gradScale) {
        return lambUpdateMulti(List.of(param), List.of(grad), List.of(m), List.of(v), lr, beta1, beta2, eps,
                new float[] {weightDecay}, new boolean[] {useTrustRatio}, gradScale)[0];
    }

    @Override
    protected void launchSumSquaresMulti(int count, MemorySegment xs, MemorySegment sizes, Tensor out) {
        ReduceNative.sumSquaresMulti(count, xs, sizes, out.data(), stream);
    }

    /** Waits for the stream to read the ratios back (through the pinned staging buffer). */
    @Override
    protected float[] launchLambUpdateMulti(OptimizerPointers t, float lr, float beta1, float beta2, float eps,
                                            MemorySegment weightDecay, MemorySegment useTrustRatio, float gradScale,
                                            Arena scratch) {
        int count = t.count();
        synchronized (staging) {
            if (count * 4L > STAGING_BYTES) {
                throw new IllegalArgumentException("lamb_update_multi: too many tensors (" + count + ")");
            }
            OptimizerNative.lambMulti(count, t.params(), t.grads(), t.m(), t.v(), t.sizes(), lr, beta1, beta2, eps,
                    weightDecay, useTrustRatio, gradScale, staging, stream);
            synchronize();
            return staging.asSlice(0, count * 4L).toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    /** Does not wait. */
    @Override
    protected void launchAdamwUpdateMulti(OptimizerPointers t, float lr, float beta1, float beta2, float eps,
                                          MemorySegment weightDecay, float gradScale) {
        OptimizerNative.adamwMulti(t.count(), t.params(), t.grads(), t.m(), t.v(), t.sizes(), lr, beta1, beta2, eps,
                weightDecay, gradScale, stream);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        markClosed();
        try {
            synchronize();
        } finally {
            gemm.close();
            if (ownsStream) {
                RuntimeNative.streamDestroy(stream);
            }
            RuntimeNative.hostFree(staging);
            arena.close();
        }
    }

    /** The library's last error message (for diagnostics). */
    public static String lastError() {
        return CudaLibrary.lastError();
    }

    private void requireHere(Tensor t, boolean host, String kernel, String argument) {
        if (!host && !t.device().equals(device())) {
            throw new IllegalArgumentException(kernel + ": argument '" + argument + "' " + t.describe()
                    + " is on another device than " + device());
        }
    }
}
