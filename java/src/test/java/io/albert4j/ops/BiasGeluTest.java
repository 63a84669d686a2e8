package io.albert4j.ops;

import static io.albert4j.testing.FiniteDifferences.assertClose;
import static io.albert4j.testing.FiniteDifferences.gradient;
import static io.albert4j.testing.FiniteDifferences.toDouble;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.backend.Activation;
import io.albert4j.tensor.Tensor;
import io.albert4j.testing.OpTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BiasGeluTest {
    private final OpTestSupport support = new OpTestSupport(11);

    @AfterEach
    void close() {
        support.close();
    }

    /** erf by its Maclaurin series; exact to ~1e-13 for the |x| < 3.5 the tests use. */
    static double erf(double x) {
        double term = x;
        double sum = x;
        for (int n = 1; n < 200; n++) {
            term *= -x * x / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.abs(add) < 1e-17) {
                break;
            }
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    static double activate(Activation activation, double v) {
        return switch (activation) {
            case GELU_ERF -> 0.5 * v * (1 + erf(v / Math.sqrt(2)));
            case GELU_TANH -> 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
            case RELU -> Math.max(v, 0);
            case IDENTITY -> v;
        };
    }

    /** act(x + bias) row-wise; bias null means none. */
    static double[] reference(Activation activation, double[] x, double[] bias, int cols) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = activate(activation, x[i] + (bias == null ? 0 : bias[i % cols]));
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void forwardMatchesReferenceWithAndWithoutBias(Activation activation) {
        int[][] shapes = {{1, 1}, {3, 17}, {5, 33}, {2, 3, 101}, {300, 129}};
        for (int[] shape : shapes) {
            int cols = shape[shape.length - 1];
            int n = (int) Tensor.numelOf(shape);
            float[] x = support.randomFloats(n, 3);
            float[] bias = support.randomFloats(cols, 0.5);
            try (Step step = support.step()) {
                Tensor withBias = Ops.biasActivation(support.tensor(x, false, shape), support.tensor(bias, false, cols),
                        activation);
                assertClose(activation + " with bias " + n, withBias.toFloatArray(),
                        reference(activation, toDouble(x), toDouble(bias), cols), 2e-6, 2e-6);
                Tensor noBias = Ops.biasActivation(support.tensor(x, false, shape), null, activation);
                assertClose(activation + " no bias " + n, noBias.toFloatArray(),
                        reference(activation, toDouble(x), null, cols), 2e-6, 2e-6);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void backwardMatchesFiniteDifferencesForXAndBias(Activation activation) {
        int rows = 5;
        int cols = 19;
        float[] x = support.randomFloats(rows * cols, 2.5);
        float[] bias = support.randomFloats(cols, 0.5);
        float[] seed = support.randomFloats(rows * cols, 1);
        try (Step step = support.step()) {
            Tensor xt = support.tensor(x, true, rows, cols);
            Tensor bt = support.tensor(bias, true, cols);
            Tensor out = Ops.biasActivation(xt, bt, activation);
            step.tape().backward(out, support.tensor(seed, false, rows, cols));
            double[] dx = gradient(v -> reference(activation, v, toDouble(bias), cols), toDouble(x), toDouble(seed), 1e-6);
            double[] db = gradient(v -> reference(activation, toDouble(x), v, cols), toDouble(bias), toDouble(seed), 1e-6);
            assertClose(activation + " dx", step.tape().gradOf(xt).toFloatArray(), dx, 1e-4, 1e-5);
            assertClose(activation + " dbias", step.tape().gradOf(bt).toFloatArray(), db, 1e-4, 1e-4);
        }
    }

    @Test
    void largeBackwardAccumulatesAndSplitsBiasSumAcrossThreads() {
        int rows = 257;
        int cols = 515;
        float[] x = support.randomFloats(rows * cols, 3);
        float[] bias = support.randomFloats(cols, 0.5);
        float[] seed = support.randomFloats(rows * cols, 1);
        try (Step step = support.step()) {
            Tensor xt = support.tensor(x, false, rows, cols);
            Tensor bt = support.tensor(bias, true, cols);
            Tensor out = Ops.biasActivation(xt, bt, Activation.GELU_TANH);
            // Pre-existing gradient must be kept: the kernel accumulates.
            Tensor dbias = step.tape().gradFor(bt);
            support.backend.fill(1.0f, dbias);
            step.tape().backward(out, support.tensor(seed, false, rows, cols));
            assertNull(step.tape().gradOf(xt), "x needs no gradient, none is allocated");
            double[] expected = new double[cols];
            java.util.Arrays.fill(expected, 1.0);
            for (int i = 0; i < rows * cols; i++) {
                double v = x[i] + bias[i % cols];
                double t = Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v));
                double grad = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * Math.sqrt(2 / Math.PI) * (1 + 3 * 0.044715 * v * v);
                expected[i % cols] += seed[i] * grad;
            }
            assertClose("dbias", dbias.toFloatArray(), expected, 1e-4, 1e-4);
        }
    }

    @Test
    void rejectsWrongBiasShapeAndDtype() {
        try (Step step = support.step()) {
            Tensor x = support.tensor(support.randomFloats(12, 1), false, 3, 4);
            var shape = assertThrows(IllegalArgumentException.class,
                    () -> Ops.biasActivation(x, support.tensor(new float[5], false, 5), Activation.GELU_ERF));
            assertTrue(shape.getMessage().contains("bias_gelu") && shape.getMessage().contains("'bias'")
                    && shape.getMessage().contains("[5]") && shape.getMessage().contains("[4]"), shape.getMessage());
            var dtype = assertThrows(IllegalArgumentException.class,
                    () -> Ops.biasActivation(support.ints(new int[] {1, 2, 3, 4}, 4), null, Activation.RELU));
            assertTrue(dtype.getMessage().contains("bias_gelu") && dtype.getMessage().contains("F32"), dtype.getMessage());
        }
    }
}
