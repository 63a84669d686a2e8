package io.albert4j.ops;

import static io.albert4j.testing.FiniteDifferences.assertClose;
import static io.albert4j.testing.FiniteDifferences.gradient;
import static io.albert4j.testing.FiniteDifferences.toDouble;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import io.albert4j.testing.OpTestSupport;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StackedLinearTest {
    private static final int[] OUTS = {5, 3, 6};
    private final OpTestSupport support = new OpTestSupport(31);

    @AfterEach
    void close() {
        support.close();
    }

    /** The layers' outputs side by side: y[r, offset_i + o] = x[r]·w_i[o] + b_i[o], in double. */
    static double[] reference(double[] x, double[][] w, double[][] b, int rows, int in) {
        int out = 0;
        for (double[] wi : w) {
            out += wi.length / in;
        }
        double[] y = new double[rows * out];
        int offset = 0;
        for (int i = 0; i < w.length; i++) {
            int width = w[i].length / in;
            double[] yi = LinearTest.reference(x, w[i], b[i], rows, in, width);
            for (int r = 0; r < rows; r++) {
                System.arraycopy(yi, r * width, y, r * out + offset, width);
            }
            offset += width;
        }
        return y;
    }

    private double[][] randomLayers(int in, int perRow) {
        double[][] layers = new double[OUTS.length][];
        for (int i = 0; i < OUTS.length; i++) {
            layers[i] = toDouble(support.randomFloats(OUTS[i] * perRow, 1));
        }
        return layers;
    }

    @Test
    void forwardIsTheLayersOutputsSideBySide() {
        for (int rows : new int[] {37, 600}) {  // the stacked weight packed once for the step, and read plain
            forwardAt(rows);
        }
    }

    private void forwardAt(int rows) {
        int in = 21;
        double[] x = toDouble(support.randomFloats(rows * in, 1));
        double[][] w = randomLayers(in, in);
        double[][] b = randomLayers(in, 1);
        try (Step step = support.step()) {
            Tensor[] tw = new Tensor[OUTS.length];
            Tensor[] tb = new Tensor[OUTS.length];
            for (int i = 0; i < OUTS.length; i++) {
                tw[i] = support.tensor(toFloat(w[i]), false, OUTS[i], in);
                tb[i] = support.tensor(toFloat(b[i]), false, OUTS[i]);
            }
            Tensor y = Ops.linearStacked(support.tensor(toFloat(x), false, rows, in), tw, tb);
            assertArrayEquals(new int[] {rows, 14}, y.shape());
            assertClose("stacked", y.toFloatArray(), reference(x, w, b, rows, in), 1e-5, 1e-4);
            Tensor noBias = Ops.linearStacked(support.tensor(toFloat(x), false, rows, in), tw, null);
            assertClose("stacked without biases", noBias.toFloatArray(),
                    reference(x, w, new double[OUTS.length][], rows, in), 1e-5, 1e-4);
        }
    }

    @Test
    void gradientsOfXEveryWeightAndEveryBiasMatchFiniteDifferences() {
        int rows = 6;
        int in = 9;
        double[] x = toDouble(support.randomFloats(rows * in, 1));
        double[][] w = randomLayers(in, in);
        double[][] b = randomLayers(in, 1);
        float[] seed = support.randomFloats(rows * 14, 1);
        double[] s = toDouble(seed);
        try (Step step = support.step()) {
            Tensor tx = support.tensor(toFloat(x), true, 2, 3, in);
            Tensor[] tw = new Tensor[OUTS.length];
            Tensor[] tb = new Tensor[OUTS.length];
            for (int i = 0; i < OUTS.length; i++) {
                tw[i] = support.tensor(toFloat(w[i]), true, OUTS[i], in);
                tb[i] = support.tensor(toFloat(b[i]), true, OUTS[i]);
            }
            Tensor y = Ops.linearStacked(tx, tw, tb);
            assertArrayEquals(new int[] {2, 3, 14}, y.shape());
            step.tape().backward(y, support.tensor(seed, false, 2, 3, 14));
            assertClose("dx", step.tape().gradOf(tx).toFloatArray(),
                    gradient(v -> reference(v, w, b, rows, in), x, s, 1e-6), 1e-4, 1e-5);
            for (int i = 0; i < OUTS.length; i++) {
                int layer = i;
                Function<double[], double[]> ofWeight = v -> {
                    double[][] changed = w.clone();
                    changed[layer] = v;
                    return reference(x, changed, b, rows, in);
                };
                Function<double[], double[]> ofBias = v -> {
                    double[][] changed = b.clone();
                    changed[layer] = v;
                    return reference(x, w, changed, rows, in);
                };
                assertClose("dweight " + i, step.tape().gradOf(tw[i]).toFloatArray(),
                        gradient(ofWeight, w[i], s, 1e-6), 1e-4, 1e-5);
                assertClose("dbias " + i, step.tape().gradOf(tb[i]).toFloatArray(),
                        gradient(ofBias, b[i], s, 1e-6), 1e-4, 1e-5);
            }
        }
    }

    @Test
    void aSharedLayerAppliedTwiceStacksOnceAndSumsBothUsesIntoEachWeight() {
        // ALBERT's shared block: the same three weights applied to two inputs in one step; a 128-row input takes
        // the packed path (stacked weight packed once), and each weight's own gradient buffer collects both uses.
        int rows = 128;
        int in = 14;
        double[] x1 = toDouble(support.randomFloats(rows * in, 1));
        double[] x2 = toDouble(support.randomFloats(rows * in, 1));
        double[][] w = randomLayers(in, in);
        double[][] b = randomLayers(in, 1);
        float[] seed = support.randomFloats(rows * 14, 1);
        try (Step step = support.step()) {
            Tensor[] tw = new Tensor[OUTS.length];
            Tensor[] tb = new Tensor[OUTS.length];
            for (int i = 0; i < OUTS.length; i++) {
                tw[i] = support.tensor(toFloat(w[i]), true, OUTS[i], in);
                tw[i].setGrad(support.arena.allocateZeroed(DType.F32, OUTS[i], in));
                tb[i] = support.tensor(toFloat(b[i]), false, OUTS[i]);
            }
            Tensor stacked = step.stackedWeight(tw);
            assertTrue(stacked == step.stackedWeight(tw), "one stacked tensor per step for the same weights");
            Tensor y = Ops.add(Ops.linearStacked(support.tensor(toFloat(x1), false, rows, in), tw, tb),
                    Ops.linearStacked(support.tensor(toFloat(x2), false, rows, in), tw, tb));
            step.tape().backward(y, support.tensor(seed, false, rows, 14));
            for (int i = 0; i < OUTS.length; i++) {
                int layer = i;
                double[] expected = gradient(v -> {
                    double[][] changed = w.clone();
                    changed[layer] = v;
                    double[] a = reference(x1, changed, b, rows, in);
                    double[] c = reference(x2, changed, b, rows, in);
                    for (int j = 0; j < a.length; j++) {
                        a[j] += c[j];
                    }
                    return a;
                }, w[i], toDouble(seed), 1e-6);
                assertClose("dweight " + i, tw[i].grad().toFloatArray(), expected, 1e-4, 1e-4);
            }
        }
    }

    @Test
    void mismatchedWeightsAndBiasesNameTheArgument() {
        try (Step step = support.step()) {
            Tensor x = support.tensor(new float[12], false, 3, 4);
            Tensor good = support.tensor(new float[8], false, 2, 4);
            Tensor wrongIn = support.tensor(new float[10], false, 2, 5);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Ops.linearStacked(x, new Tensor[] {good, wrongIn}, null));
            assertTrue(e.getMessage().contains("weights[1]"), e.getMessage());
            Tensor wrongBias = support.tensor(new float[3], false, 3);
            e = assertThrows(IllegalArgumentException.class, () -> Ops.linearStacked(x, new Tensor[] {good, good},
                    new Tensor[] {support.tensor(new float[2], false, 2), wrongBias}));
            assertTrue(e.getMessage().contains("biases[1]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Ops.linearStacked(x, new Tensor[] {good},
                    new Tensor[] {wrongBias, wrongBias}));
            assertEquals("linear_stacked: 2 biases for 1 weights", e.getMessage());
        }
    }

    private static float[] toFloat(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
