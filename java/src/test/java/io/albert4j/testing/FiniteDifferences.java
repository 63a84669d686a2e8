package io.albert4j.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.Function;

/**
 * Gradient checks against a plain double-precision reference: the reference forward is differentiated by central
 * differences (in double, so the check measures the kernel's backward, not float rounding), and the kernel's
 * analytic gradient must agree.
 */
public final class FiniteDifferences {
    private FiniteDifferences() {
    }

    /** ∂/∂x_i of Σ_j seed_j · f(x)_j, by central differences with step {@code eps}. */
    public static double[] gradient(Function<double[], double[]> f, double[] x, double[] seed, double eps) {
        double[] grad = new double[x.length];
        double[] probe = x.clone();
        for (int i = 0; i < x.length; i++) {
            probe[i] = x[i] + eps;
            double plus = dot(f.apply(probe), seed);
            probe[i] = x[i] - eps;
            double minus = dot(f.apply(probe), seed);
            probe[i] = x[i];
            grad[i] = (plus - minus) / (2 * eps);
        }
        return grad;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** |actual - expected| <= atol + rtol·|expected| element-wise, else fails naming the first bad index. */
    public static void assertClose(String what, float[] actual, double[] expected, double rtol, double atol) {
        if (actual.length != expected.length) {
            fail(what + ": length " + actual.length + " != " + expected.length);
        }
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            double err = Math.abs(actual[i] - expected[i]);
            double allowed = atol + rtol * Math.abs(expected[i]);
            if (!(err <= allowed)) {
                fail(what + "[" + i + "]: got " + actual[i] + ", expected " + expected[i] + " (|err| " + err
                        + " > " + allowed + ")");
            }
            worst = Math.max(worst, err);
        }
    }

    public static double[] toDouble(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
