package io.albert4j.albert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.io.SafetensorsReader;
import io.albert4j.ops.Step;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fine-tuning heads against the plain-PyTorch reference with HF's heads and losses
 * (java/src/test/python/make_albert_head_fixtures.py, float64 on the same float32 weights): logits, loss and the
 * gradient of every parameter, encoder included. Fixture keys of a case are prefixed {@code <case>/}.
 */
class AlbertHeadsParityTest {
    /** As AlbertParityTest: relative tolerance with a floor of RTOL times the tensor's largest magnitude. */
    private static final double RTOL = 1e-4;
    private static final double ATOL = 1e-6;
    private static final Backend BACKEND = Backends.cpu();

    static AlbertConfig baseConfig() {
        return AlbertConfig.read(AlbertParityTest.fixture("albert_heads.config.json"));
    }

    /** The encoder's weights of the file plus the case's head weights, under the model's keys. */
    private static Map<String, Tensor> weights(SafetensorsReader file, String caseName, AlbertPreTrainedModel shapes) {
        Map<String, Tensor> weights = new LinkedHashMap<>();
        for (String key : shapes.parameterShapes().keySet()) {
            weights.put(key, file.readF32(key.startsWith("albert.") ? key : caseName + "/" + key));
        }
        return weights;
    }

    @ParameterizedTest
    @CsvSource({"regression, 1, ''", "single_label_classification, 3, ''",
            "multi_label_classification, 3, multi_label_classification"})
    void sequenceClassificationMatchesPyTorch(String caseName, int numLabels, String problemType) {
        // problem_type empty: inferred as HF does (num_labels 1 → regression, I32 labels → single label)
        AlbertConfig config = baseConfig().toBuilder().numLabels(numLabels)
                .problemType(problemType.isEmpty() ? null : problemType).build();
        try (SafetensorsReader file = SafetensorsReader.open(AlbertParityTest.fixture("albert_head_seqcls.safetensors"));
             StepArena arena = new StepArena(BACKEND, 1 << 20);
             var model = AlbertForSequenceClassification.fromParameters(config, BACKEND,
                     weights(file, caseName, AlbertForSequenceClassification.shapesOnly(config)))) {
            model.enableGradients();
            try (Step step = Step.trainingKeepMemory(BACKEND, arena)) {
                Tensor labels = caseName.equals("single_label_classification") ? file.readI32(caseName + "/labels")
                        : file.readF32(caseName + "/labels");
                var out = model.forward(inputs(file), labels, 0L);
                step.backward(out.loss());
                StringBuilder report = new StringBuilder();
                compare(report, caseName + "/logits", out.logits(), file);
                compare(report, caseName + "/loss", out.loss(), file);
                compareGradients(report, caseName, model, file);
                assertTrue(report.isEmpty(), caseName + ":\n" + report);
            }
        }
    }

    @Test
    void questionAnsweringMatchesPyTorchWithClampedAndIgnoredPositions() {
        AlbertConfig config = baseConfig();
        try (SafetensorsReader file = SafetensorsReader.open(AlbertParityTest.fixture("albert_head_qa.safetensors"));
             StepArena arena = new StepArena(BACKEND, 1 << 20);
             var model = AlbertForQuestionAnswering.fromParameters(config, BACKEND,
                     weights(file, "span", AlbertForQuestionAnswering.shapesOnly(config)))) {
            model.enableGradients();
            try (Step step = Step.trainingKeepMemory(BACKEND, arena)) {
                var out = model.forward(inputs(file), file.readI32("span/start_positions"),
                        file.readI32("span/end_positions"), 0L);
                step.backward(out.loss());
                StringBuilder report = new StringBuilder();
                compare(report, "span/start_logits", out.startLogits(), file);
                compare(report, "span/end_logits", out.endLogits(), file);
                compare(report, "span/loss", out.loss(), file);
                compareGradients(report, "span", model, file);
                assertTrue(report.isEmpty(), "qa:\n" + report);
            }
        }
    }

    @Test
    void multipleChoiceMatchesPyTorch() {
        AlbertConfig config = baseConfig();
        try (SafetensorsReader file = SafetensorsReader.open(AlbertParityTest.fixture("albert_head_mc.safetensors"));
             StepArena arena = new StepArena(BACKEND, 1 << 20);
             var model = AlbertForMultipleChoice.fromParameters(config, BACKEND,
                     weights(file, "choice", AlbertForMultipleChoice.shapesOnly(config)))) {
            model.enableGradients();
            try (Step step = Step.trainingKeepMemory(BACKEND, arena)) {
                var out = model.forward(file.readI32("input_ids"), file.readI32("attention_mask"),
                        file.readI32("token_type_ids"), file.readI32("choice/labels"), 0L);
                assertEquals(2, out.logits().rank());
                step.backward(out.loss());
                StringBuilder report = new StringBuilder();
                compare(report, "choice/logits", out.logits(), file);
                compare(report, "choice/loss", out.loss(), file);
                compareGradients(report, "choice", model, file);
                assertTrue(report.isEmpty(), "mc:\n" + report);
            }
        }
    }

    @Test
    void tokenClassificationMatchesPyTorch() {
        AlbertConfig config = baseConfig().toBuilder().numLabels(5).build();
        try (SafetensorsReader file = SafetensorsReader.open(AlbertParityTest.fixture("albert_head_token.safetensors"));
             StepArena arena = new StepArena(BACKEND, 1 << 20);
             var model = AlbertForTokenClassification.fromParameters(config, BACKEND,
                     weights(file, "tags", AlbertForTokenClassification.shapesOnly(config)))) {
            model.enableGradients();
            try (Step step = Step.trainingKeepMemory(BACKEND, arena)) {
                var out = model.forward(inputs(file), file.readI32("tags/labels"), 0L);
                step.backward(out.loss());
                StringBuilder report = new StringBuilder();
                compare(report, "tags/logits", out.logits(), file);
                compare(report, "tags/loss", out.loss(), file);
                compareGradients(report, "tags", model, file);
                assertTrue(report.isEmpty(), "token:\n" + report);
            }
        }
    }

    private static AlbertInputs inputs(SafetensorsReader file) {
        return new AlbertInputs(file.readI32("input_ids"), file.readI32("attention_mask"),
                file.readI32("token_type_ids"));
    }

    private static void compareGradients(StringBuilder report, String caseName, AlbertPreTrainedModel model,
                                         SafetensorsReader file) {
        int compared = 0;
        for (Map.Entry<String, Tensor> g : model.gradients().entrySet()) {
            String key = caseName + "/grad." + g.getKey();
            assertTrue(file.names().contains(key), "fixture lacks " + key);
            compare(report, key, g.getValue(), file);
            compared++;
        }
        assertEquals(model.parameterShapes().size(), compared);
    }

    /** Appends a line per mismatch (same rule as AlbertParityTest). */
    private static void compare(StringBuilder report, String key, Tensor actual, SafetensorsReader file) {
        float[] expected = file.readF32(key).toFloatArray();
        float[] got = actual.toFloatArray();
        assertEquals(expected.length, got.length, key + ": element count");
        double maxAbs = 0;
        for (float e : expected) {
            maxAbs = Math.max(maxAbs, Math.abs(e));
        }
        double floor = Math.max(RTOL * maxAbs, ATOL);
        for (int i = 0; i < got.length; i++) {
            double ratio = Math.abs(got[i] - expected[i]) / (RTOL * Math.abs(expected[i]) + floor);
            if (!(ratio <= 1.0)) {
                report.append(String.format("  %s: element %d is %.7g, PyTorch %.7g (%.1fx tolerance)%n", key, i,
                        got[i], expected[i], ratio));
                return;
            }
        }
    }

}
