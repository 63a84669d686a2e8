package io.albert4j.ops;

import io.albert4j.autograd.Tape;
import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Device;
import io.albert4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Fused multi-head self-attention: {@code softmax(Q·Kᵀ/√d + mask)·V} per head, with dropout on the probabilities.
 * Kernels: a4j_attention_forward/backward in cpu/attention.cpp. The forward keeps only the output and the per-row
 * log-sum-exp; the backward recomputes the probabilities from them (no {@code [S, S]} tensor is stored).
 */
final class AttentionOp {
    private static final String OP = "attention";
    /** HF's extended attention mask: (1 - mask) · -10000 (modeling_albert get_extended_attention_mask). */
    static final float MASKED_SCORE = -10000.0f;

    private AttentionOp() {
    }

    /** q, k, v {@code [B, S, H]} (separate tensors), maskAdd {@code [B, S]} additive or null. */
    static Tensor apply(Tensor q, Tensor k, Tensor v, Tensor maskAdd, int heads, float dropoutP, long seed) {
        Step step = Step.current();
        Backend backend = step.backend();
        OpChecks.require(OP, "q", q, DType.F32, backend.device());
        OpChecks.require(OP, "k", k, DType.F32, backend.device());
        OpChecks.require(OP, "v", v, DType.F32, backend.device());
        OpChecks.requireRank(OP, "q", q, 3);
        OpChecks.requireSameShape(OP, "q", q, "k", k);
        OpChecks.requireSameShape(OP, "q", q, "v", v);
        Layout layout = Layout.of(q.dim(0), q.dim(1), q.dim(2), q.dim(2), heads, dropoutP, "last dim of 'q'");
        checkMask(maskAdd, layout, backend.device());

        Tensor out = step.allocate(DType.F32, layout.batch, layout.seq, layout.hidden);
        Tensor lse = step.allocate(DType.F32, layout.batch, heads, layout.seq);
        layout.forward(backend, q, k, v, maskAdd, out, lse, seed);
        step.record(OP, out, (gradOut, tape) -> {
            Tape.GradTarget[] targets = {tape.gradTarget(q), tape.gradTarget(k), tape.gradTarget(v)};
            Tensor[] inputs = {q, k, v};
            // The kernel takes one accumulate flag: it overwrites when every buffer is fresh (the usual case: three
            // projections). Otherwise (q, k or v shared, or already holding gradient) the fresh ones are zeroed.
            boolean accumulate = false;
            for (Tape.GradTarget t : targets) {
                accumulate |= t != null && t.accumulate();
            }
            Tensor[] grads = new Tensor[3];
            for (int i = 0; i < 3; i++) {
                // An input that needs no gradient still gets a buffer, thrown away: the kernel writes all three.
                grads[i] = targets[i] != null ? targets[i].buffer() : step.allocate(DType.F32, inputs[i].shape());
                if (accumulate && targets[i] != null && !targets[i].accumulate()) {
                    backend.zero(grads[i].data(), grads[i].byteSize());
                }
            }
            layout.backward(backend, q, k, v, maskAdd, out, lse, gradOut, grads[0], grads[1], grads[2], seed,
                    accumulate);
        }, q, k, v);
        return out;
    }

    /** As {@link #apply} with q, k, v the column blocks {@code [0, H)}, {@code [H, 2H)}, {@code [2H, 3H)} of qkv. */
    static Tensor applyPacked(Tensor qkv, Tensor maskAdd, int heads, float dropoutP, long seed) {
        Step step = Step.current();
        Backend backend = step.backend();
        OpChecks.require(OP, "qkv", qkv, DType.F32, backend.device());
        OpChecks.requireRank(OP, "qkv", qkv, 3);
        int packedWidth = qkv.dim(2);
        if (packedWidth % 3 != 0) {
            throw new IllegalArgumentException(OP + ": 'qkv' " + Arrays.toString(qkv.shape())
                    + " must have a last dim of 3·hidden (q, k, v side by side), got " + packedWidth);
        }
        Layout layout = Layout.of(qkv.dim(0), qkv.dim(1), packedWidth / 3, packedWidth, heads, dropoutP,
                "a third of the last dim of 'qkv'");
        checkMask(maskAdd, layout, backend.device());

        Tensor out = step.allocate(DType.F32, layout.batch, layout.seq, layout.hidden);
        Tensor lse = step.allocate(DType.F32, layout.batch, heads, layout.seq);
        layout.forward(backend, layout.block(qkv, 0), layout.block(qkv, 1), layout.block(qkv, 2), maskAdd, out, lse,
                seed);
        step.record(OP, out, (gradOut, tape) -> {
            Tape.GradTarget dqkv = tape.gradTarget(qkv);
            Tensor buffer = dqkv.buffer();
            layout.backward(backend, layout.block(qkv, 0), layout.block(qkv, 1), layout.block(qkv, 2), maskAdd, out,
                    lse, gradOut, layout.block(buffer, 0), layout.block(buffer, 1), layout.block(buffer, 2), seed,
                    dqkv.accumulate());
        }, qkv);
        return out;
    }

    /** I32 {@code [B, S]} of 1 (attend) / 0 (padding) → F32 {@code [B, S]} of 0 / -10000. Carries no gradient. */
    static Tensor additiveMask(Tensor attentionMask) {
        String op = "attention_mask";
        Step step = Step.current();
        Backend backend = step.backend();
        OpChecks.require(op, "attentionMask", attentionMask, DType.I32, backend.device());
        OpChecks.requireRank(op, "attentionMask", attentionMask, 2);
        int[] values = Backends.hostInts(attentionMask);
        float[] additive = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            if (values[i] != 0 && values[i] != 1) {
                throw new IllegalArgumentException(op + ": 'attentionMask'[" + i / attentionMask.dim(1) + ", "
                        + i % attentionMask.dim(1) + "] = " + values[i] + ", expected 1 (attend) or 0 (padding)");
            }
            additive[i] = values[i] == 1 ? 0.0f : MASKED_SCORE;  // not (1-m)·-10000: that gives -0.0
        }
        Tensor out = step.allocate(DType.F32, attentionMask.shape());
        Backends.upload(backend, additive, out);
        return out;
    }

    private static void checkMask(Tensor maskAdd, Layout layout, Device device) {
        if (maskAdd == null) {
            return;
        }
        OpChecks.require(OP, "maskAdd", maskAdd, DType.F32, device);
        OpChecks.requireShape(OP, "maskAdd", maskAdd, "[batch, seq] of 'q'; build it with Ops.additiveMask",
                layout.batch, layout.seq);
    }

    /** Sizes of one call, validated once; q/k/v rows are {@code stride} floats apart. */
    private record Layout(int batch, int seq, int hidden, int stride, int heads, float dropoutP) {
        static Layout of(int batch, int seq, int hidden, int stride, int heads, float dropoutP, String hiddenIs) {
            if (heads <= 0 || hidden % heads != 0) {
                throw new IllegalArgumentException(OP + ": hidden size " + hidden + " (" + hiddenIs
                        + ") is not divisible by heads = " + heads);
            }
            if (!(dropoutP >= 0.0f && dropoutP < 1.0f)) {
                throw new IllegalArgumentException(OP + ": dropoutP must be in [0, 1), got " + dropoutP);
            }
            return new Layout(batch, seq, hidden, stride, heads, dropoutP);
        }

        int headDim() {
            return hidden / heads;
        }

        /** 1/√head_dim: scaled dot-product attention. */
        float scale() {
            return (float) (1.0 / Math.sqrt(headDim()));
        }

        /** Column block {@code index} (0 q, 1 k, 2 v) of a packed {@code [B, S, 3H]} tensor, as a view from its start. */
        Tensor block(Tensor packed, int index) {
            long offsetBytes = (long) index * hidden * packed.dtype().byteSize();
            // Shape [B, S, H] only describes the block; the kernel reads rows `stride` floats apart.
            return new Tensor(packed.data().asSlice(offsetBytes), packed.dtype(), packed.device(), batch, seq, hidden);
        }

        void forward(Backend backend, Tensor q, Tensor k, Tensor v, Tensor maskAdd, Tensor out, Tensor lse,
                     long seed) {
            backend.attentionForward(q, k, v, maskAdd, out, lse, batch, seq, heads, headDim(), stride, scale(),
                    dropoutP, seed);
        }

        void backward(Backend backend, Tensor q, Tensor k, Tensor v, Tensor maskAdd, Tensor out, Tensor lse,
                      Tensor dout, Tensor dq, Tensor dk, Tensor dv, long seed, boolean accumulate) {
            backend.attentionBackward(q, k, v, maskAdd, out, lse, dout, dq, dk, dv, batch, seq, heads, headDim(),
                    stride, scale(), dropoutP, seed, accumulate);
        }
    }
}
