package io.albert4j.albert;

import io.albert4j.backend.Backends;
import io.albert4j.ops.Step;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The MLM head on the labelled positions only (GR's gather_indexes) against the head on every position (HF). */
class MaskedPositionsForwardTest {
    private static final int B = 2;
    private static final int S = 9;
    private static final int V = 50;
    private static final AlbertConfig CONFIG = AlbertConfig.builder().vocabSize(V).embeddingSize(8).hiddenSize(16)
            .numHiddenLayers(2).numAttentionHeads(2).intermediateSize(24).maxPositionEmbeddings(16).build();

    @Test
    void lossLogitsAndEveryGradientMatchTheFullHead() {
        assertGatheredMatchesFull(CONFIG, false, 1);
    }

    /** The last block runs at the masked rows and first tokens only; a first token may itself be masked. */
    @Test
    void aMaskedFirstTokenAndInnerGroupsAndRecomputationMatchToo() {
        AlbertConfig inner = AlbertConfig.builder().vocabSize(V).embeddingSize(8).hiddenSize(16).numHiddenLayers(3)
                .numAttentionHeads(2).intermediateSize(24).maxPositionEmbeddings(16).innerGroupNum(2).build();
        assertGatheredMatchesFull(inner, false, 0);
        assertGatheredMatchesFull(CONFIG, true, 0);
    }

    /** Labels at every fourth cell starting at {@code firstLabel} (0 puts one on row 0's first token). */
    private static void assertGatheredMatchesFull(AlbertConfig config, boolean recompute, int firstLabel) {
        SplittableRandom random = new SplittableRandom(5);
        int[] ids = random.ints(B * S, 5, V).toArray();
        int[] mask = new int[B * S];
        int[] labels = new int[B * S];
        for (int i = 0; i < B * S; i++) {
            mask[i] = i % S < S - 2 || i < S ? 1 : 0;
            labels[i] = i % 4 == firstLabel ? ids[(i + 3) % (B * S)] : AlbertInputs.IGNORE_INDEX;
        }
        Run full = run(config, ids, mask, labels, false, recompute);
        Run gathered = run(config, ids, mask, labels, true, recompute);
        assertEquals(full.loss, gathered.loss, 1e-6f);
        assertArrayEquals(full.pooled, gathered.pooled, 1e-6f, "pooler output");
        int row = 0;
        for (int i = 0; i < B * S; i++) {
            if (labels[i] != AlbertInputs.IGNORE_INDEX) {
                float[] expected = java.util.Arrays.copyOfRange(full.logits, i * V, (i + 1) * V);
                float[] actual = java.util.Arrays.copyOfRange(gathered.logits, row * V, (row + 1) * V);
                assertArrayEquals(expected, actual, 1e-6f, "logits of position " + i);
                int h = config.hiddenSize();
                assertArrayEquals(java.util.Arrays.copyOfRange(full.hidden, i * h, (i + 1) * h),
                        java.util.Arrays.copyOfRange(gathered.hidden, row * h, (row + 1) * h), 1e-6f,
                        "last hidden state at position " + i);
                row++;
            }
        }
        assertEquals(row * V, gathered.logits.length, "one logit row per labelled position");
        for (String name : full.grads.keySet()) {
            float[] expected = full.grads.get(name);
            float[] actual = gathered.grads.get(name);
            for (int j = 0; j < expected.length; j++) {
                assertEquals(expected[j], actual[j], 1e-6f + 1e-4f * Math.abs(expected[j]), name + "[" + j + "]");
            }
        }
    }

    @Test
    void withoutLabelsItIsRefused() {
        try (AlbertForPreTraining model = AlbertForPreTraining.create(CONFIG, 1);
             StepArena arena = new StepArena(Backends.cpu(), 1 << 20);
             Step step = Step.inference(Backends.cpu(), arena)) {
            AlbertInputs inputs = AlbertInputs.copyOf(1, 3, new int[] {2, 7, 3}, null, null);
            var e = assertThrows(IllegalArgumentException.class, () -> model.forwardAtMaskedPositions(inputs, 0L));
            assertEquals("forwardAtMaskedPositions: inputs carry no MLM labels", e.getMessage());
            // Dense labels alone do not say which rows to gather: the positions travel with the batch.
            AlbertInputs dense = AlbertInputs.copyOf(1, 3, new int[] {2, 7, 3}, null, null, new int[] {-100, 7, -100},
                    null);
            e = assertThrows(IllegalArgumentException.class, () -> model.forwardAtMaskedPositions(dense, 0L));
            assertTrue(e.getMessage().contains("withMaskedPositions"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> inputs.withMaskedPositions(new int[] {2, 1}, new int[] {7, 7}));
            assertTrue(e.getMessage().contains("positions must increase"), e.getMessage());
        }
    }

    private record Run(float loss, float[] logits, float[] hidden, float[] pooled, Map<String, float[]> grads) {
    }

    /** GR's masked_lm_positions / masked_lm_ids of dense labels: the labelled cells in order, and their labels. */
    private static AlbertInputs maskedAt(AlbertInputs inputs, int[] labels) {
        int[] positions = IntStream.range(0, labels.length).filter(i -> labels[i] != AlbertInputs.IGNORE_INDEX)
                .toArray();
        return inputs.withMaskedPositions(positions, IntStream.of(positions).map(i -> labels[i]).toArray());
    }

    private static Run run(AlbertConfig config, int[] ids, int[] mask, int[] labels, boolean gather,
                           boolean recompute) {
        try (AlbertForPreTraining model = AlbertForPreTraining.create(config, 11);
             StepArena arena = new StepArena(Backends.cpu(), 1 << 20)) {
            model.train();
            model.enableGradients();
            model.setActivationRecomputation(recompute);
            float loss;
            float[] logits;
            float[] hidden;
            float[] pooled;
            try (Step step = Step.trainingKeepMemory(Backends.cpu(), arena)) {
                AlbertInputs inputs = AlbertInputs.copyOf(B, S, ids, mask, new int[B * S], labels, new int[] {0, 1});
                var out = gather ? model.forwardAtMaskedPositions(maskedAt(inputs, labels), 42L)
                        : model.forward(inputs, 42L);
                loss = out.loss().getFloat(0);
                Tensor predictions = out.predictionLogits();
                logits = predictions.toFloatArray();
                hidden = out.lastHiddenState().toFloatArray();
                pooled = out.poolerOutput().toFloatArray();
                step.backward(out.loss());
            }
            Map<String, float[]> grads = new LinkedHashMap<>();
            model.gradients().forEach((name, g) -> grads.put(name, g.toFloatArray()));
            return new Run(loss, logits, hidden, pooled, grads);
        }
    }
}
