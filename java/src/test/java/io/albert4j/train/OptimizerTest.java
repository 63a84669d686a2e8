package io.albert4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.io.SafetensorsException;
import io.albert4j.io.SafetensorsReader;
import io.albert4j.io.SafetensorsWriter;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OptimizerTest {
    @TempDir
    Path dir;

    private static final Backend REFERENCE = ReferenceOptimizerBackend.create();
    private final SplittableRandom random = new SplittableRandom(11);

    private float[] randoms(int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * scale);
        }
        return v;
    }

    private static Tensor parameter(float[] values, int... shape) {
        Tensor p = Tensor.ofFloats(values, shape).setRequiresGrad(true);
        p.setGrad(Tensor.allocateHost(DType.F32, shape));
        return p;
    }

    /** Sizes that are not multiples of any SIMD width; names that hit and miss GR's exclusion patterns. */
    private Map<String, Tensor> model() {
        Map<String, Tensor> p = new LinkedHashMap<>();
        p.put("albert.embeddings.word_embeddings.weight", parameter(randoms(21, 0.5), 7, 3));
        p.put("albert.encoder.ffn.weight", parameter(randoms(15, 0.5), 5, 3));
        p.put("albert.encoder.ffn.bias", parameter(randoms(5, 0.5), 5));
        p.put("albert.encoder.attention.LayerNorm.weight", parameter(randoms(3, 0.5), 3));
        return p;
    }

    private void randomGrads(Map<String, Tensor> params, double scale) {
        for (Tensor p : params.values()) {
            p.grad().copyFrom(randoms((int) p.numel(), scale));
        }
    }

    private static Map<String, float[]> snapshot(Map<String, Tensor> params) {
        Map<String, float[]> s = new LinkedHashMap<>();
        params.forEach((k, v) -> s.put(k, v.toFloatArray()));
        return s;
    }

    /**
     * GR's update for the whole model in double, written out independently of the optimizer classes:
     * clip_by_global_norm(1.0), then per variable m, v, u = m/(sqrt(v)+eps) + wd*w, ratio, w -= ratio*lr*u.
     */
    private static final class GrReference {
        final Map<String, double[]> w = new LinkedHashMap<>();
        final Map<String, double[]> m = new LinkedHashMap<>();
        final Map<String, double[]> v = new LinkedHashMap<>();
        final boolean lamb;

        GrReference(Map<String, Tensor> params, boolean lamb) {
            this.lamb = lamb;
            params.forEach((k, t) -> {
                float[] f = t.toFloatArray();
                double[] d = new double[f.length];
                for (int i = 0; i < f.length; i++) {
                    d[i] = f[i];
                }
                w.put(k, d);
                m.put(k, new double[f.length]);
                v.put(k, new double[f.length]);
            });
        }

        void step(Map<String, Tensor> params, double lr) {
            double sq = 0;
            for (Tensor p : params.values()) {
                for (float g : p.grad().toFloatArray()) {
                    sq += (double) g * g;
                }
            }
            double scale = 1.0 / Math.max(Math.sqrt(sq), 1.0);
            for (String name : params.keySet()) {
                boolean excluded = name.contains("LayerNorm") || name.contains("layer_norm") || name.contains("bias");
                float[] g = params.get(name).grad().toFloatArray();
                double[] ww = w.get(name), mm = m.get(name), vv = v.get(name);
                double[] u = new double[ww.length];
                double wn = 0, un = 0;
                for (int i = 0; i < ww.length; i++) {
                    double gi = g[i] * scale;
                    mm[i] = 0.9 * mm[i] + 0.1 * gi;
                    vv[i] = 0.999 * vv[i] + 0.001 * gi * gi;
                    u[i] = mm[i] / (Math.sqrt(vv[i]) + 1e-6) + (excluded ? 0 : 0.01 * ww[i]);
                    wn += ww[i] * ww[i];
                    un += u[i] * u[i];
                }
                double ratio = lamb && !excluded && wn > 0 && un > 0 ? Math.sqrt(wn) / Math.sqrt(un) : 1.0;
                for (int i = 0; i < ww.length; i++) {
                    ww[i] -= ratio * lr * u[i];
                }
            }
        }
    }

    private void assertMatchesReference(BiFunction<Map<String, Tensor>, Backend, MomentOptimizer> make, boolean lamb,
                                        Backend backend) {
        Map<String, Tensor> params = model();
        GrReference reference = new GrReference(params, lamb);
        try (MomentOptimizer optimizer = make.apply(params, backend)) {
            double[] gradScales = {3.0, 0.05, 1.0, 0.01};  // global norms well above and below the clip norm 1.0
            for (int step = 0; step < gradScales.length; step++) {
                randomGrads(params, gradScales[step]);
                float lr = 0.01f * (step + 1);
                reference.step(params, lr);
                optimizer.step(lr);
            }
            assertEquals(4, optimizer.stepCount());
            for (String name : params.keySet()) {
                float[] actual = params.get(name).toFloatArray();
                double[] expected = reference.w.get(name);
                for (int i = 0; i < actual.length; i++) {
                    assertEquals(expected[i], actual[i], 2e-5 * Math.max(1, Math.abs(expected[i])), name + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void lambMatchesGrReferenceWithClippingAndExclusions() {
        assertMatchesReference((p, b) -> new Lamb(p, OptimizerConfig.defaults(), b), true, REFERENCE);
    }

    @Test
    void adamwMatchesGrReferenceWithClippingAndExclusions() {
        assertMatchesReference((p, b) -> new AdamW(p, OptimizerConfig.defaults(), b), false, REFERENCE);
    }

    @Test
    void firstLambStepByHand() {
        // Excluded parameter (bias): no decay, ratio 1; first step m = 0.1 g, v = 0.001 g^2, so each element moves
        // by lr * 0.1|g| / (sqrt(0.001)|g| + 1e-6) ~ lr * sqrt(10) against the sign of its gradient.
        // Adapted parameter with no decay: ratio = ||w||/||u||, so ||w_new - w|| = lr * ||w|| exactly.
        Map<String, Tensor> params = new LinkedHashMap<>();
        params.put("dense.bias", parameter(new float[] {1f, -2f}, 2));
        params.put("dense.weight", parameter(new float[] {3f, 4f}, 2));
        params.get("dense.bias").grad().copyFrom(new float[] {0.2f, -0.3f});
        params.get("dense.weight").grad().copyFrom(new float[] {0.5f, 0.1f});
        try (Lamb lamb = new Lamb(params, OptimizerConfig.defaults().withWeightDecay(0f), REFERENCE)) {
            lamb.step(0.01f);
        }
        float[] bias = params.get("dense.bias").toFloatArray();
        double move = 0.01 * 0.1 / (Math.sqrt(0.001) + 1e-6 / 0.2);
        assertEquals(1f - move, bias[0], 1e-6);
        assertEquals(-2f + 0.01 * 0.1 / (Math.sqrt(0.001) + 1e-6 / 0.3), bias[1], 1e-6);
        float[] w = params.get("dense.weight").toFloatArray();
        assertEquals(0.01 * 5.0, Math.hypot(w[0] - 3, w[1] - 4), 1e-6, "trust ratio scales the step to lr*||w||");
    }

    @Test
    void nonFiniteGradientThrowsAndChangesNothing() {
        Map<String, Tensor> params = model();
        randomGrads(params, 0.1);
        params.get("albert.encoder.ffn.bias").grad().setFloat(2, Float.NaN);
        Map<String, float[]> before = snapshot(params);
        try (Lamb lamb = new Lamb(params, OptimizerConfig.defaults(), REFERENCE)) {
            NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class, () -> lamb.step(0.01f));
            assertEquals(List.of("albert.encoder.ffn.bias"), e.parameters());
            assertTrue(e.getMessage().contains("NaN"), e.getMessage());
            before.forEach((k, v) -> assertArrayEquals(v, params.get(k).toFloatArray(), k));
            lamb.stateTensors().values().forEach(t -> assertArrayEquals(new float[(int) t.numel()], t.toFloatArray()));
            assertEquals(0, lamb.stepCount());
        }
    }

    @Test
    void nonFiniteGradientIsSkippedWhenConfigured() {
        Map<String, Tensor> params = model();
        randomGrads(params, 0.1);
        params.get("albert.encoder.ffn.weight").grad().setFloat(0, Float.POSITIVE_INFINITY);
        Map<String, float[]> before = snapshot(params);
        try (AdamW adamw = new AdamW(params, OptimizerConfig.defaults().withSkipNonFiniteSteps(true), REFERENCE)) {
            adamw.step(0.01f);
            assertEquals(1, adamw.skippedSteps());
            assertEquals(0, adamw.stepCount());
            before.forEach((k, v) -> assertArrayEquals(v, params.get(k).toFloatArray(), k));
            // The next finite step goes through.
            randomGrads(params, 0.1);
            adamw.step(0.01f);
            assertEquals(1, adamw.stepCount());
        }
    }

    @Test
    void zeroGradClearsEveryGradient() {
        Map<String, Tensor> params = model();
        randomGrads(params, 1);
        try (AdamW adamw = new AdamW(params, OptimizerConfig.defaults(), REFERENCE)) {
            adamw.zeroGrad();
        }
        params.values().forEach(p -> assertArrayEquals(new float[(int) p.numel()], p.grad().toFloatArray()));
    }

    @Test
    void stateRoundTripResumesIdentically() throws IOException {
        Map<String, Tensor> a = model();
        Map<String, Tensor> b = new LinkedHashMap<>();
        a.forEach((k, v) -> b.put(k, parameter(v.toFloatArray(), v.shape())));
        Path file = dir.resolve("training_state.safetensors");
        try (Lamb first = new Lamb(a, OptimizerConfig.defaults(), REFERENCE)) {
            for (int i = 0; i < 2; i++) {
                randomGrads(a, 0.3);
                first.step(0.02f);
            }
            first.saveState(file);
            try (SafetensorsReader reader = SafetensorsReader.open(file)) {
                assertTrue(reader.contains("m.albert.encoder.ffn.weight") && reader.contains("v.albert.encoder.ffn.bias"));
                assertEquals("2", reader.metadata().get("step"));
            }
            try (Lamb second = new Lamb(b, OptimizerConfig.defaults(), REFERENCE)) {
                a.forEach((k, v) -> b.get(k).copyFrom(v.toFloatArray()));
                second.loadState(file);
                assertEquals(2, second.stepCount());
                randomGrads(a, 0.3);
                a.forEach((k, v) -> b.get(k).grad().copyFrom(v.grad().toFloatArray()));
                first.step(0.02f);
                second.step(0.02f);
                a.forEach((k, v) -> assertArrayEquals(v.toFloatArray(), b.get(k).toFloatArray(), k));
            }
        }
    }

    @Test
    void stateOfAnotherOptimizerOrModelIsRejected() throws IOException {
        Path file = dir.resolve("state.safetensors");
        try (AdamW adamw = new AdamW(model(), OptimizerConfig.defaults(), REFERENCE)) {
            adamw.saveState(file);
        }
        try (Lamb lamb = new Lamb(model(), OptimizerConfig.defaults(), REFERENCE)) {
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> lamb.loadState(file));
            assertTrue(e.getMessage().contains("'adamw'"), e.getMessage());
        }
        Map<String, Tensor> smaller = model();
        smaller.put("albert.encoder.ffn.bias", parameter(new float[4], 4));
        try (AdamW adamw = new AdamW(smaller, OptimizerConfig.defaults(), REFERENCE)) {
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> adamw.loadState(file));
            assertTrue(e.getMessage().contains("[5], parameter has [4]"), e.getMessage());
        }
        SafetensorsWriter.write(file, Map.of("m.x", Tensor.ofFloats(new float[] {1}, 1)),
                Map.of("optimizer", "adamw", "step", "1"));
        try (AdamW adamw = new AdamW(model(), OptimizerConfig.defaults(), REFERENCE)) {
            assertThrows(SafetensorsException.class, () -> adamw.loadState(file));
        }
    }


    @Test
    void nativeKernelsMatchTheReference() {
        assertMatchesReference((p, b) -> new Lamb(p, OptimizerConfig.defaults(), b), true, Backends.cpu());
        assertMatchesReference((p, b) -> new AdamW(p, OptimizerConfig.defaults(), b), false, Backends.cpu());
    }
}
