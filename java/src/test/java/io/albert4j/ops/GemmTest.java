package io.albert4j.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.albert4j.backend.Activation;
import io.albert4j.backend.Backends;
import io.albert4j.backend.NativeKernelException;
import io.albert4j.backend.cpu.CpuBackend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * a4j_gemm (cpu/gemm.cpp) against a double-precision reference, on 1 and 2 threads; and its opt-in bf16 products
 * against a reference on bf16-rounded operands (or, where the CPU has no AVX512_BF16, their refusal).
 */
class GemmTest {
    private final CpuBackend backend = (CpuBackend) Backends.cpu();
    private final SplittableRandom random = new SplittableRandom(11);
    private int savedThreads;
    /** Whether the reference rounds op(A) and op(B) to bf16, as the bf16 path does above 24^3 multiply-adds. */
    private boolean bf16Operands;

    @BeforeEach
    void saveThreads() {
        savedThreads = backend.numThreads();
    }

    @AfterEach
    void restoreThreads() {
        backend.setNumThreads(savedThreads);
        if (backend.bf16Matmul()) {
            backend.setBf16Matmul(false);
        }
        bf16Operands = false;
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
            boolean rounded = bf16Operands && (long) c.m * c.n * c.k > 24 * 24 * 24;
            for (int bi = 0; bi < c.batch; bi++) {
                for (int i = 0; i < c.m; i++) {
                    for (int j = 0; j < c.n; j++) {
                        double sum = 0;
                        for (int p = 0; p < c.k; p++) {
                            double av = c.transA ? a[bi * strideA + p * lda + i] : a[bi * strideA + i * lda + p];
                            double bv = c.transB ? b[bi * strideB + j * ldb + p] : b[bi * strideB + p * ldb + j];
                            sum += rounded ? (double) bf16(av) * bf16(bv) : av * bv;
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
    void depthLongerThanAnFfnCutsBsPanelIntoColumnBlocks(int threads) {
        backend.setNumThreads(threads);
        // B is packed with all of its depth per block of columns, and at k = 3100 a 768-column block would pass the
        // 3072 x 768 panel budget: the columns are cut (736 or 752 a block, so 760 needs two), and 520 rows at two
        // threads run the team path, which packs that panel between them. Aᵀ·B and A·Bᵀ, as training runs them.
        // Every 13th row (and the last) is checked against a plain sum: both threads' rows, every column block.
        int m = 520, n = 760, k = 3100;
        for (boolean transA : new boolean[] {true, false}) {
            boolean transB = !transA;
            float[] a = randomFloats(m * k), b = randomFloats(k * n);
            int lda = transA ? m : k, ldb = transB ? k : n;
            try (Tensor ta = Tensor.ofFloats(a, a.length); Tensor tb = Tensor.ofFloats(b, b.length);
                 Tensor tc = Tensor.ofFloats(new float[m * n], m * n)) {
                backend.gemm(transA, transB, m, n, k, 1.0f, ta, lda, 0, tb, ldb, 0, 0.0f, tc, n, 0, 1);
                float[] got = tc.toFloatArray();
                double[] row = new double[n];
                for (int i = 0; i < m; i = i == m - 1 ? m : Math.min(i + 13, m - 1)) {
                    Arrays.fill(row, 0);
                    for (int p = 0; p < k; p++) {
                        double av = transA ? a[p * lda + i] : a[i * lda + p];
                        for (int j = 0; j < n; j++) {
                            row[j] += av * (transB ? b[j * ldb + p] : b[p * ldb + j]);
                        }
                    }
                    for (int j = 0; j < n; j++) {
                        double allowed = 1e-5 * (k + 1) + 1e-5 * Math.abs(row[j]);
                        if (!(Math.abs(got[i * n + j] - row[j]) <= allowed)) {
                            fail("transA=" + transA + ": C[" + i + "][" + j + "] = " + got[i * n + j] + ", expected "
                                    + row[j]);
                        }
                    }
                }
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
        // K > KC (768), M > MC (96) and the one-block limit (144), N > NC (768), none a multiple of its tile: the
        // blocked driver's edges; then M >= 512 rows, where two threads share one packed B panel (gemm_team).
        check(Case.plain(false, true, 203, 801, 801));
        check(Case.plain(false, false, 520, 800, 770));
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

    @ParameterizedTest(name = "{0} thread(s)")
    @ValueSource(ints = {1, 2})
    void bf16ProductsMatchAReferenceOnBf16RoundedOperands(int threads) {
        assumeTrue(bf16Available(), "no AVX512_BF16 kernels here; bf16IsRefusedWithoutAvx512Bf16 covers this CPU");
        backend.setNumThreads(threads);
        backend.setBf16Matmul(true);
        bf16Operands = true;
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
            for (int size : new int[] {17, 31, 65, 130}) {
                check(Case.plain(ta, tb, size, size, size));
            }
            // odd depths (a zero-padded last pair), edges of the 12 x 32 tile, alpha/beta, padded leading dims
            check(Case.plain(ta, tb, 37, 200, 3));
            check(Case.plain(ta, tb, 300, 70, 129));
            check(new Case(ta, tb, 65, 47, 131, 0.75f, -0.5f, 3, 5, 7, 1, 0, false));
            check(new Case(ta, tb, 130, 70, 41, 1.0f, 1.0f, 0, 0, 0, 2, 5, false));
        }
        // K > KC with an odd remainder, M > MC, N off the tile
        check(Case.plain(false, true, 203, 97, 801));
    }

    @Test
    void bf16ProductsAreReallyRounded() {
        assumeTrue(bf16Available(), "no AVX512_BF16 kernels here");
        float[] a = randomFloats(64 * 64), b = randomFloats(64 * 64);
        float[] fp32 = product(a, b, 64);
        backend.setBf16Matmul(true);
        assertTrue(backend.bf16Matmul() && backend.description().contains("bf16"), backend.description());
        float[] bf16 = product(a, b, 64);
        double largest = 0;
        for (int i = 0; i < fp32.length; i++) {
            largest = Math.max(largest, Math.abs(fp32[i] - bf16[i]));
        }
        // bf16 keeps 8 significant bits: sums of 64 products in [-1, 1] move by ~1e-2, fp32 rounding by ~1e-6.
        assertTrue(largest > 1e-4 && largest < 0.1, "bf16 vs fp32 max |diff| " + largest);
    }

    @Test
    void bf16IsRefusedWithoutAvx512Bf16() {
        assumeFalse(bf16Available(), "this CPU runs bf16 products; the tests above cover them");
        var error = assertThrows(NativeKernelException.class, () -> backend.setBf16Matmul(true));
        assertTrue(error.getMessage().contains("AVX512_BF16"), error.getMessage());
        assertFalse(backend.bf16Matmul());
    }

    @ParameterizedTest(name = "{0} thread(s)")
    @ValueSource(ints = {1, 2})
    void bPackedOnceGivesEveryGemmTheSameProduct(int threads) {
        backend.setNumThreads(threads);
        // k past one depth block (768) with a remainder, n off the 32-wide tile (800: split between two threads at
        // a column offset), m off the 12-row tile, both layouts; on AVX-512 both fp32 tiles (n = 40, 70, 200 and 768
        // take the 48-wide one, 97 and 800 the 32-wide one), 128 x 768 x 768 as one sequence's projections run it;
        // two threads cut C into bands of rows (130 and 150: a ragged last band), or into columns where there are
        // too few rows for a tile each (8 x 768 x 768, a pooler's batch of 8)
        int[][] shapes = {{5, 40, 30}, {37, 200, 3}, {130, 97, 801}, {300, 70, 129}, {150, 800, 801}, {128, 768, 768},
            {8, 768, 768}};
        for (boolean bf16 : bf16Available() ? new boolean[] {false, true} : new boolean[] {false}) {
            backend.setBf16Matmul(bf16);  // the packed layout of each kernel path
            for (int[] shape : shapes) {
                int m = shape[0], n = shape[1], k = shape[2];
                if (bf16 && m * n * k <= 24 * 24 * 24) {
                    continue;  // a plain GEMM this small stays fp32; the packed one always runs the kernel path
                }
                for (boolean transB : new boolean[] {false, true}) {
                    float[] a = randomFloats(m * k), b = randomFloats(k * n), cInit = randomFloats(m * n);
                    int ldb = transB ? k : n;
                    try (Tensor ta = Tensor.ofFloats(a, m, k); Tensor tb = Tensor.ofFloats(b, b.length);
                         Tensor packed = Tensor.allocateHost(DType.F32, (int) ((backend.packedGemmBBytes(k, n) + 3) / 4));
                         Tensor viaPacked = Tensor.ofFloats(cInit, m, n); Tensor plain = Tensor.ofFloats(cInit, m, n)) {
                        backend.packGemmB(transB, k, n, tb, ldb, packed);
                        for (int use = 0; use < 2; use++) {  // the packed copy is read, never consumed
                            backend.gemmPackedB(false, m, n, k, 0.5f, ta, k, packed, 1.0f, viaPacked, n);
                            backend.gemm(false, transB, m, n, k, 0.5f, ta, k, 0, tb, ldb, 0, 1.0f, plain, n, 0, 1);
                        }
                        float[] got = viaPacked.toFloatArray(), expected = plain.toFloatArray();
                        for (int i = 0; i < got.length; i++) {
                            double allowed = 1e-5 * (k + 1) + 1e-5 * Math.abs(expected[i]);
                            if (!(Math.abs(got[i] - expected[i]) <= allowed)) {
                                fail(m + "x" + n + "x" + k + " transB=" + transB + " bf16=" + bf16 + ": C[" + i + "] = "
                                        + got[i] + " with B packed once, " + expected[i] + " with a plain GEMM");
                            }
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} thread(s)")
    @ValueSource(ints = {1, 2})
    void biasAndActivationInTheEpilogueEqualTheSeparateKernels(int threads) {
        backend.setNumThreads(threads);
        // the small-problem loop, k past one depth block (the epilogue must follow the last), the 2-thread team
        // (m >= 96), n off the tile; B plain (transposed as LinearOp reads it) and packed once
        int[][] shapes = {{3, 5, 7}, {37, 70, 401}, {130, 97, 64}, {200, 64, 800}};
        for (int[] shape : shapes) {
            int m = shape[0], n = shape[1], k = shape[2];
            float[] a = randomFloats(m * k), w = randomFloats(n * k), bias = randomFloats(n);
            for (Activation activation : Activation.values()) {
                for (boolean packedB : new boolean[] {false, true}) {
                    for (boolean withBias : new boolean[] {false, true}) {
                        for (boolean separateOut : new boolean[] {false, true}) {
                            String what = m + "x" + n + "x" + k + " " + activation + " packed=" + packedB + " bias="
                                    + withBias + " separateOut=" + separateOut;
                            checkEpilogue(what, m, n, k, a, w, withBias ? bias : null, activation, packedB, separateOut);
                        }
                    }
                }
            }
        }
    }

    private void checkEpilogue(String what, int m, int n, int k, float[] a, float[] w, float[] bias,
                               Activation activation, boolean packedB, boolean separateOut) {
        try (Tensor ta = Tensor.ofFloats(a, m, k); Tensor tw = Tensor.ofFloats(w, n, k);
             Tensor tbias = bias == null ? null : Tensor.ofFloats(bias, n);
             Tensor packed = Tensor.allocateHost(DType.F32, (int) ((backend.packedGemmBBytes(k, n) + 3) / 4));
             Tensor fused = Tensor.ofFloats(filled(m * n, Float.NaN), m, n);
             Tensor fusedOut = Tensor.ofFloats(filled(m * n, Float.NaN), m, n);
             Tensor pre = Tensor.allocateHost(DType.F32, m * n); Tensor expected = Tensor.allocateHost(DType.F32, m * n)) {
            backend.packGemmB(true, k, n, tw, k, packed);
            backend.gemmBiasActivation(false, true, m, n, k, 1.0f, ta, k, packedB ? null : tw, k,
                    packedB ? packed : null, 0.0f, fused, n, tbias, activation, separateOut ? fusedOut : null);
            // the same product, then the bias-add and bias-activation kernels as separate passes
            if (packedB) {
                backend.gemmPackedB(false, m, n, k, 1.0f, ta, k, packed, 0.0f, pre, n);
            } else {
                backend.gemm(false, true, m, n, k, 1.0f, ta, k, 0, tw, k, 0, 0.0f, pre, n, 0, 1);
            }
            if (tbias != null) {
                backend.biasAddForward(pre, tbias, pre, m, n);
            }
            backend.biasGeluForward(pre, null, expected, m, n, activation);
            assertClose(what + " (activation)", expected.toFloatArray(),
                    (separateOut ? fusedOut : fused).toFloatArray());
            if (separateOut) {
                assertClose(what + " (pre-activation kept in C)", pre.toFloatArray(), fused.toFloatArray());
            }
        }
    }

    private static void assertClose(String what, float[] expected, float[] got) {
        for (int i = 0; i < got.length; i++) {
            // the same arithmetic in two compiled copies: at most a rounding apart (FMA contraction may differ)
            if (!(Math.abs(got[i] - expected[i]) <= 1e-6 * (Math.abs(expected[i]) + 1))) {
                fail(what + ": [" + i + "] = " + got[i] + " fused, " + expected[i] + " in separate passes");
            }
        }
    }

    @Test
    void epilogueRefusesAnActivationOutputSmallerThanC() {
        try (Tensor a = Tensor.ofFloats(randomFloats(8 * 16), 8, 16); Tensor w = Tensor.ofFloats(randomFloats(4 * 16), 4, 16);
             Tensor c = Tensor.allocateHost(DType.F32, 8 * 4); Tensor small = Tensor.allocateHost(DType.F32, 8 * 4 - 1)) {
            var narrow = assertThrows(IllegalArgumentException.class, () -> backend.gemmBiasActivation(false, true, 8,
                    4, 16, 1, a, 16, w, 16, null, 0, c, 4, null, Activation.GELU_TANH, small));
            assertTrue(narrow.getMessage().contains("activationOut"), narrow.getMessage());
        }
    }

    @Test
    void aPackedBIsRefusedForAnotherShapeOrKernelPath() {
        int k = 64, n = 48;
        try (Tensor b = Tensor.ofFloats(randomFloats(k * n), k, n); Tensor a = Tensor.ofFloats(randomFloats(8 * k), 8, k);
             Tensor c = Tensor.allocateHost(DType.F32, 8 * n);
             Tensor packed = Tensor.allocateHost(DType.F32, (int) ((backend.packedGemmBBytes(k, n) + 3) / 4))) {
            backend.packGemmB(false, k, n, b, n, packed);
            var wrongShape = assertThrows(NativeKernelException.class,
                    () -> backend.gemmPackedB(false, 8, n - 16, k, 1, a, k, packed, 0, c, n));
            assertTrue(wrongShape.getMessage().contains("packed as 64 x 48"), wrongShape.getMessage());
            try (Tensor garbage = Tensor.ofFloats(randomFloats((int) packed.numel()), (int) packed.numel())) {
                var notPacked = assertThrows(NativeKernelException.class,
                        () -> backend.gemmPackedB(false, 8, n, k, 1, a, k, garbage, 0, c, n));
                assertTrue(notPacked.getMessage().contains("not a B packed"), notPacked.getMessage());
            }
            if (bf16Available()) {
                backend.setBf16Matmul(true);
                var otherPath = assertThrows(NativeKernelException.class,
                        () -> backend.gemmPackedB(false, 8, n, k, 1, a, k, packed, 0, c, n));
                assertTrue(otherPath.getMessage().contains("another kernel path"), otherPath.getMessage());
            }
        }
    }

    private float[] product(float[] a, float[] b, int size) {
        try (Tensor ta = Tensor.ofFloats(a, a.length); Tensor tb = Tensor.ofFloats(b, b.length);
             Tensor tc = Tensor.allocateHost(DType.F32, size * size)) {
            backend.gemm(false, false, size, size, size, 1, ta, size, 0, tb, size, 0, 0, tc, size, 0, 1);
            return tc.toFloatArray();
        }
    }

    /** The AVX-512 kernels are in use (not forced to AVX2) and /proc/cpuinfo lists avx512_bf16. */
    private boolean bf16Available() {
        try {
            return backend.instructionSet().equals("AVX-512")
                    && Files.readString(Path.of("/proc/cpuinfo")).contains(" avx512_bf16");
        } catch (IOException e) {
            return false;
        }
    }

    /** Round to nearest even, as vcvtneps2bf16 does (the operands here are finite). */
    private static float bf16(double value) {
        int bits = Float.floatToRawIntBits((float) value);
        bits += 0x7fff + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xffff0000);
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
