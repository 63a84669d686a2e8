package io.albert4j.albert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.ops.Step;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GR's SQuAD v2 answerability head against a plain Java computation of its formula, and its training step. */
class AnswerClassHeadTest {
    private static AlbertConfig config() {
        return AlbertConfig.builder().vocabSize(50).embeddingSize(8).hiddenSize(16).numHiddenLayers(2)
                .numAttentionHeads(2).intermediateSize(32).maxPositionEmbeddings(16)
                .extra(Map.of(AlbertForQuestionAnswering.ANSWER_CLASS_KEY, true)).build();
    }

    @Test
    void logitIsDenseOfStartWeightedHiddenAndCls(@TempDir Path dir) {
        int[][] ids = {{2, 11, 12, 3, 20, 21, 22, 23, 3}};
        int[][] allowed = {{1, 0, 0, 0, 1, 1, 1, 1, 0}};
        int[][] types = {{0, 0, 0, 0, 1, 1, 1, 1, 1}};
        try (AlbertForQuestionAnswering model = AlbertForQuestionAnswering.create(config(), 3)) {
            assertTrue(model.hasAnswerClassHead());
            // Non-zero bias so that a missing term would show.
            Map<String, Tensor> params = model.namedParameters();
            assertTrue(params.containsKey("answer_class.dense_0_start.weight"));
            float[] bias = new float[16];
            for (int i = 0; i < bias.length; i++) {
                bias[i] = 0.05f * (i - 8);
            }
            params.get("answer_class.dense_0.bias").copyFrom(bias);
            AlbertForQuestionAnswering.Prediction p = model.predict(ids, null, types, allowed);
            assertNotNull(p.answerClassLogits());
            HostArray hidden;
            try (StepArena arena = new StepArena(model.backend(), 8 << 20);
                 Step s = Step.inference(model.backend(), arena)) {
                Tensor h0 = model.forward(AlbertInputs.copyOf(ids, null, types), null, null, 0L).hidden();
                hidden = new HostArray(h0.shape(), h0.toFloatArray());
            }
            int seq = ids[0].length;
            int h = 16;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < seq; j++) {
                if (allowed[0][j] == 1) {
                    max = Math.max(max, p.startLogits().get(0, j));
                }
            }
            double[] weights = new double[seq];
            double sum = 0;
            for (int j = 0; j < seq; j++) {
                weights[j] = allowed[0][j] == 1 ? Math.exp(p.startLogits().get(0, j) - max) : 0;
                sum += weights[j];
            }
            double[] feature = new double[h];
            for (int j = 0; j < seq; j++) {
                for (int k = 0; k < h; k++) {
                    feature[k] += weights[j] / sum * hidden.get(0, j, k);
                }
            }
            float[] ws = params.get("answer_class.dense_0_start.weight").toFloatArray();
            float[] wc = params.get("answer_class.dense_0_cls.weight").toFloatArray();
            float[] w1 = params.get("answer_class.dense_1.weight").toFloatArray();
            double logit = 0;
            for (int o = 0; o < h; o++) {
                double z = bias[o];
                for (int k = 0; k < h; k++) {
                    z += ws[o * h + k] * feature[k] + wc[o * h + k] * hidden.get(0, 0, k);
                }
                logit += w1[o] * Math.tanh(z);
            }
            assertEquals(logit, p.answerClassLogits().get(0), 1e-4);
            // Saved and loaded, the head comes back.
            model.save(dir.resolve("qa"), null);
            try (AlbertForQuestionAnswering loaded = AlbertForQuestionAnswering.load(dir.resolve("qa"))) {
                assertEquals(p.answerClassLogits().get(0),
                        loaded.predict(ids, null, types, allowed).answerClassLogits().get(0), 1e-6);
            }
        }
    }

    @Test
    void trainingStepAddsHalfTheAnswerabilityLossAndReachesItsWeights() {
        try (AlbertForQuestionAnswering model = AlbertForQuestionAnswering.create(config(), 4);
             StepArena arena = new StepArena(model.backend(), 8 << 20)) {
            model.enableGradients();
            int[][] ids = {{2, 11, 3, 20, 21, 3}, {2, 12, 3, 22, 23, 3}};
            int[][] allowed = {{1, 0, 0, 1, 1, 0}, {1, 0, 0, 1, 1, 0}};
            float spanOnly;
            float withAnswer;
            try (Step s = Step.training(model.backend(), arena)) {
                AlbertInputs in = AlbertInputs.copyOf(ids, null, null);
                spanOnly = model.forward(in, s.upload(new int[] {3, 0}, 2), s.upload(new int[] {4, 0}, 2), 0L)
                        .loss().getFloat(0);
            }
            try (Step s = Step.training(model.backend(), arena)) {
                AlbertInputs in = AlbertInputs.copyOf(ids, null, null);
                Tensor impossible = s.allocate(DType.F32, 2);
                impossible.copyFrom(new float[] {0, 1});
                var out = model.forward(in, s.upload(flat(allowed), 2, 6), s.upload(new int[] {3, 0}, 2),
                        s.upload(new int[] {4, 0}, 2), impossible, 0L);
                withAnswer = out.loss().getFloat(0);
                float[] logits = out.answerClassLogits().toFloatArray();
                double bce = 0;
                float[] target = {0, 1};
                for (int i = 0; i < 2; i++) {
                    double x = logits[i];
                    bce += Math.max(x, 0) - x * target[i] + Math.log1p(Math.exp(-Math.abs(x)));
                }
                assertEquals(spanOnly + 0.5 * bce / 2, withAnswer, 1e-5);
                s.backward(out.loss());
            }
            float[] grad = model.gradients().get("answer_class.dense_1.weight").toFloatArray();
            boolean any = false;
            for (float g : grad) {
                any |= g != 0;
            }
            assertTrue(any, "the answerability loss reaches dense_1");
            assertFalse(Float.isNaN(withAnswer));
        }
    }

    private static int[] flat(int[][] rows) {
        int[] out = new int[rows.length * rows[0].length];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, out, r * rows[0].length, rows[0].length);
        }
        return out;
    }
}
