package io.albert4j.ops;

import static io.albert4j.testing.FiniteDifferences.assertClose;
import static io.albert4j.testing.FiniteDifferences.toDouble;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.tensor.Tensor;
import io.albert4j.testing.OpTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AddScaleReshapeTest {
    private final OpTestSupport support = new OpTestSupport(81);

    @AfterEach
    void close() {
        support.close();
    }

    @Test
    void addForwardAndBothGradients() {
        int n = 37;
        float[] a = support.randomFloats(n, 1);
        float[] b = support.randomFloats(n, 1);
        float[] seed = support.randomFloats(n, 1);
        try (Step step = support.step()) {
            Tensor at = support.tensor(a, true, n);
            Tensor bt = support.tensor(b, true, n);
            Tensor out = Ops.add(at, bt);
            double[] expected = new double[n];
            for (int i = 0; i < n; i++) {
                expected[i] = (double) a[i] + b[i];
            }
            assertClose("a + b", out.toFloatArray(), expected, 1e-7, 0);
            step.tape().backward(out, support.tensor(seed, false, n));
            assertClose("da", step.tape().gradOf(at).toFloatArray(), toDouble(seed), 0, 0);
            assertClose("db", step.tape().gradOf(bt).toFloatArray(), toDouble(seed), 0, 0);
        }
        try (Step step = support.step()) {
            Tensor at = support.tensor(a, true, n);
            step.tape().backward(Ops.add(at, at), support.tensor(seed, false, n));
            double[] twice = toDouble(seed);
            for (int i = 0; i < n; i++) {
                twice[i] *= 2;
            }
            assertClose("d(a + a)", step.tape().gradOf(at).toFloatArray(), twice, 1e-7, 0);
        }
    }

    @Test
    void scaleForwardAndGradient() {
        int n = 19;
        float[] x = support.randomFloats(n, 1);
        float[] seed = support.randomFloats(n, 1);
        try (Step step = support.step()) {
            Tensor xt = support.tensor(x, true, n);
            Tensor out = Ops.scale(xt, -1.5f);
            double[] expected = new double[n];
            double[] dx = new double[n];
            for (int i = 0; i < n; i++) {
                expected[i] = -1.5 * x[i];
                dx[i] = -1.5 * seed[i];
            }
            assertClose("scale", out.toFloatArray(), expected, 1e-7, 0);
            step.tape().backward(out, support.tensor(seed, false, n));
            assertClose("d scale", step.tape().gradOf(xt).toFloatArray(), dx, 1e-7, 0);
            assertArrayEquals(x, xt.toFloatArray(), "the input is not modified");
        }
    }

    @Test
    void reshapeIsAViewWhoseGradientFlowsBack() {
        float[] x = support.randomFloats(24, 1);
        float[] seed = support.randomFloats(24, 1);
        try (Step step = support.step()) {
            Tensor xt = support.tensor(x, true, 2, 3, 4);
            Tensor flat = Ops.reshape(xt, 6, -1);
            assertArrayEquals(new int[] {6, 4}, flat.shape());
            assertArrayEquals(x, flat.toFloatArray());
            Tensor scaled = Ops.scale(flat, 2f);
            step.tape().backward(scaled, support.tensor(seed, false, 6, 4));
            Tensor grad = step.tape().gradOf(xt);
            assertArrayEquals(new int[] {2, 3, 4}, grad.shape());
            double[] expected = toDouble(seed);
            for (int i = 0; i < expected.length; i++) {
                expected[i] *= 2;
            }
            assertClose("d reshape", grad.toFloatArray(), expected, 1e-7, 0);
        }
    }

    @Test
    void rejectsMismatchedShapes() {
        try (Step step = support.step()) {
            Tensor a = support.tensor(new float[6], false, 2, 3);
            Tensor b = support.tensor(new float[6], false, 3, 2);
            var add = assertThrows(IllegalArgumentException.class, () -> Ops.add(a, b));
            assertTrue(add.getMessage().contains("add") && add.getMessage().contains("[2, 3]")
                    && add.getMessage().contains("[3, 2]"), add.getMessage());
            var reshape = assertThrows(IllegalArgumentException.class, () -> Ops.reshape(a, 4, -1));
            assertTrue(reshape.getMessage().contains("reshape") && reshape.getMessage().contains("[4, -1]"),
                    reshape.getMessage());
            var twoInferred = assertThrows(IllegalArgumentException.class, () -> Ops.reshape(a, -1, -1));
            assertTrue(twoInferred.getMessage().contains("only one dim"), twoInferred.getMessage());
            var dtype = assertThrows(IllegalArgumentException.class, () -> Ops.scale(support.ints(new int[] {1}, 1), 2f));
            assertTrue(dtype.getMessage().contains("scale"), dtype.getMessage());
        }
    }
}
