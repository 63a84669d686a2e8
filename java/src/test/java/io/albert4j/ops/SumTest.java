package io.albert4j.ops;

import static io.albert4j.testing.FiniteDifferences.assertClose;
import static io.albert4j.testing.FiniteDifferences.gradient;
import static io.albert4j.testing.FiniteDifferences.toDouble;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.tensor.Tensor;
import io.albert4j.testing.OpTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SumTest {
    private final OpTestSupport support = new OpTestSupport(71);

    @AfterEach
    void close() {
        support.close();
    }

    private static double[] sum(double[] x, double scale) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return new double[] {s * scale};
    }

    @Test
    void sumAndMeanMatchDoubleReference() {
        for (int n : new int[] {1, 15, 17, 1_000_003}) {
            float[] x = support.randomFloats(n, 1);
            for (int i = 0; i < n; i++) {
                x[i] += 0.25f; // a nonzero mean, so precision loss would show
            }
            try (Step step = support.step()) {
                Tensor xt = support.tensor(x, false, n);
                Tensor s = Ops.sum(xt);
                assertArrayEquals(new int[] {1}, s.shape());
                assertClose("sum " + n, s.toFloatArray(), sum(toDouble(x), 1), 1e-6, 1e-6);
                assertClose("mean " + n, Ops.mean(xt).toFloatArray(), sum(toDouble(x), 1.0 / n), 1e-6, 1e-7);
            }
        }
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        float[] x = support.randomFloats(3 * 7, 1);
        try (Step step = support.step()) {
            Tensor xt = support.tensor(x, true, 3, 7);
            step.backward(Ops.mean(xt));
            assertClose("d mean", step.tape().gradOf(xt).toFloatArray(),
                    gradient(v -> sum(v, 1.0 / 21), toDouble(x), new double[] {1}, 1e-6), 1e-5, 1e-7);
        }
        try (Step step = support.step()) {
            Tensor xt = support.tensor(x, true, 21);
            step.tape().backward(Ops.sum(xt), support.tensor(new float[] {2.5f}, false, 1));
            assertClose("d sum", step.tape().gradOf(xt).toFloatArray(),
                    gradient(v -> sum(v, 1), toDouble(x), new double[] {2.5}, 1e-6), 1e-5, 1e-7);
        }
    }

    @Test
    void sumSquaresAccumulatesIntoItsOutput() {
        float[] a = support.randomFloats(100_003, 1);
        float[] b = support.randomFloats(33, 1);
        double expected = 0;
        for (float v : a) {
            expected += (double) v * v;
        }
        for (float v : b) {
            expected += (double) v * v;
        }
        try (Step step = support.step()) {
            Tensor out = support.tensor(new float[] {0f}, false, 1);
            support.backend.sumSquares(support.tensor(a, false, a.length), out);
            support.backend.sumSquares(support.tensor(b, false, b.length), out);
            assertClose("sum of squares", out.toFloatArray(), new double[] {expected}, 1e-6, 0);
        }
    }

    @Test
    void sumSquaresMultiIsTheGlobalNormOfAListInOneCall() {
        // 16,500 + 33 + 0 + 40,000 elements: the last is cut between the threads, the others dealt out whole.
        float[][] parts = {support.randomFloats(16_500, 1), support.randomFloats(33, 1), new float[0],
                support.randomFloats(40_000, 2)};
        double expected = 1.5;  // what out holds before: the call adds to it
        for (float[] part : parts) {
            for (float v : part) {
                expected += (double) v * v;
            }
        }
        try (Step step = support.step()) {
            Tensor out = support.tensor(new float[] {1.5f}, false, 1);
            java.util.List<Tensor> tensors = new java.util.ArrayList<>();
            for (float[] part : parts) {
                tensors.add(support.tensor(part, false, part.length));
            }
            support.backend.sumSquaresMulti(tensors, out);
            assertClose("sum of squares of the list", out.toFloatArray(), new double[] {expected}, 1e-6, 0);
            support.backend.sumSquaresMulti(java.util.List.of(), out);
            assertClose("an empty list adds nothing", out.toFloatArray(), new double[] {expected}, 1e-6, 0);
        }
    }

    @Test
    void rejectsIntegerInput() {
        try (Step step = support.step()) {
            var error = assertThrows(IllegalArgumentException.class, () -> Ops.sum(support.ints(new int[] {1}, 1)));
            assertTrue(error.getMessage().contains("sum") && error.getMessage().contains("'x'"), error.getMessage());
        }
    }
}
