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

class MatmulTest {
    private final OpTestSupport support = new OpTestSupport(33);

    @AfterEach
    void close() {
        support.close();
    }

    /** op(a)·op(b) for `batch` stacked matrices, in double. */
    static double[] reference(double[] a, boolean transA, double[] b, boolean transB, int batch, int m, int n, int k) {
        double[] c = new double[batch * m * n];
        for (int bi = 0; bi < batch; bi++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int p = 0; p < k; p++) {
                        double av = transA ? a[bi * m * k + p * m + i] : a[bi * m * k + i * k + p];
                        double bv = transB ? b[bi * k * n + j * k + p] : b[bi * k * n + p * n + j];
                        sum += av * bv;
                    }
                    c[bi * m * n + i * n + j] = sum;
                }
            }
        }
        return c;
    }

    private void checkForwardAndBackward(int batch, int m, int n, int k, boolean transA, boolean transB) {
        double[] a = toDouble(support.randomFloats(batch * m * k, 1));
        double[] b = toDouble(support.randomFloats(batch * k * n, 1));
        float[] seed = support.randomFloats(batch * m * n, 1);
        int[] aShape = transA ? new int[] {k, m} : new int[] {m, k};
        int[] bShape = transB ? new int[] {n, k} : new int[] {k, n};
        if (batch > 1) {
            aShape = new int[] {batch, aShape[0], aShape[1]};
            bShape = new int[] {batch, bShape[0], bShape[1]};
        }
        String what = "matmul batch=" + batch + " " + m + "x" + n + "x" + k + " transA=" + transA + " transB=" + transB;
        try (Step step = support.step()) {
            Tensor ta = support.tensor(LinearTest.toFloat(a), true, aShape);
            Tensor tb = support.tensor(LinearTest.toFloat(b), true, bShape);
            Tensor c = Ops.matmul(ta, transA, tb, transB);
            assertArrayEquals(batch > 1 ? new int[] {batch, m, n} : new int[] {m, n}, c.shape(), what);
            assertClose(what, c.toFloatArray(), reference(a, transA, b, transB, batch, m, n, k), 1e-5, 1e-5 * k);
            step.tape().backward(c, support.tensor(seed, false, c.shape()));
            double[] s = toDouble(seed);
            assertClose("d a of " + what, step.tape().gradOf(ta).toFloatArray(),
                    gradient(v -> reference(v, transA, b, transB, batch, m, n, k), a, s, 1e-6), 1e-4, 1e-5);
            assertClose("d b of " + what, step.tape().gradOf(tb).toFloatArray(),
                    gradient(v -> reference(a, transA, v, transB, batch, m, n, k), b, s, 1e-6), 1e-4, 1e-5);
        }
    }

    @Test
    void twoDimensionalAllTransposes() {
        for (int t = 0; t < 4; t++) {
            checkForwardAndBackward(1, 5, 3, 7, (t & 1) != 0, (t & 2) != 0);
            checkForwardAndBackward(1, 1, 17, 9, (t & 1) != 0, (t & 2) != 0);
        }
    }

    @Test
    void batchedAllTransposes() {
        for (int t = 0; t < 4; t++) {
            checkForwardAndBackward(3, 4, 6, 5, (t & 1) != 0, (t & 2) != 0);
        }
    }

    @Test
    void largerProductGoesThroughTheBlockedKernel() {
        int m = 70, n = 45, k = 130;
        double[] a = toDouble(support.randomFloats(m * k, 1)), b = toDouble(support.randomFloats(n * k, 1));
        try (Step step = support.step()) {
            Tensor c = Ops.matmul(support.tensor(LinearTest.toFloat(a), false, m, k), false,
                    support.tensor(LinearTest.toFloat(b), false, n, k), true);
            assertClose("matmul 70x45x130", c.toFloatArray(), reference(a, false, b, true, 1, m, n, k), 1e-5, 1e-3);
        }
    }

    @Test
    void mismatchedShapesAreRejectedWithBothShapes() {
        try (Step step = support.step()) {
            Tensor a = support.tensor(support.randomFloats(6, 1), false, 2, 3);
            Tensor b = support.tensor(support.randomFloats(8, 1), false, 4, 2);
            var inner = assertThrows(IllegalArgumentException.class, () -> Ops.matmul(a, false, b, false));
            assertTrue(inner.getMessage().contains("matmul") && inner.getMessage().contains("[2, 3]")
                    && inner.getMessage().contains("[4, 2]"), inner.getMessage());
            Tensor batched = support.tensor(support.randomFloats(12, 1), false, 2, 3, 2);
            var rank = assertThrows(IllegalArgumentException.class, () -> Ops.matmul(a, false, batched, false));
            assertTrue(rank.getMessage().contains("[2, 3]") && rank.getMessage().contains("[2, 3, 2]"), rank.getMessage());
            Tensor a3 = support.tensor(support.randomFloats(18, 1), false, 3, 2, 3);
            var batch = assertThrows(IllegalArgumentException.class, () -> Ops.matmul(a3, false, batched, false));
            assertTrue(batch.getMessage().contains("batch") && batch.getMessage().contains("[3, 2, 3]"),
                    batch.getMessage());
        }
    }
}
