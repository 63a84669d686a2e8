package io.albert4j.albert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.ops.Step;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Save/load round trips, starting from a pretrained checkpoint, head config fields, and bad-input messages. */
class AlbertHeadsTest {
    private static final Backend BACKEND = Backends.cpu();
    private static final int[][] IDS = {{2, 11, 12, 13, 3, 0}, {2, 21, 22, 3, 30, 3}};
    private static final int[][] MASK = {{1, 1, 1, 1, 1, 0}, {1, 1, 1, 1, 1, 1}};
    private static final int[][] TYPES = {{0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 1, 1}};
    private final StepArena arena = new StepArena(BACKEND, 1 << 20);

    @AfterEach
    void close() {
        arena.close();
    }

    private static AlbertConfig config(int numLabels) {
        return AlbertHeadsParityTest.baseConfig().toBuilder().numLabels(numLabels).build();
    }

    private Tensor ints(int[] values, int... shape) {
        Tensor t = Step.current().allocate(DType.I32, shape);
        t.copyFrom(values);
        return t;
    }

    private Tensor floats(float[] values, int... shape) {
        Tensor t = Step.current().allocate(DType.F32, shape);
        t.copyFrom(values);
        return t;
    }

    // ---- save → load ---------------------------------------------------------------------------------------

    @Test
    void sequenceClassificationRoundTripsWithItsConfig(@TempDir Path dir) {
        AlbertConfig config = config(3).toBuilder().problemType("single_label_classification").build();
        try (var model = AlbertForSequenceClassification.create(config, 5L)) {
            HostArray before = model.predict(IDS, MASK, TYPES);
            assertArrayEquals(new int[] {2, 3}, before.shape());
            model.save(dir, null);
            try (var back = AlbertForSequenceClassification.load(dir)) {
                assertEquals(3, back.config().numLabels());
                assertEquals("single_label_classification", back.config().problemType());
                assertArrayEquals(before.values(), back.predict(IDS, MASK, TYPES).values());
            }
        }
    }

    @Test
    void questionAnsweringRoundTrips(@TempDir Path dir) {
        try (var model = AlbertForQuestionAnswering.create(config(2), 6L)) {
            var before = model.predict(IDS, MASK, TYPES);
            assertArrayEquals(new int[] {2, 6}, before.startLogits().shape());
            assertTrue(model.parameterShapes().containsKey("qa_outputs.weight"));
            assertTrue(!model.parameterShapes().containsKey("albert.pooler.weight"), "HF QA head has no pooler");
            model.save(dir, null);
            try (var back = AlbertForQuestionAnswering.load(dir)) {
                var after = back.predict(IDS, MASK, TYPES);
                assertArrayEquals(before.startLogits().values(), after.startLogits().values());
                assertArrayEquals(before.endLogits().values(), after.endLogits().values());
            }
        }
    }

    @Test
    void multipleChoiceRoundTrips(@TempDir Path dir) {
        int[][][] ids = {{IDS[0], IDS[1], IDS[0]}, {IDS[1], IDS[1], IDS[0]}};
        int[][][] mask = {{MASK[0], MASK[1], MASK[0]}, {MASK[1], MASK[1], MASK[0]}};
        try (var model = AlbertForMultipleChoice.create(config(2), 7L)) {
            HostArray before = model.predict(ids, mask, null);
            assertArrayEquals(new int[] {2, 3}, before.shape());
            assertEquals(before.get(0, 0), before.get(1, 2), 0f, "same choice text, same score");
            model.save(dir, null);
            try (var back = AlbertForMultipleChoice.load(dir)) {
                assertArrayEquals(before.values(), back.predict(ids, mask, null).values());
            }
        }
    }

    @Test
    void tokenClassificationRoundTrips(@TempDir Path dir) {
        try (var model = AlbertForTokenClassification.create(config(7), 8L)) {
            HostArray before = model.predict(IDS, MASK, TYPES);
            assertArrayEquals(new int[] {2, 6, 7}, before.shape());
            model.save(dir, null);
            try (var back = AlbertForTokenClassification.load(dir)) {
                assertArrayEquals(before.values(), back.predict(IDS, MASK, TYPES).values());
            }
        }
    }

    @Test
    void fromPretrainedKeepsTheEncoderAndLoadNamesTheWayOut(@TempDir Path dir) {
        try (var pretrained = AlbertForPreTraining.create(config(2), 9L)) {
            pretrained.save(dir, null);
            try (var head = AlbertForSequenceClassification.fromPretrained(dir, 4, 1L)) {
                assertEquals(4, head.config().numLabels());
                Map<String, Tensor> base = pretrained.namedParameters();
                for (Map.Entry<String, Tensor> e : head.namedParameters().entrySet()) {
                    if (e.getKey().startsWith("albert.")) {
                        assertArrayEquals(base.get(e.getKey()).toFloatArray(), e.getValue().toFloatArray(), e.getKey());
                    }
                }
                assertArrayEquals(new int[] {4, 16}, head.parameterShapes().get("classifier.weight"));
            }
            try (var qa = AlbertForQuestionAnswering.fromPretrained(dir, 1L)) {
                assertEquals(2, qa.predict(IDS, MASK, TYPES).endLogits().shape()[0]);
            }
            var error = assertThrows(IllegalArgumentException.class, () -> AlbertForTokenClassification.load(dir));
            assertTrue(error.getMessage().contains("classifier.weight")
                    && error.getMessage().contains("AlbertForTokenClassification.fromPretrained"), error.getMessage());
        }
    }

    @Test
    void trainingModeDropoutChangesLogitsAndEvalRestoresThem() {
        AlbertConfig config = config(3).toBuilder().classifierDropoutProb(0.5f).build();
        try (var model = AlbertForSequenceClassification.create(config, 3L)) {
            HostArray eval = model.predict(IDS, MASK, TYPES);
            model.train();
            try (Step step = Step.trainingKeepMemory(BACKEND, arena)) {
                float[] train = model.forward(AlbertInputs.copyOf(IDS, MASK, TYPES), 11L).logits().toFloatArray();
                assertTrue(!java.util.Arrays.equals(eval.values(), train), "classifier dropout is applied in training");
            }
            assertArrayEquals(eval.values(), model.predict(IDS, MASK, TYPES).values(), "predict ignores the mode");
        }
    }

    // ---- config --------------------------------------------------------------------------------------------

    @Test
    void headFieldsReadAndWriteAsHuggingFace() {
        AlbertConfig fromHub = AlbertConfig.fromJson("""
                {"hidden_size": 64, "num_attention_heads": 4, "intermediate_size": 128,
                 "id2label": {"0": "neg", "1": "neutral", "2": "pos"}, "label2id": {"neg": 0, "neutral": 1, "pos": 2},
                 "problem_type": "single_label_classification", "classifier_dropout_prob": null,
                 "hidden_dropout_prob": 0.05}""");
        assertEquals(3, fromHub.numLabels());
        assertEquals("single_label_classification", fromHub.problemType());
        assertNull(fromHub.classifierDropoutProb());
        assertEquals(0.05f, fromHub.effectiveClassifierDropoutProb());
        AlbertConfig back = AlbertConfig.fromJson(fromHub.toJson());
        assertEquals(fromHub.toBuilder().extra(back.extra()).build(), back, "head fields survive a round trip");
        assertEquals(fromHub.extra().get("id2label"), back.extra().get("id2label"), "label names are kept");
        assertNull(back.classifierDropoutProb(), "null dropout stays null");
        AlbertConfig five = fromHub.toBuilder().numLabels(5).build();
        assertTrue(!five.extra().containsKey("id2label"), "the old label names are dropped, as HF does");
        assertEquals(5, AlbertConfig.fromJson(five.toJson()).numLabels());
        assertEquals(2, AlbertConfig.fromJson("{}").numLabels(), "HF default");
        assertTrue(!AlbertConfig.fromJson("{}").toJson().contains("num_labels"));
    }

    @Test
    void badHeadConfigsFailWithClearMessages() {
        assertMessage(() -> AlbertConfig.builder().numLabels(0).build(), "num_labels must be > 0, got 0");
        assertMessage(() -> AlbertConfig.builder().problemType("ranking").build(), "problem_type 'ranking' is not one of");
        assertMessage(() -> AlbertConfig.fromJson("{\"num_labels\": 3, \"id2label\": {\"0\": \"a\", \"1\": \"b\"}}"),
                "'num_labels' 3 disagrees with the 2 entries of 'id2label'");
        assertMessage(() -> AlbertConfig.builder().extra(Map.of("id2label", Map.of("0", "a"))).build(),
                "id2label must be a map with num_labels = 2 entries");
    }

    // ---- bad inputs ----------------------------------------------------------------------------------------

    @Test
    void sequenceClassificationRejectsBadLabels() {
        try (var model = AlbertForSequenceClassification.create(config(3), 1L);
             var regression = AlbertForSequenceClassification.create(config(1), 1L);
             Step step = Step.trainingKeepMemory(BACKEND, arena)) {
            AlbertInputs inputs = AlbertInputs.copyOf(IDS, MASK, TYPES);
            assertMessage(() -> model.forward(inputs, ints(new int[] {0, 1, 2}, 3), 0L),
                    "AlbertForSequenceClassification: 'labels' tensor [3] I32", "must have shape [2]");
            assertMessage(() -> model.forward(inputs, ints(new int[] {0, 3}, 2), 0L),
                    "'labels'[1] = 3 is outside [0, 3) = num_labels");
            assertMessage(() -> model.forward(inputs, floats(new float[] {1, 0, 2, 0, 0, 1}, 2, 3), 0L),
                    "multi-label 'labels'[0, 2] = 2.0 is outside [0, 1]");
            assertMessage(() -> model.forward(inputs, floats(new float[] {1, 0, 1}, 3), 0L),
                    "must have shape [2, 3]");
            assertMessage(() -> regression.forward(inputs, ints(new int[] {1, 2}, 2), 0L),
                    "'labels' must be F32", "regression");
            assertNull(model.forward(inputs, 0L).loss());
        }
    }

    @Test
    void questionAnsweringRejectsBadPositions() {
        try (var model = AlbertForQuestionAnswering.create(config(2), 1L);
             Step step = Step.trainingKeepMemory(BACKEND, arena)) {
            AlbertInputs inputs = AlbertInputs.copyOf(IDS, MASK, TYPES);
            Tensor start = ints(new int[] {1, 2}, 2);
            assertMessage(() -> model.forward(inputs, start, null, 0L), "give both 'start_positions' and 'end_positions'");
            assertMessage(() -> model.forward(inputs, start, ints(new int[] {1, 2, 3}, 3), 0L),
                    "'end_positions' tensor [3] I32", "must have shape [2]");
            // out-of-window answers are clamped and ignored, as in HF: every row ignored → loss 0, not an error
            var out = model.forward(inputs, ints(new int[] {99, 6}, 2), ints(new int[] {99, 7}, 2), 0L);
            assertEquals(0f, out.loss().toFloatArray()[0]);
        }
    }

    @Test
    void multipleChoiceRejectsMismatchedChoices() {
        try (var model = AlbertForMultipleChoice.create(config(2), 1L);
             Step step = Step.trainingKeepMemory(BACKEND, arena)) {
            Tensor ids = ints(new int[2 * 3 * 4], 2, 3, 4);
            assertMessage(() -> model.forward(ints(new int[8], 2, 4), null, null, null, 0L),
                    "input_ids must be [batch, num_choices, seq]");
            assertMessage(() -> model.forward(ids, ints(new int[2 * 2 * 4], 2, 2, 4), null, null, 0L),
                    "attention_mask tensor [2, 2, 4] I32", "must have the shape of input_ids [2, 3, 4]");
            assertMessage(() -> model.forward(ids, null, null, ints(new int[] {0, 3}, 2), 0L),
                    "'labels'[1] = 3 is outside [0, 3) = num_choices");
            assertMessage(() -> model.forward(ids, null, null, ints(new int[] {0, 1, 2}, 3), 0L),
                    "'labels' tensor [3] I32", "must have shape [2]");
        }
        try (var model = AlbertForMultipleChoice.create(config(2), 1L)) {
            int[][][] ragged = {{IDS[0], IDS[1]}, {IDS[0]}};
            assertMessage(() -> model.predict(ragged, null, null), "question 1 has 1 choices",
                    "num_choices must be the same");
        }
    }

    @Test
    void tokenClassificationRejectsBadLabels() {
        try (var model = AlbertForTokenClassification.create(config(4), 1L);
             Step step = Step.trainingKeepMemory(BACKEND, arena)) {
            AlbertInputs inputs = AlbertInputs.copyOf(IDS, MASK, TYPES);
            assertMessage(() -> model.forward(inputs, ints(new int[10], 2, 5), 0L),
                    "AlbertForTokenClassification: 'labels' tensor [2, 5] I32", "must have shape [2, 6]");
            assertMessage(() -> model.forward(inputs, ints(new int[] {0, 1, 2, 3, -100, -100, 0, 4, 0, 0, 0, 0}, 2, 6),
                    0L), "'labels'[7] = 4 is outside [0, 4) = num_labels");
            assertMessage(() -> model.forward(inputs, floats(new float[12], 2, 6), 0L), "'labels' must be I32");
        }
    }

    private static void assertMessage(Executable call, String... expected) {
        RuntimeException e = assertThrows(RuntimeException.class, call);
        for (String part : expected) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(part),
                    "expected '" + part + "' in: " + e.getMessage());
        }
    }
}
