package io.albert4j.ops;

import static io.albert4j.testing.FiniteDifferences.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import io.albert4j.testing.OpTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** a4j_bias_add_forward/backward (cpu/elementwise.cpp) through the backend, against a double reference. */
class BiasAddTest {
    private final OpTestSupport support = new OpTestSupport(5);

    @AfterEach
    void close() {
        support.close();
    }

    @Test
    void forwardAddsTheBiasToEveryRowAlsoInPlace() {
        for (int[] s : new int[][] {{1, 1}, {7, 33}, {300, 130}}) { // the last one takes the parallel path
            int rows = s[0], cols = s[1];
            float[] x = support.randomFloats(rows * cols, 2), bias = support.randomFloats(cols, 1);
            double[] expected = new double[rows * cols];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    expected[r * cols + c] = (double) x[r * cols + c] + bias[c];
                }
            }
            Tensor tx = support.tensor(x, false, rows, cols), tb = support.tensor(bias, false, cols);
            Tensor out = support.arena.allocate(DType.F32, rows, cols);
            support.backend.biasAddForward(tx, tb, out, rows, cols);
            assertClose("bias_add " + rows + "x" + cols, out.toFloatArray(), expected, 1e-6, 1e-6);
            support.backend.biasAddForward(tx, tb, tx, rows, cols);
            assertClose("bias_add in place", tx.toFloatArray(), expected, 1e-6, 1e-6);
        }
    }

    @Test
    void backwardAccumulatesColumnSums() {
        for (int[] s : new int[][] {{1, 5}, {9, 70}, {513, 200}}) {
            int rows = s[0], cols = s[1];
            float[] dout = support.randomFloats(rows * cols, 1), initial = support.randomFloats(cols, 1);
            double[] expected = new double[cols];
            for (int c = 0; c < cols; c++) {
                expected[c] = initial[c];
                for (int r = 0; r < rows; r++) {
                    expected[c] += dout[r * cols + c];
                }
            }
            Tensor dbias = support.tensor(initial, false, cols);
            support.backend.biasAddBackward(support.tensor(dout, false, rows, cols), dbias, rows, cols);
            assertClose("dbias " + rows + "x" + cols, dbias.toFloatArray(), expected, 1e-5, 1e-5 * Math.sqrt(rows));
        }
    }

    @Test
    void tooSmallBufferIsRejectedBeforeTheDowncall() {
        Tensor x = support.tensor(support.randomFloats(12, 1), false, 3, 4);
        try (Tensor shortBias = Tensor.ofFloats(support.randomFloats(3, 1), 3)) { // exactly 3 floats of memory
            var error = assertThrows(IllegalArgumentException.class,
                    () -> support.backend.biasAddForward(x, shortBias, x, 3, 4));
            assertTrue(error.getMessage().contains("'bias'"), error.getMessage());
        }
    }
}
