package io.albert4j.albert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.io.SafetensorsReader;
import io.albert4j.ops.Step;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The model against a plain-PyTorch reference (java/src/test/python/make_albert_fixtures.py, float64 on the same
 * float32 weights): every output and the gradient of every parameter, including the pad row of the tied word
 * embeddings and the blocks reused by several layers.
 */
class AlbertParityTest {
    /** Relative tolerance; the absolute floor is RTOL times the tensor's largest magnitude, at least ATOL. */
    private static final double RTOL = 1e-4;
    /**
     * 1e-6: the key-bias gradient is exactly zero in theory (softmax ignores a shift shared by all keys), so its
     * float32 round-off (~1e-8) has no magnitude of its own to be relative to.
     */
    private static final double ATOL = 1e-6;

    static Path fixture(String name) {
        return io.albert4j.testing.TestResources.file("/fixtures/" + name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"albert_shared_l3_gelu_new", "albert_groups2_l4_gelu", "albert_groups2_inner2_l3_gelu_new"})
    void outputsAndEveryGradientMatchPyTorch(String name) {
        AlbertConfig config = AlbertConfig.read(fixture(name + ".config.json"));
        Backend backend = Backends.cpu();
        try (SafetensorsReader file = SafetensorsReader.open(fixture(name + ".safetensors"));
             StepArena arena = new StepArena(backend, 1 << 20)) {
            Map<String, Tensor> weights = new LinkedHashMap<>();
            for (String key : AlbertForPreTraining.shapesOnly(config).parameterShapes().keySet()) {
                weights.put(key, file.readF32(key));
            }
            try (AlbertForPreTraining model = AlbertForPreTraining.fromParameters(config, backend, weights)) {
                model.enableGradients();
                try (Step step = Step.trainingKeepMemory(backend, arena)) {
                    AlbertInputs inputs = new AlbertInputs(file.readI32("input_ids"), file.readI32("attention_mask"),
                            file.readI32("token_type_ids"), file.readI32("labels"),
                            file.readI32("sentence_order_label"));
                    AlbertForPreTrainingOutput out = model.forward(inputs, 0L);
                    step.backward(out.loss());
                    StringBuilder report = new StringBuilder();
                    double worst = 0;
                    worst = Math.max(worst, compare(report, "last_hidden_state", out.lastHiddenState(), file));
                    worst = Math.max(worst, compare(report, "pooler_output", out.poolerOutput(), file));
                    worst = Math.max(worst, compare(report, "prediction_logits", out.predictionLogits(), file));
                    worst = Math.max(worst, compare(report, "sop_logits", out.sopLogits(), file));
                    worst = Math.max(worst, compare(report, "loss", out.loss(), file));
                    for (Map.Entry<String, Tensor> g : model.gradients().entrySet()) {
                        worst = Math.max(worst, compare(report, "grad." + g.getKey(), g.getValue(), file));
                    }
                    System.out.printf("%s: worst error / tolerance = %.3f%n", name, worst);
                    assertTrue(report.isEmpty(), name + ":\n" + report);
                }
            }
        }
    }

    /** Appends a line per mismatch to {@code report}; returns the largest error as a fraction of its tolerance. */
    private static double compare(StringBuilder report, String key, Tensor actual, SafetensorsReader file) {
        float[] expected = file.readF32(key).toFloatArray();
        float[] got = actual.toFloatArray();
        assertEquals(expected.length, got.length, key + ": element count");
        double maxAbs = 0;
        for (float e : expected) {
            maxAbs = Math.max(maxAbs, Math.abs(e));
        }
        double floor = Math.max(RTOL * maxAbs, ATOL);
        double worst = 0;
        int worstIndex = -1;
        for (int i = 0; i < got.length; i++) {
            double ratio = Math.abs(got[i] - expected[i]) / (RTOL * Math.abs(expected[i]) + floor);
            if (!(ratio <= worst)) {
                worst = ratio;
                worstIndex = i;
            }
        }
        if (!(worst <= 1.0)) {
            report.append(String.format("  %s: element %d is %.7g, PyTorch %.7g (%.1fx tolerance)%n", key, worstIndex,
                    got[worstIndex], expected[worstIndex], worst));
        }
        return worst;
    }
}
