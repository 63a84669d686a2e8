package io.albert4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.tensor.Tensor;
import io.albert4j.testing.OpTestSupport;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DropoutTest {
    private final OpTestSupport support = new OpTestSupport(61);

    @AfterEach
    void close() {
        support.close();
    }

    /** a4j_uniform of a4j_math.h, in Java, to check the kernel draws exactly the documented bits. */
    static float uniform(long seed, long counter) {
        long r = mix64(seed * 0x9e3779b97f4a7c15L + mix64(counter + 0x632be59bd9b4e019L));
        return (float) (r >>> 40) * (1.0f / 16777216.0f);
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    @Test
    void keepsExactlyTheElementsTheCounterRngKeepsAndScalesThem() {
        int n = 100_003;
        float p = 0.1f;
        long seed = 1234;
        float[] x = support.randomFloats(n, 2);
        try (Step step = support.step()) {
            Tensor out = Ops.dropout(support.tensor(x, false, n), p, seed);
            float[] got = out.toFloatArray();
            float scale = 1.0f / (1.0f - p);
            int kept = 0;
            for (int i = 0; i < n; i++) {
                boolean keep = uniform(seed, i) >= p; // first dropout of the step: offset 0
                assertEquals(keep ? x[i] * scale : 0f, got[i], "element " + i);
                kept += keep ? 1 : 0;
            }
            double keptFraction = kept / (double) n;
            // Binomial sd is 0.00095: five of them.
            assertEquals(0.9, keptFraction, 0.005, "kept fraction");
        }
    }

    @Test
    void sameSeedSameMaskAndTwoDropoutsOfAStepDiffer() {
        int n = 4099;
        float[] ones = new float[n];
        Arrays.fill(ones, 1f);
        float[] first;
        float[] second;
        try (Step step = support.step()) {
            Tensor x = support.tensor(ones, false, n);
            first = Ops.dropout(x, 0.5f, 99).toFloatArray();
            second = Ops.dropout(x, 0.5f, 99).toFloatArray();
        }
        assertFalse(Arrays.equals(first, second), "two dropouts in one step must use different random bits");
        try (Step step = support.step()) {
            Tensor x = support.tensor(ones, false, n);
            assertArrayEquals(first, Ops.dropout(x, 0.5f, 99).toFloatArray(), "a new step with the same seed repeats");
            assertFalse(Arrays.equals(first, Ops.dropout(x, 0.5f, 100).toFloatArray()), "another seed differs");
        }
    }

    @Test
    void backwardAppliesTheForwardMask() {
        int n = 40_000; // above the parallel threshold
        float p = 0.3f;
        float[] x = support.randomFloats(n, 1);
        float[] seed = support.randomFloats(n, 1);
        try (Step step = support.step()) {
            Tensor xt = support.tensor(x, true, 200, 200);
            Tensor out = Ops.dropout(xt, p, 7);
            float[] forward = out.toFloatArray();
            step.tape().backward(out, support.tensor(seed, false, 200, 200));
            float[] grad = step.tape().gradOf(xt).toFloatArray();
            for (int i = 0; i < n; i++) {
                boolean kept = forward[i] != 0f;
                assertEquals(kept ? seed[i] / (1 - p) : 0f, grad[i], 1e-6f, "element " + i);
            }
        }
    }

    @Test
    void zeroProbabilityIsTheIdentityAndBadProbabilitiesAreRejected() {
        try (Step step = support.step()) {
            Tensor x = support.tensor(support.randomFloats(5, 1), false, 5);
            assertSame(x, Ops.dropout(x, 0f, 1));
            for (float p : new float[] {1f, -0.1f, Float.NaN}) {
                var error = assertThrows(IllegalArgumentException.class, () -> Ops.dropout(x, p, 1));
                assertTrue(error.getMessage().contains("dropout") && error.getMessage().contains("'p'"),
                        error.getMessage());
            }
        }
    }
}
