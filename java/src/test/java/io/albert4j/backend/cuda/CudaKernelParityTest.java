package io.albert4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.backend.Activation;
import io.albert4j.backend.cuda.GpuParity.Pair;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Every CUDA kernel against the CPU backend on the same random inputs (sizes off the warp/tile multiples). */
@Tag("cuda")
class CudaKernelParityTest {

    @Test
    void elementwiseOps() {
        try (GpuParity p = new GpuParity(1)) {
            int n = 1000;
            Pair x = p.pair(p.floats(n, 2), n);
            Pair y = p.pair(p.floats(n, 2), n);
            p.cpu.axpy(0.5f, x.host(), y.host());
            p.gpu.axpy(0.5f, x.device(), y.device());
            p.assertClose("axpy", y, 1e-6, 1e-6);
            p.cpu.scale(-1.5f, y.host());
            p.gpu.scale(-1.5f, y.device());
            p.assertClose("scale", y, 1e-6, 1e-6);
            Pair out = p.zeros(n);
            p.cpu.tanhForward(x.host(), out.host());
            p.gpu.tanhForward(x.device(), out.device());
            p.assertClose("tanh", out, 1e-6, 1e-5);
            Pair dx = p.pair(p.floats(n, 1), n);
            p.cpu.tanhBackward(y.host(), out.host(), dx.host());
            p.gpu.tanhBackward(y.device(), out.device(), dx.device());
            p.assertClose("tanh_backward", dx, 1e-5, 1e-5);
            int rows = 37, cols = 45;
            Pair m = p.pair(p.floats(rows * cols, 1), rows, cols);
            Pair bias = p.pair(p.floats(cols, 1), cols);
            Pair mo = p.zeros(rows, cols);
            p.cpu.biasAddForward(m.host(), bias.host(), mo.host(), rows, cols);
            p.gpu.biasAddForward(m.device(), bias.device(), mo.device(), rows, cols);
            p.assertClose("bias_add", mo, 1e-6, 1e-6);
            p.cpu.biasAddBackward(m.host(), bias.host(), rows, cols);
            p.gpu.biasAddBackward(m.device(), bias.device(), rows, cols);
            p.assertClose("bias_add_backward", bias, 1e-4, 1e-5);
            Tensor bf = p.deviceArena.allocate(DType.BF16, n);
            Pair back = p.zeros(n);
            Tensor bfHost = p.hostArena.allocate(DType.BF16, n);
            p.cpu.castF32ToBf16(x.host(), bfHost);
            p.cpu.castBf16ToF32(bfHost, back.host());
            p.gpu.castF32ToBf16(x.device(), bf);
            p.gpu.castBf16ToF32(bf, back.device());
            p.assertClose("bf16 round trip", back, 0, 0);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void biasActivation(int code) {
        Activation act = Activation.values()[code];
        try (GpuParity p = new GpuParity(2 + code)) {
            int rows = 33, cols = 70;
            Pair x = p.pair(p.floats(rows * cols, 3), rows, cols);
            Pair bias = p.pair(p.floats(cols, 1), cols);
            Pair out = p.zeros(rows, cols);
            p.cpu.biasGeluForward(x.host(), bias.host(), out.host(), rows, cols, act);
            p.gpu.biasGeluForward(x.device(), bias.device(), out.device(), rows, cols, act);
            p.assertClose("bias_gelu " + act, out, 1e-5, 1e-5);
            Pair dout = p.pair(p.floats(rows * cols, 1), rows, cols);
            Pair dx = p.pair(p.floats(rows * cols, 1), rows, cols);
            Pair dbias = p.pair(p.floats(cols, 1), cols);
            p.cpu.biasGeluBackward(dout.host(), x.host(), bias.host(), dx.host(), dbias.host(), rows, cols, act);
            p.gpu.biasGeluBackward(dout.device(), x.device(), bias.device(), dx.device(), dbias.device(), rows, cols, act);
            p.assertClose("bias_gelu_backward dx " + act, dx, 1e-5, 1e-5);
            p.assertClose("bias_gelu_backward dbias " + act, dbias, 1e-4, 1e-4);
        }
    }

    @Test
    void layerNormAndEmbeddings() {
        try (GpuParity p = new GpuParity(7)) {
            int rows = 19, cols = 130;
            Pair x = p.pair(p.floats(rows * cols, 2), rows, cols);
            Pair res = p.pair(p.floats(rows * cols, 2), rows, cols);
            Pair gamma = p.pair(p.floats(cols, 1), cols);
            Pair beta = p.pair(p.floats(cols, 1), cols);
            Pair out = p.zeros(rows, cols);
            Pair sum = p.zeros(rows, cols);
            Pair mean = p.zeros(rows);
            Pair rstd = p.zeros(rows);
            p.cpu.layerNormForward(x.host(), res.host(), gamma.host(), beta.host(), out.host(), sum.host(), mean.host(), rstd.host(), rows, cols, 1e-12f);
            p.gpu.layerNormForward(x.device(), res.device(), gamma.device(), beta.device(), out.device(), sum.device(), mean.device(), rstd.device(), rows, cols, 1e-12f);
            p.assertClose("layer_norm out", out, 1e-5, 1e-4);
            p.assertClose("layer_norm rstd", rstd, 1e-5, 1e-4);
            Pair dout = p.pair(p.floats(rows * cols, 1), rows, cols);
            Pair dinput = p.pair(p.floats(rows * cols, 1), rows, cols);
            Pair dgamma = p.pair(p.floats(cols, 1), cols);
            Pair dbeta = p.pair(p.floats(cols, 1), cols);
            p.cpu.layerNormBackward(dout.host(), sum.host(), mean.host(), rstd.host(), gamma.host(), dinput.host(), dgamma.host(), dbeta.host(), rows, cols);
            p.gpu.layerNormBackward(dout.device(), sum.device(), mean.device(), rstd.device(), gamma.device(), dinput.device(), dgamma.device(), dbeta.device(), rows, cols);
            p.assertClose("layer_norm dinput", dinput, 1e-4, 1e-3);
            p.assertClose("layer_norm dgamma", dgamma, 1e-4, 1e-3);
            p.assertClose("layer_norm dbeta", dbeta, 1e-4, 1e-3);

            int batch = 3, seq = 11, dim = 40, vocab = 50, types = 2;
            Pair word = p.pair(p.floats(vocab * dim, 1), vocab, dim);
            Pair pos = p.pair(p.floats(seq * dim, 1), seq, dim);
            Pair type = p.pair(p.floats(types * dim, 1), types, dim);
            Pair g = p.pair(p.floats(dim, 1), dim);
            Pair b = p.pair(p.floats(dim, 1), dim);
            Pair ids = p.pairInts(p.ints(batch * seq, vocab), batch, seq);
            Pair tids = p.pairInts(p.ints(batch * seq, types), batch, seq);
            Pair eo = p.zeros(batch * seq, dim);
            Pair es = p.zeros(batch * seq, dim);
            Pair em = p.zeros(batch * seq);
            Pair er = p.zeros(batch * seq);
            p.cpu.embeddingLayerNormForward(ids.host(), tids.host(), word.host(), pos.host(), type.host(), g.host(), b.host(), eo.host(), es.host(), em.host(), er.host(), batch, seq, dim, 1e-12f);
            p.gpu.embeddingLayerNormForward(ids.device(), tids.device(), word.device(), pos.device(), type.device(), g.device(), b.device(), eo.device(), es.device(), em.device(), er.device(), batch, seq, dim, 1e-12f);
            p.assertClose("embedding_layer_norm out", eo, 1e-5, 1e-4);
            Pair ed = p.pair(p.floats(batch * seq * dim, 1), batch * seq, dim);
            Pair dword = p.zeros(vocab, dim);
            Pair dpos = p.zeros(seq, dim);
            Pair dtype = p.zeros(types, dim);
            Pair dg = p.zeros(dim);
            Pair db = p.zeros(dim);
            p.cpu.embeddingLayerNormBackward(ed.host(), ids.host(), tids.host(), es.host(), em.host(), er.host(), g.host(), dword.host(), dpos.host(), dtype.host(), dg.host(), db.host(), batch, seq, dim, 0);
            p.gpu.embeddingLayerNormBackward(ed.device(), ids.device(), tids.device(), es.device(), em.device(), er.device(), g.device(), dword.device(), dpos.device(), dtype.device(), dg.device(), db.device(), batch, seq, dim, 0);
            p.assertClose("embedding_layer_norm dword", dword, 1e-4, 1e-3);
            p.assertClose("embedding_layer_norm dpos", dpos, 1e-4, 1e-3);
            p.assertClose("embedding_layer_norm dtype", dtype, 1e-4, 1e-3);
            p.assertClose("embedding_layer_norm dgamma", dg, 1e-4, 1e-3);

            Pair gathered = p.zeros(batch * seq, dim);
            p.cpu.embeddingForward(ids.host(), word.host(), gathered.host(), batch * seq, vocab, dim);
            p.gpu.embeddingForward(ids.device(), word.device(), gathered.device(), batch * seq, vocab, dim);
            p.assertClose("embedding", gathered, 0, 0);
            p.cpu.embeddingBackward(ids.host(), ed.host(), dword.host(), batch * seq, vocab, dim, 3);
            p.gpu.embeddingBackward(ids.device(), ed.device(), dword.device(), batch * seq, vocab, dim, 3);
            p.assertClose("embedding_backward", dword, 1e-4, 1e-3);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 64, 80})
    void attentionForwardAndBackward(int headDim) {
        try (GpuParity p = new GpuParity(11 + headDim)) {
            int batch = 2, seq = 45, heads = 3, hidden = heads * headDim, stride = 3 * hidden;
            float dropout = headDim == 16 ? 0.1f : 0f;
            float scale = (float) (1 / Math.sqrt(headDim));
            Pair qkv = p.pair(p.floats(batch * seq * stride, 1), batch * seq, stride);
            float[] maskValues = new float[batch * seq];
            for (int i = seq - 7; i < seq; i++) {
                maskValues[seq + i] = -10000f;   // padding at the end of the second sequence
            }
            Pair mask = p.pair(maskValues, batch, seq);
            Pair out = p.zeros(batch * seq, hidden);
            Pair lse = p.zeros(batch * heads * seq);
            Tensor hq = qkv.host(), dq = qkv.device();
            Tensor hk = hq.view(batch * seq * stride), dk = dq.view(batch * seq * stride);
            var hostK = new Tensor(hk.data().asSlice(hidden * 4L), DType.F32, hk.device(), batch * seq * stride - hidden);
            var hostV = new Tensor(hk.data().asSlice(2L * hidden * 4), DType.F32, hk.device(), batch * seq * stride - 2 * hidden);
            var devK = new Tensor(dk.data().asSlice(hidden * 4L), DType.F32, dk.device(), batch * seq * stride - hidden);
            var devV = new Tensor(dk.data().asSlice(2L * hidden * 4), DType.F32, dk.device(), batch * seq * stride - 2 * hidden);
            p.cpu.attentionForward(hq, hostK, hostV, mask.host(), out.host(), lse.host(), batch, seq, heads, headDim, stride, scale, dropout, 42);
            p.gpu.attentionForward(dq, devK, devV, mask.device(), out.device(), lse.device(), batch, seq, heads, headDim, stride, scale, dropout, 42);
            p.assertClose("attention out d=" + headDim, out, 1e-5, 1e-4);
            p.assertClose("attention lse d=" + headDim, lse, 1e-5, 1e-5);
            Pair dout = p.pair(p.floats(batch * seq * hidden, 1), batch * seq, hidden);
            Pair grads = p.pair(p.floats(batch * seq * stride, 1), batch * seq, stride);
            Tensor gh = grads.host(), gd = grads.device();
            var ghK = new Tensor(gh.data().asSlice(hidden * 4L), DType.F32, gh.device(), batch * seq * stride - hidden);
            var ghV = new Tensor(gh.data().asSlice(2L * hidden * 4), DType.F32, gh.device(), batch * seq * stride - 2 * hidden);
            var gdK = new Tensor(gd.data().asSlice(hidden * 4L), DType.F32, gd.device(), batch * seq * stride - hidden);
            var gdV = new Tensor(gd.data().asSlice(2L * hidden * 4), DType.F32, gd.device(), batch * seq * stride - 2 * hidden);
            p.cpu.attentionBackward(hq, hostK, hostV, mask.host(), out.host(), lse.host(), dout.host(), gh, ghK, ghV, batch, seq, heads, headDim, stride, scale, dropout, 42);
            p.gpu.attentionBackward(dq, devK, devV, mask.device(), out.device(), lse.device(), dout.device(), gd, gdK, gdV, batch, seq, heads, headDim, stride, scale, dropout, 42);
            p.assertClose("attention dq/dk/dv d=" + headDim, grads, 1e-4, 1e-3);

            if (headDim == 64) {  // tensor-core path: bf16 inputs, compare with the float result loosely
                Tensor qkvBf16 = p.deviceArena.allocate(DType.BF16, batch * seq, stride);
                p.gpu.castF32ToBf16(dq, qkvBf16);
                Tensor flat = qkvBf16.view(batch * seq * stride);
                var bk = new Tensor(flat.data().asSlice(hidden * 2L), DType.BF16, flat.device(), batch * seq * stride - hidden);
                var bv = new Tensor(flat.data().asSlice(2L * hidden * 2), DType.BF16, flat.device(), batch * seq * stride - 2 * hidden);
                Tensor outBf16 = p.deviceArena.allocate(DType.BF16, batch * seq, hidden);
                Pair lse16 = p.zeros(batch * heads * seq);
                p.gpu.attentionForward(qkvBf16, bk, bv, mask.device(), outBf16, lse16.device(), batch, seq, heads, headDim, stride, scale, 0f, 42);
                float[] bfOut = p.download(outBf16);
                float[] ref = out.host().toFloatArray();
                double worst = 0;
                for (int i = 0; i < ref.length; i++) {
                    worst = Math.max(worst, Math.abs(ref[i] - bfOut[i]));
                }
                assertEquals(0.0, worst, 3e-2, "bf16 tensor-core attention vs fp32 CPU, max abs error");
            }
        }
    }

    @Test
    void softmaxXentDropoutReductions() {
        try (GpuParity p = new GpuParity(21)) {
            int n = 13, classes = 1001;
            Pair logits = p.pair(p.floats(n * classes, 5), n, classes);
            int[] labels = p.ints(n, classes);
            labels[3] = -100;
            labels[7] = -100;
            Pair lab = p.pairInts(labels, n);
            Pair loss = p.zeros(1);
            Pair lse = p.zeros(n);
            p.cpu.softmaxXentForward(logits.host(), lab.host(), loss.host(), lse.host(), n, classes, -100);
            p.gpu.softmaxXentForward(logits.device(), lab.device(), loss.device(), lse.device(), n, classes, -100);
            p.assertClose("softmax_xent loss", loss, 1e-5, 1e-5);
            p.assertClose("softmax_xent lse", lse, 1e-5, 1e-5);
            Pair dloss = p.pair(new float[] {1.5f}, 1);
            Pair dlogits = p.pair(p.floats(n * classes, 1), n, classes);
            p.cpu.softmaxXentBackward(dloss.host(), logits.host(), lab.host(), lse.host(), dlogits.host(), n, classes, -100);
            p.gpu.softmaxXentBackward(dloss.device(), logits.device(), lab.device(), lse.device(), dlogits.device(), n, classes, -100);
            p.assertClose("softmax_xent dlogits", dlogits, 1e-6, 1e-5);

            int m = 4099;
            Pair x = p.pair(p.floats(m, 1), m);
            Pair out = p.zeros(m);
            p.cpu.dropoutForward(x.host(), out.host(), 0.1f, 7, 123);
            p.gpu.dropoutForward(x.device(), out.device(), 0.1f, 7, 123);
            p.assertClose("dropout", out, 0, 1e-6);
            Pair dx = p.pair(p.floats(m, 1), m);
            p.cpu.dropoutBackward(x.host(), dx.host(), 0.1f, 7, 123);
            p.gpu.dropoutBackward(x.device(), dx.device(), 0.1f, 7, 123);
            p.assertClose("dropout_backward", dx, 1e-6, 1e-6);

            Pair s = p.pair(new float[] {0.25f}, 1);
            p.cpu.sumForward(x.host(), s.host());
            p.gpu.sumForward(x.device(), s.device());
            p.assertClose("sum", s, 1e-4, 1e-5);
            p.cpu.sumSquares(x.host(), s.host());
            p.gpu.sumSquares(x.device(), s.device());
            p.assertClose("sum_squares", s, 1e-4, 1e-5);
            p.cpu.sumBackward(s.host(), dx.host(), 0.5f);
            p.gpu.sumBackward(s.device(), dx.device(), 0.5f);
            p.assertClose("sum_backward", dx, 1e-5, 1e-5);
        }
    }

    @Test
    void gemmOnCublas() {
        try (GpuParity p = new GpuParity(31)) {
            int m = 33, n = 47, k = 29, batch = 2;
            Pair a = p.pair(p.floats(batch * k * m, 1), batch, k, m);      // transposed A
            Pair b = p.pair(p.floats(batch * k * n, 1), batch, k, n);
            Pair c = p.pair(p.floats(batch * m * n, 1), batch, m, n);
            p.cpu.gemm(true, false, m, n, k, 0.7f, a.host(), m, (long) k * m, b.host(), n, (long) k * n, 0.5f, c.host(), n, (long) m * n, batch);
            p.gpu.gemm(true, false, m, n, k, 0.7f, a.device(), m, (long) k * m, b.device(), n, (long) k * n, 0.5f, c.device(), n, (long) m * n, batch);
            p.assertClose("gemm TN batched", c, 1e-4, 1e-4);
            Pair bt = p.pair(p.floats(n * k, 1), n, k);
            Pair a2 = p.pair(p.floats(m * k, 1), m, k);
            Pair c2 = p.zeros(m, n);
            p.cpu.gemm(false, true, m, n, k, 1f, a2.host(), k, 0, bt.host(), k, 0, 0f, c2.host(), n, 0, 1);
            p.gpu.gemm(false, true, m, n, k, 1f, a2.device(), k, 0, bt.device(), k, 0, 0f, c2.device(), n, 0, 1);
            p.assertClose("gemm NT", c2, 1e-4, 1e-4);
        }
    }

    @Test
    void gemmOnTf32TensorCoresIsCloseButRounded() {
        try (GpuParity p = new GpuParity(32)) {
            int m = 256, n = 256, k = 256;
            Pair a = p.pair(p.floats(m * k, 1), m, k);
            Pair b = p.pair(p.floats(k * n, 1), k, n);
            Pair c = p.zeros(m, n);
            p.cpu.gemm(false, false, m, n, k, 1f, a.host(), k, 0, b.host(), n, 0, 0f, c.host(), n, 0, 1);
            CudaBackend gpu = (CudaBackend) p.gpu;
            gpu.setTf32Matmul(true);
            try {
                gpu.gemm(false, false, m, n, k, 1f, a.device(), k, 0, b.device(), n, 0, 0f, c.device(), n, 0, 1);
            } finally {
                gpu.setTf32Matmul(false);
            }
            float[] ref = c.host().toFloatArray();
            float[] tf32 = p.download(c.device());
            double worst = 0;
            for (int i = 0; i < ref.length; i++) {
                worst = Math.max(worst, Math.abs(ref[i] - tf32[i]));
            }
            // Inputs rounded to a 10-bit mantissa: ~5e-4 relative per product, summed over k = 256 terms of size ~1/3.
            assertTrue(worst < 0.1, "TF32 gemm max abs error " + worst);
            assertTrue(worst > 0, "TF32 gemm equals fp32 exactly: tensor cores were not used");
        }
    }

    @Test
    void optimizersSingleAndMultiTensor() {
        try (GpuParity p = new GpuParity(41)) {
            int n1 = 1000, n2 = 77;
            Pair w1 = p.pair(p.floats(n1, 1), n1), g1 = p.pair(p.floats(n1, 1), n1);
            Pair m1 = p.pair(p.floats(n1, 0.1), n1), v1 = p.pair(new float[n1], n1);
            Pair w2 = p.pair(p.floats(n2, 1), n2), g2 = p.pair(p.floats(n2, 1), n2);
            Pair m2 = p.zeros(n2), v2 = p.zeros(n2);
            float r1 = p.cpu.lambUpdate(w1.host(), g1.host(), m1.host(), v1.host(), 1e-3f, 0.9f, 0.999f, 1e-6f, 0.01f, true, 0.5f);
            float r2 = p.cpu.lambUpdate(w2.host(), g2.host(), m2.host(), v2.host(), 1e-3f, 0.9f, 0.999f, 1e-6f, 0f, false, 0.5f);
            CudaBackend gpu = (CudaBackend) p.gpu;
            float[] ratios = gpu.lambUpdateMulti(java.util.List.of(w1.device(), w2.device()),
                    java.util.List.of(g1.device(), g2.device()), java.util.List.of(m1.device(), m2.device()),
                    java.util.List.of(v1.device(), v2.device()), 1e-3f, 0.9f, 0.999f, 1e-6f, new float[] {0.01f, 0f},
                    new boolean[] {true, false}, 0.5f);
            assertEquals(r1, ratios[0], 1e-4 * Math.abs(r1), "trust ratio");
            assertEquals(r2, ratios[1], 0, "no trust ratio");
            p.assertClose("lamb w1", w1, 1e-6, 1e-5);
            p.assertClose("lamb w2", w2, 1e-6, 1e-5);
            p.assertClose("lamb v1", v1, 1e-7, 1e-5);
            p.cpu.adamwUpdate(w1.host(), g1.host(), m1.host(), v1.host(), 1e-3f, 0.9f, 0.999f, 1e-6f, 0.01f, 1f);
            p.gpu.adamwUpdate(w1.device(), g1.device(), m1.device(), v1.device(), 1e-3f, 0.9f, 0.999f, 1e-6f, 0.01f, 1f);
            p.assertClose("adamw w1", w1, 1e-6, 1e-5);
            float single = p.gpu.lambUpdate(w2.device(), g2.device(), m2.device(), v2.device(), 1e-3f, 0.9f, 0.999f, 1e-6f, 0.01f, true, 1f);
            float cpuSingle = p.cpu.lambUpdate(w2.host(), g2.host(), m2.host(), v2.host(), 1e-3f, 0.9f, 0.999f, 1e-6f, 0.01f, true, 1f);
            assertEquals(cpuSingle, single, 1e-4 * Math.abs(cpuSingle), "per-tensor LAMB trust ratio");
            p.assertClose("lamb single w2", w2, 1e-6, 1e-5);
        }
    }
}
