package io.albert4j.backend.cpu;

import static io.albert4j.backend.cpu.internal.CpuLibrary.check;
import static io.albert4j.backend.cpu.internal.CpuLibrary.downcall;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.albert4j.backend.Activation;
import io.albert4j.backend.Backends;
import io.albert4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The vectorisable exp / tanh / erf / erfc of cmake/include/a4j_math.h (shared with the CUDA kernels), through the
 * a4j_math_eval test hook, against double references: a few ulp over [-12, 12] densely, magnitudes 1e-30..1e4,
 * and the special values.
 */
class A4jMathTest {
    private static final MethodHandle EVAL = downcall("a4j_math_eval",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    private static final int EXP = 0, TANH = 1, ERF = 2, ERFC = 3;

    static float[] eval(int function, float[] x) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocateFrom(JAVA_FLOAT, x);
            MemorySegment out = arena.allocate(JAVA_FLOAT, x.length);
            check("a4j_math_eval", (int) EVAL.invokeExact(function, in, out, (long) x.length));
            return out.toArray(JAVA_FLOAT);
        } catch (Throwable t) {
            throw t instanceof RuntimeException r ? r : new RuntimeException(t);
        }
    }

    /** Dense grid over [-12, 12] (odd count: not a multiple of any SIMD width) plus random log-spaced magnitudes. */
    static float[] samples() {
        SplittableRandom random = new SplittableRandom(3);
        int grid = 240_001, logs = 60_001;
        float[] x = new float[grid + logs];
        for (int i = 0; i < grid; i++) x[i] = (float) (-12 + 24.0 * i / (grid - 1));
        for (int i = 0; i < logs; i++) {
            double magnitude = Math.pow(10, random.nextDouble(-30, 4));
            x[grid + i] = (float) (random.nextBoolean() ? magnitude : -magnitude);
        }
        return x;
    }

    /** erf by its Maclaurin series (|x| <= 2.5) and 1 - erfc beyond. */
    static double erf(double x) {
        if (Math.abs(x) > 2.5) return Math.signum(x) * (1 - erfc(Math.abs(x)));
        double term = x, sum = x;
        for (int n = 1; n < 200 && Math.abs(term) > 1e-18 * Math.abs(sum); n++) {
            term *= -x * x / n;
            sum += term / (2 * n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    /** erfc by 1 - erf below 2.5 and by its continued fraction (Laplace) above. */
    static double erfc(double x) {
        if (Double.isNaN(x)) return Double.NaN;
        if (x < 2.5) return 1 - erf(x);
        double f = x;
        for (int k = 400; k >= 1; k--) f = x + (k / 2.0) / f;
        return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
    }

    /** Every finite result whose reference is a normal float is within maxUlps ulp and 1e-6 relative. */
    private static void assertAccurate(String name, int function, DoubleUnaryOperator reference, double maxUlps,
                                       double maxArgument) {
        float[] x = samples();
        float[] got = eval(function, x);
        double worst = 0;
        int checked = 0;
        for (int i = 0; i < x.length; i++) {
            if (Math.abs(x[i]) > maxArgument) continue;
            double want = reference.applyAsDouble(x[i]);
            if (Math.abs(want) < 1e-37 || Math.abs(want) > Float.MAX_VALUE) continue;
            double ulp = Math.ulp((float) want);
            double error = Math.abs(got[i] - want);
            worst = Math.max(worst, error / ulp);
            checked++;
            if (!(error <= maxUlps * ulp && error <= 1e-6 * Math.abs(want))) {
                fail(name + "(" + x[i] + ") = " + got[i] + ", expected " + want + " (" + error / ulp + " ulp)");
            }
        }
        assertTrue(checked > 200_000, name + ": only " + checked + " points checked");
        System.out.printf("%s: max error %.2f ulp over %d points%n", name, worst, checked);
    }

    @Test
    void expIsWithinTwoUlp() {
        assertAccurate("a4j_exp", EXP, Math::exp, 2, 86);
    }

    @Test
    void tanhIsWithinTwoUlp() {
        assertAccurate("a4j_tanh", TANH, Math::tanh, 2, Double.MAX_VALUE);
    }

    @Test
    void erfIsWithinThreeUlp() {
        assertAccurate("a4j_erf", ERF, A4jMathTest::erf, 3, Double.MAX_VALUE);
    }

    /** erfc keeps relative accuracy in its tail (down to ~1e-37), where 1 - erf would be all rounding error. */
    @Test
    void erfcIsWithinEightUlp() {
        assertAccurate("a4j_erfc", ERFC, A4jMathTest::erfc, 8, Double.MAX_VALUE);
    }

    @Test
    void specialValues() {
        float inf = Float.POSITIVE_INFINITY;
        float[] x = {Float.NaN, inf, -inf, 0.0f, -0.0f, Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 100, -100};
        assertArrays("exp", new float[] {Float.NaN, inf, 0, 1, 1, 1, inf, 0, inf, 0}, eval(EXP, x));
        assertArrays("tanh", new float[] {Float.NaN, 1, -1, 0.0f, -0.0f, Float.MIN_VALUE, 1, -1, 1, -1}, eval(TANH, x));
        assertArrays("erf", new float[] {Float.NaN, 1, -1, 0.0f, -0.0f, Float.MIN_VALUE, 1, -1, 1, -1}, eval(ERF, x));
        assertArrays("erfc", new float[] {Float.NaN, 0, 2, 1, 1, 1, 0, 2, 0, 2}, eval(ERFC, x));
    }

    private static void assertArrays(String name, float[] expected, float[] got) {
        for (int i = 0; i < expected.length; i++) {
            // bit equality, so -0.0 vs 0.0 and NaN are checked too (all NaNs compare as one NaN here)
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(got[i]),
                    name + " element " + i + ": expected " + expected[i] + ", got " + got[i] + " in "
                            + Arrays.toString(got));
        }
    }

    /** GELU (both forms) through the fused kernel over a wide range: tails, infinities and NaN included. */
    @Test
    void geluOverAWideRange() {
        float[] x = new float[20_003];
        for (int i = 0; i < x.length - 3; i++) x[i] = (float) (-20 + 40.0 * i / (x.length - 4));
        x[x.length - 3] = Float.POSITIVE_INFINITY;
        x[x.length - 2] = Float.NEGATIVE_INFINITY;
        x[x.length - 1] = Float.NaN;
        var backend = Backends.cpu();
        for (Activation activation : new Activation[] {Activation.GELU_ERF, Activation.GELU_TANH}) {
            float[] got;
            try (Tensor in = Tensor.ofFloats(x, x.length); Tensor out = Tensor.ofFloats(new float[x.length], x.length)) {
                backend.biasGeluForward(in, null, out, 1, x.length, activation);
                got = out.toFloatArray();
            }
            for (int i = 0; i < x.length - 3; i++) {
                double v = x[i];
                double u = Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v);
                double want = activation == Activation.GELU_ERF
                        ? 0.5 * v * erfc(-v / Math.sqrt(2))
                        : v / (1 + Math.exp(-2 * u));
                // The float rounding of the exponent's argument (x^2 / 2, or 2u), of size |e|, alone gives a relative
                // error of ~|e| * 6e-8: the bound grows with it. Results below 1e-35 (near the flush to 0) are checked absolutely.
                double exponent = activation == Activation.GELU_ERF ? v * v / 2 : Math.abs(2 * u);
                double allowed = Math.abs(want) > 1e-35 ? 1.2e-7 * (8 + 4 * exponent) * Math.abs(want) : 1e-36;
                if (!(Math.abs(got[i] - want) <= allowed)) {
                    fail(activation + "(" + v + ") = " + got[i] + ", expected " + want);
                }
            }
            assertEquals(Float.POSITIVE_INFINITY, got[x.length - 3], activation + "(+inf)");
            assertEquals(0.0f, Math.abs(got[x.length - 2]), activation + "(-inf)");
            assertTrue(Float.isNaN(got[x.length - 1]), activation + "(NaN)");
        }
    }
}
