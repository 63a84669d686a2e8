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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LayerNormTest {
    private final OpTestSupport support = new OpTestSupport(21);

    @AfterEach
    void close() {
        support.close();
    }

    /** LayerNorm(x + residual) over rows of {@code cols}, population variance, in double. */
    static double[] reference(double[] x, double[] residual, double[] gamma, double[] beta, int cols, double eps) {
        double[] out = new double[x.length];
        for (int r = 0; r < x.length / cols; r++) {
            double mean = 0;
            for (int c = 0; c < cols; c++) {
                mean += x[r * cols + c] + (residual == null ? 0 : residual[r * cols + c]);
            }
            mean /= cols;
            double var = 0;
            for (int c = 0; c < cols; c++) {
                double d = x[r * cols + c] + (residual == null ? 0 : residual[r * cols + c]) - mean;
                var += d * d;
            }
            var /= cols;
            double rstd = 1 / Math.sqrt(var + eps);
            for (int c = 0; c < cols; c++) {
                double v = x[r * cols + c] + (residual == null ? 0 : residual[r * cols + c]);
                out[r * cols + c] = (v - mean) * rstd * gamma[c] + beta[c];
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(floats = {1e-12f, 1e-5f})
    void forwardMatchesReferenceWithAndWithoutResidual(float eps) {
        int[][] shapes = {{1, 1}, {3, 7}, {2, 5, 33}, {64, 768}, {9, 1000}};
        for (int[] shape : shapes) {
            int cols = shape[shape.length - 1];
            int n = (int) Tensor.numelOf(shape);
            // An offset of 50 checks that the statistics do not cancel catastrophically.
            float[] x = support.randomFloats(n, 2);
            for (int i = 0; i < n; i++) {
                x[i] += 50;
            }
            float[] residual = support.randomFloats(n, 1);
            float[] gamma = support.randomFloats(cols, 1);
            float[] beta = support.randomFloats(cols, 1);
            try (Step step = support.step()) {
                Tensor g = support.tensor(gamma, false, cols);
                Tensor b = support.tensor(beta, false, cols);
                Tensor plain = Ops.layerNorm(support.tensor(x, false, shape), null, g, b, eps);
                double tol = cols == 1 ? 1e-6 : 5e-5;
                assertClose("layer_norm " + n, plain.toFloatArray(),
                        reference(toDouble(x), null, toDouble(gamma), toDouble(beta), cols, eps), tol, tol);
                Tensor fused = Ops.layerNorm(support.tensor(x, false, shape), support.tensor(residual, false, shape), g,
                        b, eps);
                assertClose("residual layer_norm " + n, fused.toFloatArray(),
                        reference(toDouble(x), toDouble(residual), toDouble(gamma), toDouble(beta), cols, eps), tol, tol);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(floats = {1e-12f, 1e-5f})
    void backwardMatchesFiniteDifferencesForEveryInput(float eps) {
        int rows = 4;
        int cols = 19;
        int n = rows * cols;
        float[] x = support.randomFloats(n, 2);
        float[] residual = support.randomFloats(n, 1);
        float[] gamma = support.randomFloats(cols, 1.5);
        float[] beta = support.randomFloats(cols, 1);
        float[] seed = support.randomFloats(n, 1);
        double[] dx = toDouble(x);
        double[] dr = toDouble(residual);
        double[] dg = toDouble(gamma);
        double[] db = toDouble(beta);
        double[] ds = toDouble(seed);
        try (Step step = support.step()) {
            Tensor xt = support.tensor(x, true, rows, cols);
            Tensor rt = support.tensor(residual, true, rows, cols);
            Tensor gt = support.tensor(gamma, true, cols);
            Tensor bt = support.tensor(beta, true, cols);
            Tensor out = Ops.layerNorm(xt, rt, gt, bt, eps);
            step.tape().backward(out, support.tensor(seed, false, rows, cols));
            double[] expectedX = gradient(v -> reference(v, dr, dg, db, cols, eps), dx, ds, 1e-6);
            double[] expectedR = gradient(v -> reference(dx, v, dg, db, cols, eps), dr, ds, 1e-6);
            assertClose("dx", step.tape().gradOf(xt).toFloatArray(), expectedX, 1e-3, 1e-4);
            assertClose("dresidual", step.tape().gradOf(rt).toFloatArray(), expectedR, 1e-3, 1e-4);
            assertClose("dgamma", step.tape().gradOf(gt).toFloatArray(),
                    gradient(v -> reference(dx, dr, v, db, cols, eps), dg, ds, 1e-6), 1e-4, 1e-4);
            assertClose("dbeta", step.tape().gradOf(bt).toFloatArray(),
                    gradient(v -> reference(dx, dr, dg, v, cols, eps), db, ds, 1e-6), 1e-4, 1e-4);
        }
        // Without residual, and with only x needing a gradient.
        try (Step step = support.step()) {
            Tensor xt = support.tensor(x, true, rows, cols);
            Tensor out = Ops.layerNorm(xt, null, support.tensor(gamma, false, cols), support.tensor(beta, false, cols),
                    eps);
            step.tape().backward(out, support.tensor(seed, false, rows, cols));
            assertClose("dx without residual", step.tape().gradOf(xt).toFloatArray(),
                    gradient(v -> reference(v, null, dg, db, cols, eps), dx, ds, 1e-6), 1e-3, 1e-4);
        }
    }

    @Test
    void largeBackwardSumsGammaAndBetaPartialsOverThreads() {
        int rows = 300;
        int cols = 768;
        int n = rows * cols;
        float[] x = support.randomFloats(n, 2);
        float[] gamma = support.randomFloats(cols, 1);
        float[] seed = support.randomFloats(n, 1);
        try (Step step = support.step()) {
            Tensor gt = support.tensor(gamma, true, cols);
            Tensor bt = support.tensor(new float[cols], true, cols);
            Tensor out = Ops.layerNorm(support.tensor(x, false, rows, cols), null, gt, bt, 1e-12f);
            step.tape().backward(out, support.tensor(seed, false, rows, cols));
            double[] dgamma = new double[cols];
            double[] dbeta = new double[cols];
            for (int r = 0; r < rows; r++) {
                double mean = 0;
                double var = 0;
                for (int c = 0; c < cols; c++) {
                    mean += x[r * cols + c];
                }
                mean /= cols;
                for (int c = 0; c < cols; c++) {
                    var += (x[r * cols + c] - mean) * (x[r * cols + c] - mean);
                }
                double rstd = 1 / Math.sqrt(var / cols + 1e-12);
                for (int c = 0; c < cols; c++) {
                    dgamma[c] += seed[r * cols + c] * (x[r * cols + c] - mean) * rstd;
                    dbeta[c] += seed[r * cols + c];
                }
            }
            assertClose("dgamma", step.tape().gradOf(gt).toFloatArray(), dgamma, 1e-4, 1e-4);
            assertClose("dbeta", step.tape().gradOf(bt).toFloatArray(), dbeta, 1e-4, 1e-4);
        }
    }

    @Test
    void rejectsMismatchedShapesAndBadEps() {
        try (Step step = support.step()) {
            Tensor x = support.tensor(support.randomFloats(8, 1), false, 2, 4);
            Tensor g4 = support.tensor(new float[4], false, 4);
            Tensor g5 = support.tensor(new float[5], false, 5);
            var gamma = assertThrows(IllegalArgumentException.class, () -> Ops.layerNorm(x, null, g5, g4, 1e-12f));
            assertTrue(gamma.getMessage().contains("layer_norm") && gamma.getMessage().contains("'gamma'")
                    && gamma.getMessage().contains("[5]"), gamma.getMessage());
            Tensor wrongResidual = support.tensor(new float[8], false, 4, 2);
            var residual = assertThrows(IllegalArgumentException.class,
                    () -> Ops.layerNorm(x, wrongResidual, g4, g4, 1e-12f));
            assertTrue(residual.getMessage().contains("'residual'"), residual.getMessage());
            var eps = assertThrows(IllegalArgumentException.class, () -> Ops.layerNorm(x, null, g4, g4, -1f));
            assertTrue(eps.getMessage().contains("eps"), eps.getMessage());
        }
    }
}
