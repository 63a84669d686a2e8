package io.albert4j.ops;

import static io.albert4j.testing.FiniteDifferences.assertClose;
import static io.albert4j.testing.FiniteDifferences.gradient;
import static io.albert4j.testing.FiniteDifferences.toDouble;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import io.albert4j.testing.OpTestSupport;
import java.util.Arrays;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AttentionTest {
    private final OpTestSupport support = new OpTestSupport(11);

    @AfterEach
    void close() {
        support.close();
    }

    /** 1/0 attention mask where the last {@code padded[b]} positions of row b are padding. */
    private static int[] paddingMask(int seq, int... padded) {
        int[] mask = new int[padded.length * seq];
        for (int b = 0; b < padded.length; b++) {
            for (int j = 0; j < seq; j++) {
                mask[b * seq + j] = j < seq - padded[b] ? 1 : 0;
            }
        }
        return mask;
    }

    private static double[] additive(int[] mask) {
        double[] out = new double[mask.length];
        for (int i = 0; i < mask.length; i++) {
            out[i] = (1 - mask[i]) * -10000.0;
        }
        return out;
    }

    @Test
    void forwardMatchesReferenceWithPaddingOnSeqLengthsOffTheTile() {
        int batch = 2;
        int heads = 2;
        for (int headDim : new int[] {16, 64, 128}) {
            // 64-key tiles below 65 keys and where 128 would pad more (130); 128-key tiles at 100 and 200.
            for (int seq : new int[] {1, 7, 32, 37, 100, 130, 200}) {
                int hidden = heads * headDim;
                int n = batch * seq * hidden;
                float[] q = support.randomFloats(n, 1.5);
                float[] k = support.randomFloats(n, 1.5);
                float[] v = support.randomFloats(n, 1);
                // Row 0 attends everywhere; row 1 has several padded keys (none when seq = 1: a row needs one key).
                int[] mask = paddingMask(seq, 0, seq == 1 ? 0 : Math.max(2, seq / 3));
                try (Step step = support.step()) {
                    Tensor maskAdd = Ops.additiveMask(support.ints(mask, batch, seq));
                    Tensor out = Ops.attention(support.tensor(q, false, batch, seq, hidden),
                            support.tensor(k, false, batch, seq, hidden), support.tensor(v, false, batch, seq, hidden),
                            maskAdd, heads, 0f, 0);
                    var reference = new AttentionReference(batch, seq, heads, headDim, additive(mask), 0f, 0);
                    assertClose("attention seq=" + seq + " head_dim=" + headDim, out.toFloatArray(),
                            reference.output(toDouble(q), toDouble(k), toDouble(v)), 1e-4, 2e-5);
                }
            }
        }
    }

    @Test
    void logSumExpMatchesReference() {
        int batch = 2;
        int seq = 70;
        int heads = 3;
        int headDim = 24;
        int hidden = heads * headDim;
        int n = batch * seq * hidden;
        float[] q = support.randomFloats(n, 2);
        float[] k = support.randomFloats(n, 2);
        float[] v = support.randomFloats(n, 1);
        int[] mask = paddingMask(seq, 5, 31);
        try (Step step = support.step()) {
            Tensor out = step.allocate(DType.F32, batch, seq, hidden);
            Tensor lse = step.allocate(DType.F32, batch, heads, seq);
            step.backend().attentionForward(support.tensor(q, false, batch, seq, hidden),
                    support.tensor(k, false, batch, seq, hidden), support.tensor(v, false, batch, seq, hidden),
                    Ops.additiveMask(support.ints(mask, batch, seq)), out, lse, batch, seq, heads, headDim, hidden,
                    (float) (1 / Math.sqrt(headDim)), 0f, 0);
            var reference = new AttentionReference(batch, seq, heads, headDim, additive(mask), 0f, 0);
            assertClose("lse", lse.toFloatArray(), reference.logSumExp(toDouble(q), toDouble(k), toDouble(v)), 1e-5,
                    1e-5);
        }
    }

    @Test
    void packedProjectionGivesTheSameOutputAndGradientsAsSeparateTensors() {
        int batch = 2;
        int seq = 45;
        int heads = 2;
        int hidden = heads * 64;
        float[] packed = support.randomFloats(batch * seq * 3 * hidden, 1.5);
        float[] seed = support.randomFloats(batch * seq * hidden, 1);
        float[][] blocks = new float[3][batch * seq * hidden];
        for (int row = 0; row < batch * seq; row++) {
            for (int block = 0; block < 3; block++) {
                System.arraycopy(packed, row * 3 * hidden + block * hidden, blocks[block], row * hidden, hidden);
            }
        }
        int[] mask = paddingMask(seq, 3, 20);
        for (float dropoutP : new float[] {0f, 0.2f}) {
            try (Step step = support.step()) {
                Tensor maskAdd = Ops.additiveMask(support.ints(mask, batch, seq));
                Tensor qkv = support.tensor(packed, true, batch, seq, 3 * hidden);
                Tensor packedOut = Ops.attentionPacked(qkv, maskAdd, heads, dropoutP, 99);
                step.tape().backward(packedOut, support.tensor(seed, false, batch, seq, hidden));
                float[] packedGrad = step.tape().gradOf(qkv).toFloatArray();

                try (Step separateStep = support.step()) {
                    Tensor[] qkvSeparate = new Tensor[3];
                    for (int block = 0; block < 3; block++) {
                        qkvSeparate[block] = support.tensor(blocks[block], true, batch, seq, hidden);
                    }
                    Tensor out = Ops.attention(qkvSeparate[0], qkvSeparate[1], qkvSeparate[2], maskAdd, heads,
                            dropoutP, 99);
                    assertArrayEquals(out.toFloatArray(), packedOut.toFloatArray(), "output, p=" + dropoutP);
                    separateStep.tape().backward(out, support.tensor(seed, false, batch, seq, hidden));
                    for (int block = 0; block < 3; block++) {
                        float[] separateGrad = separateStep.tape().gradOf(qkvSeparate[block]).toFloatArray();
                        for (int row = 0; row < batch * seq; row++) {
                            for (int c = 0; c < hidden; c++) {
                                assertEquals(separateGrad[row * hidden + c],
                                        packedGrad[row * 3 * hidden + block * hidden + c],
                                        "gradient of block " + block + " row " + row + " col " + c + ", p=" + dropoutP);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void gradientsMatchFiniteDifferencesWithMask() {
        checkGradients(0f);
    }

    @Test
    void gradientsMatchFiniteDifferencesWithDropout() {
        checkGradients(0.3f);
    }

    /** Every element of dq, dk, dv on a small problem (2 batches, 2 heads, head dim 4, seq 5 with padding). */
    private void checkGradients(float dropoutP) {
        int batch = 2;
        int seq = 5;
        int heads = 2;
        int headDim = 4;
        int hidden = heads * headDim;
        int n = batch * seq * hidden;
        float[][] inputs = {support.randomFloats(n, 1.5), support.randomFloats(n, 1.5), support.randomFloats(n, 1)};
        float[] seed = support.randomFloats(n, 1);
        int[] mask = paddingMask(seq, 0, 2);
        var reference = new AttentionReference(batch, seq, heads, headDim, additive(mask), dropoutP, 1234);
        try (Step step = support.step()) {
            Tensor[] tensors = new Tensor[3];
            for (int i = 0; i < 3; i++) {
                tensors[i] = support.tensor(inputs[i], true, batch, seq, hidden);
            }
            Tensor out = Ops.attention(tensors[0], tensors[1], tensors[2],
                    Ops.additiveMask(support.ints(mask, batch, seq)), heads, dropoutP, 1234);
            step.tape().backward(out, support.tensor(seed, false, batch, seq, hidden));
            String[] names = {"dq", "dk", "dv"};
            for (int which = 0; which < 3; which++) {
                double[] expected = gradient(outputAsFunctionOf(reference, inputs, which), toDouble(inputs[which]),
                        toDouble(seed), 1e-6);
                assertClose(names[which] + " p=" + dropoutP, step.tape().gradOf(tensors[which]).toFloatArray(),
                        expected, 1e-3, 2e-5);
            }
        }
    }

    @ParameterizedTest(name = "seq {0}")
    @ValueSource(ints = {70, 150, 200})
    void gradientsMatchFiniteDifferencesAcrossTilesAtHeadDim64(int seq) {
        // Key tiles: 70 keys are one 128-key tile, 150 three 64-key ones, 200 two 128-key ones (the second partial);
        // query tiles of 32. Central differences on a sample of elements.
        int batch = 1;
        int heads = 2;
        int headDim = 64;
        int hidden = heads * headDim;
        int n = batch * seq * hidden;
        float[][] inputs = {support.randomFloats(n, 0.5), support.randomFloats(n, 0.5), support.randomFloats(n, 1)};
        float[] seed = support.randomFloats(n, 1);
        int[] mask = paddingMask(seq, 9);
        float dropoutP = 0.1f;
        var reference = new AttentionReference(batch, seq, heads, headDim, additive(mask), dropoutP, 5);
        try (Step step = support.step()) {
            Tensor[] tensors = new Tensor[3];
            for (int i = 0; i < 3; i++) {
                tensors[i] = support.tensor(inputs[i], true, batch, seq, hidden);
            }
            Tensor out = Ops.attention(tensors[0], tensors[1], tensors[2],
                    Ops.additiveMask(support.ints(mask, batch, seq)), heads, dropoutP, 5);
            step.tape().backward(out, support.tensor(seed, false, batch, seq, hidden));
            double[] seedValues = toDouble(seed);
            for (int which = 0; which < 3; which++) {
                float[] actual = step.tape().gradOf(tensors[which]).toFloatArray();
                Function<double[], double[]> f = outputAsFunctionOf(reference, inputs, which);
                double[] x = toDouble(inputs[which]);
                for (int sample = 0; sample < 12; sample++) {
                    int index = support.random.nextInt(n);
                    double eps = 1e-5;
                    double saved = x[index];
                    x[index] = saved + eps;
                    double plus = dot(f.apply(x), seedValues);
                    x[index] = saved - eps;
                    double minus = dot(f.apply(x), seedValues);
                    x[index] = saved;
                    double expected = (plus - minus) / (2 * eps);
                    assertEquals(expected, actual[index], 1e-4 + 1e-3 * Math.abs(expected),
                            "input " + which + " element " + index);
                }
            }
        }
    }

    private static Function<double[], double[]> outputAsFunctionOf(AttentionReference reference, float[][] inputs,
                                                                   int which) {
        double[][] fixed = {toDouble(inputs[0]), toDouble(inputs[1]), toDouble(inputs[2])};
        return x -> {
            double[][] args = fixed.clone();
            args[which] = x;
            return reference.output(args[0], args[1], args[2]);
        };
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /**
     * With q = k = 0 every probability is 1/seq, and with v the identity (head dim = seq) output row i is
     * {@code keep_ij / (seq·(1-p))}: the kernel's dropout mask, read off directly.
     */
    private float[] dropoutMaskSeenThroughOutput(int batch, int seq, float dropoutP, long seed) {
        int hidden = seq;
        float[] identity = new float[batch * seq * hidden];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < seq; j++) {
                identity[(b * seq + j) * hidden + j] = 1;
            }
        }
        float[] zeros = new float[batch * seq * hidden];
        try (Step step = support.step()) {
            Tensor out = Ops.attention(support.tensor(zeros, false, batch, seq, hidden),
                    support.tensor(zeros, false, batch, seq, hidden), support.tensor(identity, false, batch, seq, hidden),
                    null, 1, dropoutP, seed);
            return out.toFloatArray();
        }
    }

    @Test
    void dropoutMaskIsTheCounterRngOfA4jMath() {
        int batch = 3;
        int seq = 64;
        float dropoutP = 0.3f;
        long seed = 0x1234_5678_9abcL;
        float[] out = dropoutMaskSeenThroughOutput(batch, seq, dropoutP, seed);
        var reference = new AttentionReference(batch, seq, 1, seq, null, dropoutP, seed);
        int kept = 0;
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < seq; i++) {
                for (int j = 0; j < seq; j++) {
                    double expected = reference.keepScale(b, 0, i, j) / seq;
                    float actual = out[(b * seq + i) * seq + j];
                    assertEquals(expected, actual, 1e-6, "probability of query " + i + " for key " + j + ", batch " + b);
                    kept += actual > 0 ? 1 : 0;
                }
            }
        }
        double fraction = kept / (double) (batch * seq * seq);
        assertEquals(1 - dropoutP, fraction, 0.02, "fraction of probabilities kept");
    }

    @Test
    void dropoutIsDeterministicPerSeedAndDiffersAcrossSeeds() {
        float[] first = dropoutMaskSeenThroughOutput(2, 32, 0.5f, 7);
        float[] again = dropoutMaskSeenThroughOutput(2, 32, 0.5f, 7);
        float[] other = dropoutMaskSeenThroughOutput(2, 32, 0.5f, 8);
        assertArrayEquals(first, again);
        assertFalse(Arrays.equals(first, other), "seeds 7 and 8 gave the same dropout mask");
        float[] none = dropoutMaskSeenThroughOutput(2, 32, 0f, 7);
        for (float value : none) {
            assertEquals(1.0f / 32, value, 1e-7, "without dropout every probability is 1/seq");
        }
    }

    @Test
    void additiveMaskIsHuggingFacesExtendedMask() {
        try (Step step = support.step()) {
            Tensor mask = Ops.additiveMask(support.ints(new int[] {1, 1, 0, 1, 0, 0}, 2, 3));
            assertArrayEquals(new float[] {0, 0, -10000, 0, -10000, -10000}, mask.toFloatArray());
            assertArrayEquals(new int[] {2, 3}, mask.shape());
            assertFalse(mask.requiresGrad());
        }
    }

    @Test
    void rejectsBadInputsWithClearMessagesBeforeTheDowncall() {
        try (Step step = support.step()) {
            Tensor q = support.tensor(new float[2 * 3 * 8], true, 2, 3, 8);
            Tensor k = support.tensor(new float[2 * 3 * 8], true, 2, 3, 8);
            Tensor v = support.tensor(new float[2 * 3 * 8], true, 2, 3, 8);
            Tensor flat = support.tensor(new float[6 * 8], false, 6, 8);
            Tensor shortK = support.tensor(new float[2 * 2 * 8], false, 2, 2, 8);
            Tensor goodMask = support.tensor(new float[6], false, 2, 3);
            Tensor badMask = support.tensor(new float[4], false, 2, 2);
            Tensor ids = support.ints(new int[6], 2, 3);
            expect(() -> Ops.attention(flat, k, v, null, 2, 0, 0), "'q' must have rank 3");
            expect(() -> Ops.attention(q, shortK, v, null, 2, 0, 0), "'k' [2, 2, 8]");
            expect(() -> Ops.attention(q, k, v, null, 3, 0, 0), "not divisible by heads = 3");
            expect(() -> Ops.attention(q, k, v, badMask, 2, 0, 0), "'maskAdd' has shape [2, 2], expected [2, 3]");
            expect(() -> Ops.attention(q, k, v, ids, 2, 0, 0), "'maskAdd' must be F32");
            expect(() -> Ops.attention(q, k, v, goodMask, 2, 1f, 0), "dropoutP must be in [0, 1)");
            expect(() -> Ops.attentionPacked(support.tensor(new float[2 * 3 * 8], false, 2, 3, 8), null, 2, 0, 0),
                    "last dim of 3·hidden");
            expect(() -> Ops.additiveMask(support.ints(new int[] {1, 2, 0, 1, 1, 1}, 2, 3)),
                    "'attentionMask'[0, 1] = 2, expected 1 (attend) or 0 (padding)");
            expect(() -> Ops.additiveMask(goodMask), "must be I32");
        }
    }

    private static void expect(Executable call, String fragment) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, call);
        assertTrue(error.getMessage().contains(fragment), "message '" + error.getMessage() + "' lacks '" + fragment + "'");
        assertTrue(error.getMessage().startsWith("attention"), error.getMessage());
    }
}
