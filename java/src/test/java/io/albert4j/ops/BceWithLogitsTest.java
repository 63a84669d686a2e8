package io.albert4j.ops;

import static io.albert4j.testing.FiniteDifferences.assertClose;
import static io.albert4j.testing.FiniteDifferences.gradient;
import static io.albert4j.testing.FiniteDifferences.toDouble;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.tensor.Tensor;
import io.albert4j.testing.OpTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BceWithLogitsTest {
    private final OpTestSupport support = new OpTestSupport(13);

    @AfterEach
    void close() {
        support.close();
    }

    /** The textbook form -[y·log σ(x) + (1-y)·log(1-σ(x))], not the op's softplus form. */
    private static double reference(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double p = 1 / (1 + Math.exp(-x[i]));
            s -= y[i] * Math.log(p) + (1 - y[i]) * Math.log(1 - p);
        }
        return s / x.length;
    }

    private float[] targets(int n) {
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3 == 0 ? (float) support.random.nextDouble() : support.random.nextInt(2); // hard and soft
        }
        return y;
    }

    @Test
    void forwardMatchesReferenceOnSizesOffTheSimdWidth() {
        for (int n : new int[] {1, 7, 17, 10_007}) {
            float[] x = support.randomFloats(n, 6);
            float[] y = targets(n);
            try (Step step = support.step()) {
                Tensor loss = Ops.bceWithLogits(support.tensor(x, false, n), support.tensor(y, false, n));
                assertClose("bce n=" + n, loss.toFloatArray(), new double[] {reference(toDouble(x), toDouble(y))},
                        1e-5, 1e-6);
            }
        }
    }

    @Test
    void largeLogitsStayFinite() {
        try (Step step = support.step()) {
            Tensor loss = Ops.bceWithLogits(support.tensor(new float[] {80f, -80f}, false, 2),
                    support.tensor(new float[] {0f, 1f}, false, 2));
            assertClose("bce saturated", loss.toFloatArray(), new double[] {80}, 1e-6, 1e-4);
        }
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        float[] x = support.randomFloats(21, 3);
        float[] y = targets(21);
        try (Step step = support.step()) {
            Tensor logits = support.tensor(x, true, 3, 7);
            Tensor loss = Ops.bceWithLogits(logits, support.tensor(y, false, 3, 7));
            step.tape().backward(loss, support.tensor(new float[] {1.3f}, false, 1));
            double[] yd = toDouble(y);
            assertClose("d bce", step.tape().gradOf(logits).toFloatArray(),
                    gradient(v -> new double[] {reference(v, yd)}, toDouble(x), new double[] {1.3}, 1e-6), 1e-4, 1e-6);
        }
    }

    @Test
    void rejectsMismatchedShapesAndTargetGradients() {
        try (Step step = support.step()) {
            Tensor a = support.tensor(new float[6], false, 2, 3);
            Tensor b = support.tensor(new float[6], false, 6);
            var error = assertThrows(IllegalArgumentException.class, () -> Ops.bceWithLogits(a, b));
            assertTrue(error.getMessage().contains("bce_with_logits") && error.getMessage().contains("[6]"),
                    error.getMessage());
            Tensor c = support.tensor(new float[6], true, 2, 3);
            error = assertThrows(IllegalArgumentException.class, () -> Ops.bceWithLogits(a, c));
            assertTrue(error.getMessage().contains("'targets'"), error.getMessage());
        }
    }
}
