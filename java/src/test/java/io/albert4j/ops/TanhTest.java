package io.albert4j.ops;

import static io.albert4j.testing.FiniteDifferences.assertClose;
import static io.albert4j.testing.FiniteDifferences.gradient;
import static io.albert4j.testing.FiniteDifferences.toDouble;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import io.albert4j.testing.OpTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TanhTest {
    private final OpTestSupport support = new OpTestSupport(7);

    @AfterEach
    void close() {
        support.close();
    }

    private static double[] reference(double[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = Math.tanh(x[i]);
        }
        return out;
    }

    @Test
    void forwardMatchesReferenceOnSizesOffTheSimdWidth() {
        for (int n : new int[] {1, 7, 17, 100_003}) {
            float[] values = support.randomFloats(n, 4);
            try (Step step = support.step()) {
                Tensor out = Ops.tanh(support.tensor(values, false, n));
                assertClose("tanh n=" + n, out.toFloatArray(), reference(toDouble(values)), 1e-6, 1e-6);
            }
        }
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        float[] values = support.randomFloats(33, 2);
        float[] seed = support.randomFloats(33, 1);
        try (Step step = support.step()) {
            Tensor x = support.tensor(values, true, 3, 11);
            Tensor out = Ops.tanh(x);
            step.tape().backward(out, support.tensor(seed, false, 3, 11));
            double[] expected = gradient(TanhTest::reference, toDouble(values), toDouble(seed), 1e-6);
            assertClose("d tanh", step.tape().gradOf(x).toFloatArray(), expected, 1e-4, 1e-5);
        }
    }

    @Test
    void rejectsWrongDtypeAndFreedTensorsBeforeTheDowncall() {
        try (Step step = support.step()) {
            Tensor ids = support.ints(new int[] {1, 2}, 2);
            var error = assertThrows(IllegalArgumentException.class, () -> Ops.tanh(ids));
            assertTrue(error.getMessage().contains("tanh") && error.getMessage().contains("'x'"), error.getMessage());
        }
        Tensor stale = support.arena.allocate(DType.F32, 4);
        support.arena.reset();
        try (Step step = support.step()) {
            var error = assertThrows(IllegalStateException.class, () -> Ops.tanh(stale));
            assertTrue(error.getMessage().contains("freed"), error.getMessage());
        }
    }
}
