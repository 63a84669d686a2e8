package io.albert4j.backend;

import static io.albert4j.testing.FiniteDifferences.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.albert4j.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * a4j_adamw_update and a4j_lamb_update (and their multi-tensor forms, one call for a whole step) against the update rule of albert-spec.md §4 computed by hand in double:
 * g = grad·scale; m = β1m + (1-β1)g; v = β2v + (1-β2)g²; u = m/(√v+ε) + wd·w (no bias correction);
 * LAMB ratio = ‖w‖/‖u‖ (1 when either is 0 or adaptation is off); w -= ratio·lr·u.
 */
class OptimizerKernelTest {
    private static final float LR = 0.01f;
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPS = 1e-6f;

    private final Backend backend = Backends.cpu();
    private final SplittableRandom random = new SplittableRandom(91);
    private final java.util.List<Tensor> owned = new java.util.ArrayList<>();

    @AfterEach
    void close() {
        owned.forEach(Tensor::close);
    }

    /** Double-precision optimizer state for one tensor. */
    private static final class Reference {
        final double[] w;
        final double[] m;
        final double[] v;

        Reference(float[] w) {
            this.w = new double[w.length];
            for (int i = 0; i < w.length; i++) {
                this.w[i] = w[i];
            }
            m = new double[w.length];
            v = new double[w.length];
        }

        /** @return the trust ratio used */
        double step(float[] grad, double gradScale, double wd, boolean lamb, boolean adapt) {
            double[] u = new double[w.length];
            double w2 = 0;
            double u2 = 0;
            for (int i = 0; i < w.length; i++) {
                double g = grad[i] * gradScale;
                m[i] = BETA1 * m[i] + (1 - BETA1) * g;
                v[i] = BETA2 * v[i] + (1 - BETA2) * g * g;
                u[i] = m[i] / (Math.sqrt(v[i]) + EPS) + wd * w[i];
                w2 += w[i] * w[i];
                u2 += u[i] * u[i];
            }
            double ratio = lamb && adapt && w2 > 0 && u2 > 0 ? Math.sqrt(w2) / Math.sqrt(u2) : 1;
            for (int i = 0; i < w.length; i++) {
                w[i] -= ratio * LR * u[i];
            }
            return ratio;
        }
    }

    private float[] random(int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return x;
    }

    private Tensor tensor(float[] values) {
        Tensor t = Tensor.ofFloats(values, values.length);
        owned.add(t);
        return t;
    }

    private void check(int n, boolean lamb, boolean adapt, float wd, float gradScale, boolean zeroWeights) {
        float[] w0 = zeroWeights ? new float[n] : random(n, 0.5);
        Reference reference = new Reference(w0);
        Tensor w = tensor(w0);
        Tensor m = tensor(new float[n]);
        Tensor v = tensor(new float[n]);
        for (int step = 0; step < 3; step++) {
            float[] grad = random(n, 1);
            Tensor g = tensor(grad);
            double expectedRatio = reference.step(grad, gradScale, wd, lamb, adapt);
            String what = (lamb ? "lamb" : "adamw") + " n=" + n + " step " + step;
            if (lamb) {
                float ratio = backend.lambUpdate(w, g, m, v, LR, BETA1, BETA2, EPS, wd, adapt, gradScale);
                assertEquals(expectedRatio, ratio, 1e-5 * expectedRatio, what + " trust ratio");
                if (zeroWeights && step == 0) {
                    assertEquals(1.0f, ratio, what + ": ||w|| = 0 gives ratio 1");
                }
                if (!adapt) {
                    assertEquals(1.0f, ratio, what + ": excluded from adaptation gives ratio 1");
                }
            } else {
                backend.adamwUpdate(w, g, m, v, LR, BETA1, BETA2, EPS, wd, gradScale);
            }
            assertClose(what + " m", m.toFloatArray(), reference.m, 1e-5, 1e-7);
            assertClose(what + " v", v.toFloatArray(), reference.v, 1e-5, 1e-9);
            assertClose(what + " w", w.toFloatArray(), reference.w, 1e-5, 1e-6);
        }
    }

    @Test
    void adamwFollowsTheSpecForThreeSteps() {
        check(37, false, false, 0.01f, 1f, false);
        check(100_003, false, false, 0f, 0.5f, false); // parallel path, excluded from weight decay, clipped grads
    }

    @Test
    void lambAppliesTheWholeTensorTrustRatio() {
        check(37, true, true, 0.01f, 1f, false);
        check(100_003, true, true, 0.01f, 0.25f, false);
    }

    @Test
    void lambZeroWeightTensorUsesRatioOne() {
        // w = 0 on the first step (e.g. a zero-initialised bias): ratio 1, later steps adapt.
        check(50, true, true, 0f, 1f, true);
    }

    @Test
    void lambExcludedFromLayerAdaptationIsAdamw() {
        check(33, true, false, 0f, 1f, false);
        // and it matches the AdamW kernel bit for bit
        float[] w0 = random(70_000, 0.5);
        float[] grad = random(70_000, 1);
        Tensor wa = tensor(w0);
        Tensor wl = tensor(w0);
        Tensor ma = tensor(new float[w0.length]);
        Tensor ml = tensor(new float[w0.length]);
        Tensor va = tensor(new float[w0.length]);
        Tensor vl = tensor(new float[w0.length]);
        Tensor g = tensor(grad);
        backend.adamwUpdate(wa, g, ma, va, LR, BETA1, BETA2, EPS, 0.01f, 0.5f);
        backend.lambUpdate(wl, g, ml, vl, LR, BETA1, BETA2, EPS, 0.01f, false, 0.5f);
        org.junit.jupiter.api.Assertions.assertArrayEquals(wa.toFloatArray(), wl.toFloatArray());
    }

    /**
     * One multi-tensor call for a step of tensors of mixed sizes: empty, small, two large enough to be cut between
     * threads (one of them excluded from adaptation), zero weights.
     */
    private void checkMulti(boolean lamb) {
        int[] sizes = {0, 37, 100_003, 50, 70_000, 129};
        float[] decay = {0.01f, 0.01f, 0f, 0f, 0.01f, 0.01f};
        boolean[] adapt = {true, true, true, true, false, true};
        java.util.List<Tensor> w = new java.util.ArrayList<>();
        java.util.List<Tensor> m = new java.util.ArrayList<>();
        java.util.List<Tensor> v = new java.util.ArrayList<>();
        java.util.List<Reference> references = new java.util.ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            float[] w0 = i == 3 ? new float[sizes[i]] : random(sizes[i], 0.5);
            references.add(new Reference(w0));
            w.add(tensor(w0));
            m.add(tensor(new float[sizes[i]]));
            v.add(tensor(new float[sizes[i]]));
        }
        float gradScale = 0.5f;
        for (int step = 0; step < 3; step++) {
            java.util.List<Tensor> g = new java.util.ArrayList<>();
            double[] expectedRatios = new double[sizes.length];
            for (int i = 0; i < sizes.length; i++) {
                float[] grad = random(sizes[i], 1);
                g.add(tensor(grad));
                expectedRatios[i] = references.get(i).step(grad, gradScale, decay[i], lamb, adapt[i]);
            }
            if (lamb) {
                float[] ratios = backend.lambUpdateMulti(w, g, m, v, LR, BETA1, BETA2, EPS, decay, adapt, gradScale);
                assertEquals(sizes.length, ratios.length, "one ratio per tensor");
                for (int i = 0; i < sizes.length; i++) {
                    assertEquals(expectedRatios[i], ratios[i], 1e-5 * expectedRatios[i],
                            "step " + step + " tensor " + i + " (" + sizes[i] + ") trust ratio");
                }
                assertEquals(1.0f, ratios[4], "excluded from adaptation: ratio 1");
                if (step == 0) {
                    assertEquals(1.0f, ratios[3], "||w|| = 0: ratio 1");
                }
            } else {
                backend.adamwUpdateMulti(w, g, m, v, LR, BETA1, BETA2, EPS, decay, gradScale);
            }
            for (int i = 0; i < sizes.length; i++) {
                String what = (lamb ? "lamb" : "adamw") + "_multi step " + step + " tensor " + i + " (" + sizes[i] + ")";
                Reference r = references.get(i);
                assertClose(what + " m", m.get(i).toFloatArray(), r.m, 1e-5, 1e-7);
                assertClose(what + " v", v.get(i).toFloatArray(), r.v, 1e-5, 1e-9);
                assertClose(what + " w", w.get(i).toFloatArray(), r.w, 1e-5, 1e-6);
            }
        }
    }

    @Test
    void lambMultiGivesEachTensorItsOwnUpdate() {
        checkMulti(true);
    }

    @Test
    void adamwMultiGivesEachTensorItsOwnUpdate() {
        checkMulti(false);
    }

    @Test
    void lambMultiGivesTheSingleTensorKernelsBits() {
        // A small tensor is finished by one thread, a large one cut between the threads as the single kernel cuts
        // it: the same partial sums, so the same trust ratios and weights, bit for bit.
        int[] sizes = {1000, 100_003, 70_000};
        java.util.List<Tensor> single = new java.util.ArrayList<>();
        java.util.List<Tensor> multi = new java.util.ArrayList<>();
        java.util.List<Tensor> grads = new java.util.ArrayList<>();
        java.util.List<Tensor> m = new java.util.ArrayList<>();
        java.util.List<Tensor> v = new java.util.ArrayList<>();
        float[] expectedRatios = new float[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            float[] w0 = random(sizes[i], 0.5);
            single.add(tensor(w0));
            multi.add(tensor(w0));
            grads.add(tensor(random(sizes[i], 1)));
            m.add(tensor(new float[sizes[i]]));
            v.add(tensor(new float[sizes[i]]));
            expectedRatios[i] = backend.lambUpdate(single.get(i), grads.get(i), tensor(new float[sizes[i]]),
                    tensor(new float[sizes[i]]), LR, BETA1, BETA2, EPS, 0.01f, i != 2, 0.5f);
        }
        float[] ratios = backend.lambUpdateMulti(multi, grads, m, v, LR, BETA1, BETA2, EPS,
                new float[] {0.01f, 0.01f, 0.01f}, new boolean[] {true, true, false}, 0.5f);
        org.junit.jupiter.api.Assertions.assertArrayEquals(expectedRatios, ratios);
        for (int i = 0; i < sizes.length; i++) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(single.get(i).toFloatArray(),
                    multi.get(i).toFloatArray(), "tensor " + i + " (" + sizes[i] + ")");
        }
    }

    @Test
    void multiTensorListsOfDifferentLengthsAreRefused() {
        Tensor w = tensor(random(8, 1));
        Tensor g = tensor(random(8, 1));
        Tensor m = tensor(new float[8]);
        Tensor v = tensor(new float[8]);
        Tensor shortGrad = tensor(random(7, 1));
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> backend.lambUpdateMulti(java.util.List.of(w), java.util.List.of(g, g), java.util.List.of(m),
                        java.util.List.of(v), LR, BETA1, BETA2, EPS, new float[] {0f}, new boolean[] {true}, 1f));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("lists differ"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> backend.adamwUpdateMulti(java.util.List.of(w), java.util.List.of(shortGrad),
                        java.util.List.of(m), java.util.List.of(v), LR, BETA1, BETA2, EPS, new float[] {0f}, 1f));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("grad[0]"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> backend.lambUpdateMulti(java.util.List.of(w), java.util.List.of(g), java.util.List.of(m),
                        java.util.List.of(v), LR, BETA1, BETA2, EPS, new float[] {0f}, new boolean[] {true, false},
                        1f));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("trust-ratio flags"), e.getMessage());
    }
}
