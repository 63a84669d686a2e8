package io.albert4j.backend.cuda;

import io.albert4j.backend.Activation;
import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Device;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A small ALBERT-shaped training step written directly against the Backend SPI, so the same code runs on the CPU
 * and on a GPU: embeddings + LayerNorm, a fused QKV GEMM, fused attention (with dropout), bias + GELU, tied
 * output GEMM against the word table, softmax cross-entropy with ignored labels, the full backward pass and a
 * LAMB update of every parameter. Used by the CPU-vs-GPU parity test and by the compute-sanitizer run.
 */
final class TinyTrainingStep implements AutoCloseable {
    static final int BATCH = 2, SEQ = 37, DIM = 64, HEADS = 1, VOCAB = 97, TYPES = 2;
    private final Backend backend;
    private final StepArena arena;
    private final Tensor hostStaging;
    final List<Tensor> params = new ArrayList<>();
    final List<Tensor> grads = new ArrayList<>();
    private final List<Tensor> m = new ArrayList<>();
    private final List<Tensor> v = new ArrayList<>();
    private final Tensor word, pos, type, gamma, beta, wqkv, bias;
    private final Tensor ids, typeIds, labels, mask;

    TinyTrainingStep(Backend backend, long seed) {
        this.backend = backend;
        this.arena = new StepArena(backend, 8 << 20);
        this.hostStaging = Tensor.allocateHost(DType.F32, VOCAB * DIM * 4);
        SplittableRandom random = new SplittableRandom(seed);
        word = param(random, 0.5, VOCAB, DIM);
        pos = param(random, 0.5, SEQ, DIM);
        type = param(random, 0.5, TYPES, DIM);
        gamma = param(random, 0.1, DIM);
        beta = param(random, 0.1, DIM);
        wqkv = param(random, 0.2, DIM, 3 * DIM);
        bias = param(random, 0.1, DIM);
        int tokens = BATCH * SEQ;
        int[] idValues = new int[tokens], typeValues = new int[tokens], labelValues = new int[tokens];
        float[] maskValues = new float[tokens];
        for (int i = 0; i < tokens; i++) {
            idValues[i] = random.nextInt(VOCAB);
            typeValues[i] = (i % SEQ) < SEQ / 2 ? 0 : 1;
            labelValues[i] = random.nextInt(4) == 0 ? random.nextInt(VOCAB) : -100;
            maskValues[i] = i >= SEQ && i % SEQ >= SEQ - 5 ? -10000f : 0f;
        }
        ids = upload(Tensor.ofInts(idValues, tokens));
        typeIds = upload(Tensor.ofInts(typeValues, tokens));
        labels = upload(Tensor.ofInts(labelValues, tokens));
        mask = upload(Tensor.ofFloats(maskValues, BATCH, SEQ));
    }

    private Tensor param(SplittableRandom random, double scale, int... shape) {
        float[] values = new float[(int) Tensor.numelOf(shape)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        Tensor p = upload(Tensor.ofFloats(values, shape));
        params.add(p);
        grads.add(arena.allocateZeroed(DType.F32, shape));
        m.add(arena.allocateZeroed(DType.F32, shape));
        v.add(arena.allocateZeroed(DType.F32, shape));
        return p;
    }

    private Tensor upload(Tensor host) {
        Tensor d = arena.allocate(host.dtype(), host.shape());
        backend.copy(host, d);
        host.close();
        return d;
    }

    private Tensor zeros(int... shape) {
        return arena.allocateZeroed(DType.F32, shape);
    }

    /** One forward + backward + LAMB step; returns the loss. */
    float step(long dropoutSeed) {
        int n = BATCH * SEQ;
        for (Tensor g : grads) {
            backend.fill(0f, g);
        }
        Tensor e = zeros(n, DIM), sum = zeros(n, DIM), mean = zeros(n), rstd = zeros(n);
        backend.embeddingLayerNormForward(ids, typeIds, word, pos, type, gamma, beta, e, sum, mean, rstd, BATCH, SEQ, DIM, 1e-12f);
        Tensor qkv = zeros(n, 3 * DIM);
        backend.gemm(false, false, n, 3 * DIM, DIM, 1f, e, DIM, 0, wqkv, 3 * DIM, 0, 0f, qkv, 3 * DIM, 0, 1);
        Tensor att = zeros(n, DIM), lse = zeros(BATCH * HEADS * SEQ);
        Tensor[] qkvParts = columnBlocks(qkv);
        float scale = (float) (1 / Math.sqrt(DIM / HEADS));
        backend.attentionForward(qkvParts[0], qkvParts[1], qkvParts[2], mask, att, lse, BATCH, SEQ, HEADS, DIM / HEADS, 3 * DIM, scale, 0.1f, dropoutSeed);
        Tensor h = zeros(n, DIM);
        backend.biasGeluForward(att, bias, h, n, DIM, Activation.GELU_TANH);
        Tensor logits = zeros(n, VOCAB), xlse = zeros(n), loss = zeros(1);
        backend.gemm(false, true, n, VOCAB, DIM, 1f, h, DIM, 0, word, DIM, 0, 0f, logits, VOCAB, 0, 1);
        backend.softmaxXentForward(logits, labels, loss, xlse, n, VOCAB, -100);

        Tensor dloss = zeros(1);
        backend.fill(1f, dloss);
        Tensor dlogits = zeros(n, VOCAB);
        backend.softmaxXentBackward(dloss, logits, labels, xlse, dlogits, n, VOCAB, -100);
        Tensor dh = zeros(n, DIM);
        backend.gemm(false, false, n, DIM, VOCAB, 1f, dlogits, VOCAB, 0, word, DIM, 0, 0f, dh, DIM, 0, 1);
        backend.gemm(true, false, VOCAB, DIM, n, 1f, dlogits, VOCAB, 0, h, DIM, 0, 1f, grads.get(0), DIM, 0, 1);
        Tensor datt = zeros(n, DIM);
        backend.biasGeluBackward(dh, att, bias, datt, grads.get(6), n, DIM, Activation.GELU_TANH);
        Tensor dqkv = zeros(n, 3 * DIM);
        Tensor[] dParts = columnBlocks(dqkv);
        backend.attentionBackward(qkvParts[0], qkvParts[1], qkvParts[2], mask, att, lse, datt, dParts[0], dParts[1], dParts[2], BATCH, SEQ, HEADS, DIM / HEADS, 3 * DIM, scale, 0.1f, dropoutSeed);
        Tensor de = zeros(n, DIM);
        backend.gemm(false, true, n, DIM, 3 * DIM, 1f, dqkv, 3 * DIM, 0, wqkv, 3 * DIM, 0, 0f, de, DIM, 0, 1);
        backend.gemm(true, false, DIM, 3 * DIM, n, 1f, e, DIM, 0, dqkv, 3 * DIM, 0, 1f, grads.get(5), 3 * DIM, 0, 1);
        backend.embeddingLayerNormBackward(de, ids, typeIds, sum, mean, rstd, gamma, grads.get(0), grads.get(1), grads.get(2), grads.get(3), grads.get(4), BATCH, SEQ, DIM, 0);
        for (int i = 0; i < params.size(); i++) {
            backend.lambUpdate(params.get(i), grads.get(i), m.get(i), v.get(i), 1e-3f, 0.9f, 0.999f, 1e-6f, i >= 3 && i != 5 ? 0f : 0.01f, true, 1f);
        }
        return download(loss)[0];
    }

    /** q, k, v as views starting at column 0, DIM and 2*DIM of a [n, 3*DIM] buffer (rows 3*DIM apart). */
    private static Tensor[] columnBlocks(Tensor fused) {
        long total = fused.numel();
        Device device = fused.device();
        Tensor[] parts = new Tensor[3];
        for (int p = 0; p < 3; p++) {
            long offset = (long) p * DIM;
            parts[p] = new Tensor(fused.data().asSlice(offset * 4), DType.F32, device, (int) (total - offset));
        }
        return parts;
    }

    float[] download(Tensor t) {
        Tensor host = hostStaging.view((int) hostStaging.numel()).slice(0, (int) t.numel());
        backend.copy(t, host);
        return host.toFloatArray();
    }

    @Override
    public void close() {
        backend.synchronize();
        arena.close();
        hostStaging.close();
    }
}
