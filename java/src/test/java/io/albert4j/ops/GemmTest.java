package io.albert4j.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import io.albert4j.backend.Backends;
import io.albert4j.backend.cpu.CpuBackend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** a4j_gemm (cpu/gemm.cpp) against a double-precision reference, on 1 and 2 threads. */
class GemmTest {
    private final CpuBackend backend = (CpuBackend) Backends.cpu();
    private final SplittableRandom random = new SplittableRandom(11);
    private int savedThreads;

    @BeforeEach
    void saveThreads() {
        savedThreads = backend.numThreads();
    }

    @AfterEach
    void restoreThreads() {
        backend.setNumThreads(savedThreads);
    }

    /** One GEMM case: sizes, transposes, scalars, padding of each leading dim / batch stride, NaN-filled C. */
    private record Case(boolean transA, boolean transB, int m, int n, int k, float alpha, float beta, int padA,
                        int padB, int padC, int batch, int batchPad, boolean nanC) {
        static Case plain(boolean transA, boolean transB, int m, int n, int k) {
            return new Case(transA, transB, m, n, k, 1.0f, 0.0f, 0, 0, 0, 1, 0, false);
        }
    }

    private void check(Case c) {
        int aRows = c.transA ? c.k : c.m, aCols = c.transA ? c.m : c.k;
        int bRows = c.transB ? c.n : c.k, bCols = c.transB ? c.k : c.n;
        int lda = aCols + c.padA, ldb = bCols + c.padB, ldc = c.n + c.padC;
        int strideA = aRows * lda + c.batchPad, strideB = bRows * ldb + c.batchPad, strideC = c.m * ldc + c.batchPad;
        float[] a = randomFloats(strideA * c.batch);
        float[] b = randomFloats(strideB * c.batch);
        float[] cInit = c.nanC ? filled(strideC * c.batch, Float.NaN) : randomFloats(strideC * c.batch);
        try (Tensor ta = Tensor.ofFloats(a, a.length); Tensor tb = Tensor.ofFloats(b, b.length);
             Tensor tc = Tensor.ofFloats(cInit, cInit.length)) {
            backend.gemm(c.transA, c.transB, c.m, c.n, c.k, c.alpha, ta, lda, strideA, tb, ldb, strideB, c.beta, tc,
                    ldc, strideC, c.batch);
            float[] got = tc.toFloatArray();
            for (int bi = 0; bi < c.batch; bi++) {
                for (int i = 0; i < c.m; i++) {
                    for (int j = 0; j < c.n; j++) {
                        double sum = 0;
                        for (int p = 0; p < c.k; p++) {
                            double av = c.transA ? a[bi * strideA + p * lda + i] : a[bi * strideA + i * lda + p];
                            double bv = c.transB ? b[bi * strideB + j * ldb + p] : b[bi * strideB + p * ldb + j];
                            sum += av * bv;
                        }
                        int at = bi * strideC + i * ldc + j;
                        double expected = c.alpha * sum + (c.beta == 0 ? 0 : c.beta * (double) cInit[at]);
                        double allowed = 1e-5 * (c.k + 1) + 1e-5 * Math.abs(expected);
                        if (!(Math.abs(got[at] - expected) <= allowed)) {
                            fail(c + ": C[" + bi + "][" + i + "][" + j + "] = " + got[at] + ", expected " + expected);
                        }
                        got[at] = Float.NaN; // mark as checked; what remains must be untouched padding
                    }
                }
            }
            for (int at = 0; at < got.length; at++) {
                if (!Float.isNaN(got[at]) && Float.floatToRawIntBits(got[at]) != Float.floatToRawIntBits(cInit[at])) {
                    fail(c + ": padding element " + at + " of C was overwritten with " + got[at]);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} thread(s)")
    @ValueSource(ints = {1, 2})
    void allTransposesOnSquareSizesOffTheTile(int threads) {
        backend.setNumThreads(threads);
        for (int size : new int[] {1, 3, 17, 31, 65, 130, 257}) {
            for (int t = 0; t < 4; t++) {
                check(Case.plain((t & 1) != 0, (t & 2) != 0, size, size, size));
            }
        }
    }

    @ParameterizedTest(name = "{0} thread(s)")
    @ValueSource(ints = {1, 2})
    void nonSquareShapesWithLongAndShortDepth(int threads) {
        backend.setNumThreads(threads);
        int[][] shapes = {{1, 130, 65}, {257, 1, 31}, {37, 200, 3}, {13, 45, 900}, {300, 70, 129}, {2, 1000, 17}};
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                check(Case.plain((t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2]));
            }
        }
    }

    @ParameterizedTest(name = "{0} thread(s)")
    @ValueSource(ints = {1, 2})
    void alphaBetaAndLeadingDimsWiderThanTheRows(int threads) {
        backend.setNumThreads(threads);
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
            check(new Case(ta, tb, 65, 47, 130, 0.75f, -0.5f, 3, 5, 7, 1, 0, false));
            check(new Case(ta, tb, 130, 33, 17, -2.0f, 1.0f, 1, 0, 9, 1, 0, false));
            check(new Case(ta, tb, 5, 7, 3, 1.5f, 0.25f, 2, 2, 2, 1, 0, false));
        }
    }

    @ParameterizedTest(name = "{0} thread(s)")
    @ValueSource(ints = {1, 2})
    void betaZeroNeverReadsC(int threads) {
        backend.setNumThreads(threads);
        for (int size : new int[] {3, 31, 130}) {
            check(new Case(false, true, size, size + 1, size + 2, 1.0f, 0.0f, 1, 1, 3, 1, 0, true));
            check(new Case(true, false, size, size, 0, 1.0f, 0.0f, 0, 0, 2, 1, 0, true)); // k == 0: C = 0
        }
    }

    @ParameterizedTest(name = "{0} thread(s)")
    @ValueSource(ints = {1, 2})
    void batchedStrided(int threads) {
        backend.setNumThreads(threads);
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
            check(new Case(ta, tb, 17, 31, 65, 1.0f, 0.0f, 0, 0, 0, 3, 0, true));
            check(new Case(ta, tb, 64, 64, 64, 0.5f, 2.0f, 2, 1, 3, 4, 11, false));
            check(new Case(ta, tb, 130, 70, 40, 1.0f, 1.0f, 0, 0, 0, 2, 5, false));
        }
    }

    @Test
    void largeProblemCrossesEveryCacheBlock() {
        backend.setNumThreads(2);
        // K > KC (384), M > MC (192), N not a multiple of the 32-wide tile: exercises the blocked driver's edges.
        check(Case.plain(false, true, 203, 97, 801));
    }

    @Test
    void rejectsLeadingDimensionsNarrowerThanTheRowsBeforeTheDowncall() {
        try (Tensor a = Tensor.allocateHost(DType.F32, 12); Tensor b = Tensor.allocateHost(DType.F32, 12);
             Tensor c = Tensor.allocateHost(DType.F32, 12)) {
            var error = assertThrows(IllegalArgumentException.class,
                    () -> backend.gemm(false, false, 3, 4, 4, 1, a, 3, 0, b, 4, 0, 0, c, 4, 0, 1));
            assertEquals(true, error.getMessage().contains("lda"), error.getMessage());
            var tooSmall = assertThrows(IllegalArgumentException.class,
                    () -> backend.gemm(false, false, 4, 4, 4, 1, a, 4, 0, b, 4, 0, 0, c, 4, 0, 1));
            assertEquals(true, tooSmall.getMessage().contains("'a'"), tooSmall.getMessage());
        }
    }

    private float[] randomFloats(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return v;
    }

    private static float[] filled(int n, float value) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, value);
        return v;
    }
}
