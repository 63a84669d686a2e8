package io.albert4j.ops;

import static io.albert4j.testing.FiniteDifferences.assertClose;
import static io.albert4j.testing.FiniteDifferences.gradient;
import static io.albert4j.testing.FiniteDifferences.toDouble;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.tensor.Tensor;
import io.albert4j.testing.OpTestSupport;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MseLossTest {
    private final OpTestSupport support = new OpTestSupport(11);

    @AfterEach
    void close() {
        support.close();
    }

    private static double reference(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += (x[i] - y[i]) * (x[i] - y[i]);
        }
        return s / x.length;
    }

    @Test
    void forwardMatchesReferenceOnSizesOffTheSimdWidth() {
        for (int n : new int[] {1, 7, 17, 10_007}) {
            float[] x = support.randomFloats(n, 3);
            float[] y = support.randomFloats(n, 3);
            try (Step step = support.step()) {
                Tensor loss = Ops.mseLoss(support.tensor(x, false, n), support.tensor(y, false, n));
                assertClose("mse n=" + n, loss.toFloatArray(), new double[] {reference(toDouble(x), toDouble(y))},
                        1e-5, 1e-6);
            }
        }
    }

    @Test
    void backwardMatchesFiniteDifferencesForInputAndTarget() {
        float[] x = support.randomFloats(15, 2);
        float[] y = support.randomFloats(15, 2);
        try (Step step = support.step()) {
            Tensor input = support.tensor(x, true, 3, 5);
            Tensor target = support.tensor(y, true, 3, 5);
            Tensor loss = Ops.mseLoss(input, target);
            step.tape().backward(loss, support.tensor(new float[] {0.7f}, false, 1));
            double[] seed = {0.7};
            double[] yd = toDouble(y);
            double[] xd = toDouble(x);
            assertClose("d mse / d input", step.tape().gradOf(input).toFloatArray(),
                    gradient(v -> new double[] {reference(v, yd)}, xd, seed, 1e-6), 1e-4, 1e-6);
            assertClose("d mse / d target", step.tape().gradOf(target).toFloatArray(),
                    gradient(v -> new double[] {reference(xd, v)}, yd, seed, 1e-6), 1e-4, 1e-6);
        }
    }

    @Test
    void rejectsMismatchedShapes() {
        try (Step step = support.step()) {
            Tensor a = support.tensor(new float[6], false, 2, 3);
            Tensor b = support.tensor(new float[6], false, 3, 2);
            var error = assertThrows(IllegalArgumentException.class, () -> Ops.mseLoss(a, b));
            assertTrue(error.getMessage().contains("mse_loss") && error.getMessage().contains("[3, 2]"),
                    error.getMessage());
            Tensor ids = support.ints(new int[6], 2, 3);
            error = assertThrows(IllegalArgumentException.class, () -> Ops.mseLoss(a, ids));
            assertTrue(error.getMessage().contains("'target'"), error.getMessage() + Arrays.toString(a.shape()));
        }
    }
}
