package io.albert4j.ops;

import static io.albert4j.testing.FiniteDifferences.assertClose;
import static io.albert4j.testing.FiniteDifferences.gradient;
import static io.albert4j.testing.FiniteDifferences.toDouble;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.backend.Activation;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import io.albert4j.testing.OpTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LinearTest {
    private final OpTestSupport support = new OpTestSupport(21);

    @AfterEach
    void close() {
        support.close();
    }

    /** y[r, o] = Σ_i x[r, i]·w[o, i] + b[o] (b may be null), in double. */
    static double[] reference(double[] x, double[] w, double[] b, int rows, int in, int out) {
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double sum = b == null ? 0 : b[o];
                for (int i = 0; i < in; i++) {
                    sum += x[r * in + i] * w[o * in + i];
                }
                y[r * out + o] = sum;
            }
        }
        return y;
    }

    @Test
    void forwardMatchesReferenceWithAndWithoutBias() {
        int[][] shapes = {{1, 1, 1}, {3, 17, 31}, {65, 130, 33}, {260, 96, 130}};
        for (int[] s : shapes) {
            int rows = s[0], in = s[1], out = s[2];
            float[] x = support.randomFloats(rows * in, 1), w = support.randomFloats(out * in, 1);
            float[] b = support.randomFloats(out, 1);
            try (Step step = support.step()) {
                Tensor y = Ops.linear(support.tensor(x, false, rows, in), support.tensor(w, false, out, in),
                        support.tensor(b, false, out));
                assertArrayEquals(new int[] {rows, out}, y.shape());
                assertClose("linear " + rows + "x" + in + "->" + out, y.toFloatArray(),
                        reference(toDouble(x), toDouble(w), toDouble(b), rows, in, out), 1e-5, 1e-5 * in);
                Tensor noBias = Ops.linear(support.tensor(x, false, rows, in), support.tensor(w, false, out, in), null);
                assertClose("linear without bias", noBias.toFloatArray(),
                        reference(toDouble(x), toDouble(w), null, rows, in, out), 1e-5, 1e-5 * in);
            }
        }
    }

    @Test
    void keepsLeadingDimsOfX() {
        float[] x = support.randomFloats(2 * 3 * 5, 1), w = support.randomFloats(4 * 5, 1);
        try (Step step = support.step()) {
            Tensor y = Ops.linear(support.tensor(x, false, 2, 3, 5), support.tensor(w, false, 4, 5), null);
            assertArrayEquals(new int[] {2, 3, 4}, y.shape());
            assertClose("linear 3-D", y.toFloatArray(), reference(toDouble(x), toDouble(w), null, 6, 5, 4), 1e-5, 1e-5);
        }
    }

    @Test
    void gradientsOfXWeightAndBiasMatchFiniteDifferences() {
        int rows = 6, in = 19, out = 7;
        double[] x = toDouble(support.randomFloats(rows * in, 1)), w = toDouble(support.randomFloats(out * in, 1));
        double[] b = toDouble(support.randomFloats(out, 1));
        float[] seed = support.randomFloats(rows * out, 1);
        try (Step step = support.step()) {
            Tensor tx = support.tensor(toFloat(x), true, 2, 3, in);
            Tensor tw = support.tensor(toFloat(w), true, out, in);
            Tensor tb = support.tensor(toFloat(b), true, out);
            Tensor y = Ops.linear(tx, tw, tb);
            step.tape().backward(y, support.tensor(seed, false, 2, 3, out));
            double[] s = toDouble(seed);
            assertClose("dx", step.tape().gradOf(tx).toFloatArray(),
                    gradient(v -> reference(v, w, b, rows, in, out), x, s, 1e-6), 1e-4, 1e-5);
            assertClose("dweight", step.tape().gradOf(tw).toFloatArray(),
                    gradient(v -> reference(x, v, b, rows, in, out), w, s, 1e-6), 1e-4, 1e-5);
            assertClose("dbias", step.tape().gradOf(tb).toFloatArray(),
                    gradient(v -> reference(x, w, v, rows, in, out), b, s, 1e-6), 1e-4, 1e-5);
        }
    }

    @Test
    void sharedWeightUsedTwiceAccumulatesBothGradientsIntoItsBuffer() {
        // ALBERT's shared block: the same weight applied twice, y = W·(W·x) + b. Its gradient buffer already holds
        // 0.5 everywhere (an earlier micro-batch) and must end with 0.5 + the gradient of both uses.
        int rows = 4, dim = 9;
        double[] x = toDouble(support.randomFloats(rows * dim, 1)), w = toDouble(support.randomFloats(dim * dim, 1));
        double[] b = toDouble(support.randomFloats(dim, 1));
        float[] seed = support.randomFloats(rows * dim, 1);
        try (Step step = support.step()) {
            Tensor tw = support.tensor(toFloat(w), true, dim, dim);
            Tensor gradBuffer = support.arena.allocate(DType.F32, dim, dim);
            support.backend.fill(0.5f, gradBuffer);
            tw.setGrad(gradBuffer);
            Tensor hidden = Ops.linear(support.tensor(toFloat(x), false, rows, dim), tw, null);
            Tensor y = Ops.linear(hidden, tw, support.tensor(toFloat(b), false, dim));
            step.tape().backward(y, support.tensor(seed, false, rows, dim));
            double[] expected = gradient(v -> reference(reference(x, v, null, rows, dim, dim), v, b, rows, dim, dim),
                    w, toDouble(seed), 1e-6);
            for (int i = 0; i < expected.length; i++) {
                expected[i] += 0.5;
            }
            assertTrue(tw.grad() == gradBuffer, "the tape must accumulate into the weight's own buffer");
            assertClose("d shared weight", gradBuffer.toFloatArray(), expected, 1e-4, 1e-5);
        }
    }

    @Test
    void sharedWeightAtATrainingStepsRowCountMatchesTheReference() {
        // 1,040 rows (more than a b8×s128 step's 1,024): the step multiplies by its packed copy of the weight in the
        // forward and the input-gradient GEMMs, as it does at any row count. y = (x·Wᵀ)·Wᵀ + b; with seed s and
        // h = x·Wᵀ: dh = s·W, dx = dh·W, dW = sᵀ·h + dhᵀ·x, db = column sums of s.
        int rows = 1040, dim = 40;
        double[] x = toDouble(support.randomFloats(rows * dim, 1)), w = toDouble(support.randomFloats(dim * dim, 1));
        double[] b = toDouble(support.randomFloats(dim, 1));
        double[] s = toDouble(support.randomFloats(rows * dim, 1));
        double[] h = reference(x, w, null, rows, dim, dim);
        double[] wT = transpose(w, dim, dim);
        double[] dh = reference(s, wT, null, rows, dim, dim);
        double[] dx = reference(dh, wT, null, rows, dim, dim);
        double[] dw = new double[dim * dim];
        double[] db = new double[dim];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < dim; o++) {
                db[o] += s[r * dim + o];
                for (int i = 0; i < dim; i++) {
                    dw[o * dim + i] += s[r * dim + o] * h[r * dim + i] + dh[r * dim + o] * x[r * dim + i];
                }
            }
        }
        try (Step step = support.step()) {
            Tensor tx = support.tensor(toFloat(x), true, rows, dim);
            Tensor tw = support.tensor(toFloat(w), true, dim, dim);
            Tensor tb = support.tensor(toFloat(b), true, dim);
            Tensor y = Ops.linear(Ops.linear(tx, tw, null), tw, tb);
            assertClose("y", y.toFloatArray(), reference(h, w, b, rows, dim, dim), 1e-5, 1e-5 * dim);
            step.tape().backward(y, support.tensor(toFloat(s), false, rows, dim));
            assertClose("dx", step.tape().gradOf(tx).toFloatArray(), dx, 1e-5, 1e-5 * dim);
            assertClose("dweight", step.tape().gradOf(tw).toFloatArray(), dw, 1e-5, 1e-5 * rows);
            assertClose("dbias", step.tape().gradOf(tb).toFloatArray(), db, 1e-5, 1e-5 * rows);
        }
    }

    private static double[] transpose(double[] m, int rows, int cols) {
        double[] t = new double[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }

    @Test
    void anInputReadByTwoLayersGetsBothGradientsTheFirstWrittenOverUnzeroedMemory() {
        // dx's buffer is not zeroed before the first layer's backward GEMM writes it (beta 0). The step reuses arena
        // memory left full of NaN by the step before, so a GEMM that read it, or a second layer that overwrote the
        // first's contribution, fails here.
        int rows = 5, in = 12, out = 7;
        double[] x = toDouble(support.randomFloats(rows * in, 1));
        double[] w1 = toDouble(support.randomFloats(out * in, 1)), w2 = toDouble(support.randomFloats(out * in, 1));
        float[] seed = support.randomFloats(rows * out, 1);
        try (Step dirty = support.step()) {
            support.backend.fill(Float.NaN, support.arena.allocate(DType.F32, 64 * 1024));
        }
        support.arena.reset();
        try (Step step = support.step()) {
            Tensor tx = support.tensor(toFloat(x), true, rows, in);
            Tensor y = Ops.add(Ops.linear(tx, support.tensor(toFloat(w1), false, out, in), null),
                    Ops.linear(tx, support.tensor(toFloat(w2), false, out, in), null));
            step.tape().backward(y, support.tensor(seed, false, rows, out));
            double[] expected = gradient(v -> {
                double[] a = reference(v, w1, null, rows, in, out), b = reference(v, w2, null, rows, in, out);
                for (int i = 0; i < a.length; i++) {
                    a[i] += b[i];
                }
                return a;
            }, x, toDouble(seed), 1e-6);
            assertClose("dx of an input read twice", step.tape().gradOf(tx).toFloatArray(), expected, 1e-4, 1e-5);
        }
    }

    @Test
    void activationPathFusesBiasAndGelu() {
        int rows = 5, in = 11, out = 13;
        double[] x = toDouble(support.randomFloats(rows * in, 1)), w = toDouble(support.randomFloats(out * in, 1));
        double[] b = toDouble(support.randomFloats(out, 1));
        float[] seed = support.randomFloats(rows * out, 1);
        try (Step step = support.step()) {
            Tensor tx = support.tensor(toFloat(x), true, rows, in);
            Tensor tw = support.tensor(toFloat(w), true, out, in);
            Tensor tb = support.tensor(toFloat(b), true, out);
            Tensor y = Ops.linear(tx, tw, tb, Activation.GELU_TANH);
            java.util.function.Function<double[], double[]> geluOf = z -> {
                double[] out2 = new double[z.length];
                for (int i = 0; i < z.length; i++) {
                    double v = z[i];
                    out2[i] = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
                }
                return out2;
            };
            assertClose("gelu(linear)", y.toFloatArray(), geluOf.apply(reference(x, w, b, rows, in, out)), 1e-4, 1e-5);
            step.tape().backward(y, support.tensor(seed, false, rows, out));
            double[] s = toDouble(seed);
            assertClose("dx", step.tape().gradOf(tx).toFloatArray(),
                    gradient(v -> geluOf.apply(reference(v, w, b, rows, in, out)), x, s, 1e-6), 1e-3, 1e-4);
            assertClose("dweight", step.tape().gradOf(tw).toFloatArray(),
                    gradient(v -> geluOf.apply(reference(x, v, b, rows, in, out)), w, s, 1e-6), 1e-3, 1e-4);
            assertClose("dbias", step.tape().gradOf(tb).toFloatArray(),
                    gradient(v -> geluOf.apply(reference(x, w, v, rows, in, out)), b, s, 1e-6), 1e-3, 1e-4);
        }
    }

    @Test
    void shapeMismatchesNameTheOpTheArgumentAndBothShapes() {
        try (Step step = support.step()) {
            Tensor x = support.tensor(support.randomFloats(6, 1), false, 2, 3);
            Tensor w = support.tensor(support.randomFloats(20, 1), false, 5, 4);
            var error = assertThrows(IllegalArgumentException.class, () -> Ops.linear(x, w, null));
            String message = error.getMessage();
            assertTrue(message.contains("linear") && message.contains("'weight'") && message.contains("[5, 4]")
                    && message.contains("[2, 3]"), message);
            Tensor w2 = support.tensor(support.randomFloats(15, 1), false, 5, 3);
            Tensor badBias = support.tensor(support.randomFloats(4, 1), false, 4);
            var biasError = assertThrows(IllegalArgumentException.class, () -> Ops.linear(x, w2, badBias));
            assertTrue(biasError.getMessage().contains("'bias'") && biasError.getMessage().contains("[4]")
                    && biasError.getMessage().contains("[5]"), biasError.getMessage());
            Tensor flat = support.tensor(support.randomFloats(3, 1), false, 3);
            var rankError = assertThrows(IllegalArgumentException.class, () -> Ops.linear(x, flat, null));
            assertTrue(rankError.getMessage().contains("'weight'") && rankError.getMessage().contains("rank 2"),
                    rankError.getMessage());
        }
    }

    static float[] toFloat(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
