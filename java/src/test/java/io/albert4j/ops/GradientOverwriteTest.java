package io.albert4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.albert4j.backend.Activation;
import io.albert4j.backend.Backend;
import io.albert4j.tensor.Tensor;
import io.albert4j.testing.OpTestSupport;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The first gradient a tensor gets is written into a buffer that is not zeroed (Tape.gradTarget): the backward
 * kernels then overwrite instead of adding. These tests fill such buffers with NaN, which any read of the old
 * contents would spread, and check the ops that choose between overwriting and adding when an input is shared or
 * already holds gradient.
 */
class GradientOverwriteTest {
    private final OpTestSupport support = new OpTestSupport(77);
    private final Backend backend = support.backend;

    @AfterEach
    void close() {
        support.close();
    }

    private Tensor nans(int... shape) {
        float[] values = new float[(int) Tensor.numelOf(shape)];
        Arrays.fill(values, Float.NaN);
        return support.tensor(values, false, shape);
    }

    private Tensor zeros(int... shape) {
        return support.tensor(new float[(int) Tensor.numelOf(shape)], false, shape);
    }

    /** Columns [index·hidden, (index+1)·hidden) of packed [B, S, 3·hidden] rows, as AttentionOp passes them. */
    private static Tensor block(Tensor packed, int index, int hidden) {
        return new Tensor(packed.data().asSlice((long) index * hidden * Float.BYTES), packed.dtype(), packed.device(),
                packed.dim(0), packed.dim(1), hidden);
    }

    @Test
    void softmaxXentBackwardOverwritesEveryRowIgnoredOnesWithZero() {
        int n = 9;
        int classes = 301;
        int[] labels = support.randomInts(n, classes);
        labels[0] = -100;
        labels[5] = -100;
        try (Step step = support.step()) {
            Tensor logits = support.tensor(support.randomFloats(n * classes, 5), false, n, classes);
            Tensor lab = support.ints(labels, n);
            Tensor lse = zeros(n);
            Tensor loss = zeros(1);
            backend.softmaxXentForward(logits, lab, loss, lse, n, classes, -100);
            Tensor dloss = support.tensor(new float[] {0.7f}, false, 1);
            Tensor added = zeros(n, classes);
            Tensor written = nans(n, classes);
            backend.softmaxXentBackward(dloss, logits, lab, lse, added, n, classes, -100, true);
            backend.softmaxXentBackward(dloss, logits, lab, lse, written, n, classes, -100, false);
            assertArrayEquals(added.toFloatArray(), written.toFloatArray(), 0f);  // 0 + (-0) is 0: equal, not bitwise
            assertEquals(0f, written.getFloat(5 * classes + 3), "an ignored row is written as zeros");
            // Every row ignored: the whole buffer is zeroed, not left as it was.
            Tensor none = support.ints(new int[] {-100, -100}, 2);
            Tensor allIgnored = nans(2, classes);
            backend.softmaxXentBackward(dloss, logits, none, lse, allIgnored, 2, classes, -100, false);
            assertArrayEquals(new float[2 * classes], allIgnored.toFloatArray());
        }
    }

    @Test
    void layerNormBackwardOverwritesDinputAndStillAddsIntoGammaAndBeta() {
        int rows = 37;
        int cols = 130;
        try (Step step = support.step()) {
            Tensor x = support.tensor(support.randomFloats(rows * cols, 2), false, rows, cols);
            Tensor gamma = support.tensor(support.randomFloats(cols, 1), false, cols);
            Tensor beta = support.tensor(support.randomFloats(cols, 1), false, cols);
            Tensor out = zeros(rows, cols);
            Tensor mean = zeros(rows);
            Tensor rstd = zeros(rows);
            backend.layerNormForward(x, null, gamma, beta, out, null, mean, rstd, rows, cols, 1e-12f);
            Tensor dout = support.tensor(support.randomFloats(rows * cols, 1), false, rows, cols);
            Tensor added = zeros(rows, cols);
            Tensor written = nans(rows, cols);
            Tensor dgamma = zeros(cols);
            Tensor dbeta = zeros(cols);
            backend.layerNormBackward(dout, x, mean, rstd, gamma, added, dgamma, dbeta, rows, cols, true);
            float[] dgammaOnce = dgamma.toFloatArray();
            backend.layerNormBackward(dout, x, mean, rstd, gamma, written, dgamma, dbeta, rows, cols, false);
            assertArrayEquals(added.toFloatArray(), written.toFloatArray(), 0f);  // 0 + (-0) is 0: equal, not bitwise
            float[] dgammaTwice = dgamma.toFloatArray();
            for (int c = 0; c < cols; c++) {
                assertEquals(2 * dgammaOnce[c], dgammaTwice[c], 1e-5f * (1 + Math.abs(dgammaTwice[c])),
                        "dgamma accumulates in both modes");
            }
        }
    }

    @Test
    void biasGeluBackwardOverwritesDxAndStillAddsIntoDbias() {
        int rows = 19;
        int cols = 70;
        try (Step step = support.step()) {
            Tensor x = support.tensor(support.randomFloats(rows * cols, 3), false, rows, cols);
            Tensor bias = support.tensor(support.randomFloats(cols, 1), false, cols);
            Tensor dout = support.tensor(support.randomFloats(rows * cols, 1), false, rows, cols);
            for (Activation act : Activation.values()) {
                if (act == Activation.IDENTITY) {
                    continue;
                }
                Tensor added = zeros(rows, cols);
                Tensor written = nans(rows, cols);
                Tensor dbias = zeros(cols);
                backend.biasGeluBackward(dout, x, bias, added, dbias, rows, cols, act, true);
                float[] once = dbias.toFloatArray();
                backend.biasGeluBackward(dout, x, bias, written, dbias, rows, cols, act, false);
                assertArrayEquals(added.toFloatArray(), written.toFloatArray(), 0f, act.toString());
                for (int c = 0; c < cols; c++) {
                    assertEquals(2 * once[c], dbias.getFloat(c), 1e-5f * (1 + Math.abs(once[c])), act + " dbias");
                }
                // Without a bias gradient: another compiled variant, the same up to its own rounding.
                Tensor alone = nans(rows, cols);
                backend.biasGeluBackward(dout, x, bias, alone, null, rows, cols, act, false);
                assertArrayEquals(added.toFloatArray(), alone.toFloatArray(), 1e-6f, act + " without dbias");
            }
        }
    }

    @Test
    void attentionBackwardOverwritesOnlyItsOwnColumnsOfAPackedGradient() {
        int batch = 2;
        int seq = 33;
        int heads = 2;
        int headDim = 16;
        int hidden = heads * headDim;
        int stride = 3 * hidden;
        try (Step step = support.step()) {
            Tensor qkv = support.tensor(support.randomFloats(batch * seq * stride, 1.5), false, batch, seq, stride);
            Tensor q = block(qkv, 0, hidden);
            Tensor k = block(qkv, 1, hidden);
            Tensor v = block(qkv, 2, hidden);
            Tensor out = zeros(batch, seq, hidden);
            Tensor lse = zeros(batch, heads, seq);
            float scale = (float) (1 / Math.sqrt(headDim));
            backend.attentionForward(q, k, v, null, out, lse, batch, seq, heads, headDim, stride, scale, 0.1f, 5);
            Tensor dout = support.tensor(support.randomFloats(batch * seq * hidden, 1), false, batch, seq, hidden);
            Tensor added = zeros(batch, seq, stride);
            Tensor written = nans(batch, seq, stride);
            backend.attentionBackward(q, k, v, null, out, lse, dout, block(added, 0, hidden), block(added, 1, hidden),
                    block(added, 2, hidden), batch, seq, heads, headDim, stride, scale, 0.1f, 5, true);
            backend.attentionBackward(q, k, v, null, out, lse, dout, block(written, 0, hidden),
                    block(written, 1, hidden), block(written, 2, hidden), batch, seq, heads, headDim, stride, scale,
                    0.1f, 5, false);
            assertArrayEquals(added.toFloatArray(), written.toFloatArray(), 0f);  // 0 + (-0) is 0: equal, not bitwise
        }
    }

    @Test
    void layerNormOfASumWhoseSummandsAreSharedOrAlreadyHoldGradient() {
        int rows = 3;
        int cols = 11;
        float[] x = support.randomFloats(rows * cols, 2);
        float[] r = support.randomFloats(rows * cols, 2);
        float[] seed = support.randomFloats(rows * cols, 1);
        try (Step step = support.step()) {
            Tensor g = support.tensor(support.randomFloats(cols, 1), false, cols);
            Tensor b = support.tensor(support.randomFloats(cols, 1), false, cols);
            // Reference: the gradient of LayerNorm(x + r) with respect to its input, from distinct fresh tensors.
            Tensor xt = support.tensor(x, true, rows, cols);
            Tensor rt = support.tensor(r, true, rows, cols);
            Tensor out = Ops.layerNorm(xt, rt, g, b, 1e-5f);
            step.tape().backward(out, support.tensor(seed, false, rows, cols));
            float[] dinput = step.tape().gradOf(xt).toFloatArray();
            assertArrayEquals(dinput, step.tape().gradOf(rt).toFloatArray());

            // The same tensor on both sides: LayerNorm(x + x) passes dinput to x twice.
            try (Step shared = support.step()) {
                Tensor xs = support.tensor(x, true, rows, cols);
                shared.tape().backward(Ops.layerNorm(xs, xs, g, b, 1e-5f), support.tensor(seed, false, rows, cols));
                try (Step apart = support.step()) {
                    Tensor h1 = support.tensor(x, true, rows, cols);
                    Tensor h2 = support.tensor(x, true, rows, cols);
                    apart.tape().backward(Ops.layerNorm(h1, h2, g, b, 1e-5f), support.tensor(seed, false, rows, cols));
                    float[] once = apart.tape().gradOf(h1).toFloatArray();
                    float[] sharedGrad = shared.tape().gradOf(xs).toFloatArray();
                    for (int i = 0; i < x.length; i++) {
                        assertEquals(2 * once[i], sharedGrad[i], 1e-5f, "d LayerNorm(x + x) / dx at " + i);
                    }
                }
            }

            // x used again after the LayerNorm: its gradient already holds 3·seed when the LayerNorm's backward runs.
            try (Step later = support.step()) {
                Tensor xl = support.tensor(x, true, rows, cols);
                Tensor rl = support.tensor(r, true, rows, cols);
                Tensor sum = Ops.add(Ops.layerNorm(xl, rl, g, b, 1e-5f), Ops.scale(xl, 3f));
                later.tape().backward(sum, support.tensor(seed, false, rows, cols));
                float[] dx = later.tape().gradOf(xl).toFloatArray();
                float[] dr = later.tape().gradOf(rl).toFloatArray();
                for (int i = 0; i < x.length; i++) {
                    assertEquals(dinput[i] + 3 * seed[i], dx[i], 1e-5f, "dx at " + i);
                    assertEquals(dinput[i], dr[i], 1e-6f, "dresidual at " + i);
                }
            }
        }
    }

    @Test
    void attentionOverOneTensorAddsItsThreeGradients() {
        int batch = 1;
        int seq = 9;
        int heads = 2;
        int hidden = 16;
        float[] x = support.randomFloats(batch * seq * hidden, 1);
        float[] seed = support.randomFloats(batch * seq * hidden, 1);
        try (Step step = support.step()) {
            Tensor xs = support.tensor(x, true, batch, seq, hidden);
            step.tape().backward(Ops.attention(xs, xs, xs, null, heads, 0f, 0L),
                    support.tensor(seed, false, batch, seq, hidden));
            float[] shared = step.tape().gradOf(xs).toFloatArray();
            try (Step apart = support.step()) {
                Tensor[] t = new Tensor[3];
                for (int i = 0; i < 3; i++) {
                    t[i] = support.tensor(x, true, batch, seq, hidden);
                }
                apart.tape().backward(Ops.attention(t[0], t[1], t[2], null, heads, 0f, 0L),
                        support.tensor(seed, false, batch, seq, hidden));
                for (int i = 0; i < x.length; i++) {
                    float sum = 0;
                    for (Tensor ti : t) {
                        sum += apart.tape().gradOf(ti).getFloat(i);
                    }
                    assertEquals(sum, shared[i], 1e-5f, "d attention(x, x, x) / dx at " + i);
                }
            }
        }
    }

    @Test
    void reshapeHandsItsGradientOnWhicheverUseOfTheInputComesFirst() {
        float[] x = support.randomFloats(12, 1);
        float[] seed = support.randomFloats(12, 1);
        for (boolean reshapeLast : new boolean[] {false, true}) {
            try (Step step = support.step()) {
                Tensor xt = support.tensor(x, true, 3, 4);
                Tensor scaled;
                Tensor flat;
                if (reshapeLast) {  // replayed first: x adopts the reshape's gradient, then the scale adds into it
                    scaled = Ops.scale(xt, 3f);
                    flat = Ops.reshape(xt, 12);
                } else {            // the scale's gradient comes first; the reshape adds into it
                    flat = Ops.reshape(xt, 12);
                    scaled = Ops.scale(xt, 3f);
                }
                Tensor z = Ops.add(Ops.reshape(scaled, 12), flat);
                step.tape().backward(z, support.tensor(seed, false, 12));
                float[] dx = step.tape().gradOf(xt).toFloatArray();
                assertArrayEquals(new int[] {3, 4}, step.tape().gradOf(xt).shape());
                for (int i = 0; i < 12; i++) {
                    assertEquals(4 * seed[i], dx[i], 1e-6f, "dx at " + i + ", reshape last: " + reshapeLast);
                }
            }
        }
    }
}
