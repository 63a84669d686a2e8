package io.albert4j.albert;

import io.albert4j.backend.Backends;
import io.albert4j.ops.Step;
import io.albert4j.tensor.StepArena;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ActivationRecomputationTest {
    private static final int B = 2;
    private static final int S = 9;

    @Test
    void recomputedLayersGiveBitwiseTheLossAndGradientsOfStoredActivationsWithDropout() {
        AlbertConfig config = AlbertConfig.builder().vocabSize(50).embeddingSize(8).hiddenSize(16)
                .numHiddenLayers(3).numHiddenGroups(1).numAttentionHeads(2).intermediateSize(24)
                .maxPositionEmbeddings(16).hiddenDropoutProb(0.2f).attentionProbsDropoutProb(0.2f).build();
        Run stored = run(config, false);
        Run recomputed = run(config, true);
        assertEquals(stored.loss, recomputed.loss);
        for (String name : stored.grads.keySet()) {
            assertArrayEquals(stored.grads.get(name), recomputed.grads.get(name), name);
        }
        assertTrue(recomputed.peakBytes < stored.peakBytes, "step arena high-water mark (the recomputed layer lives in its own scratch arena) " + recomputed.peakBytes
                + " with recomputation vs " + stored.peakBytes + " without");
    }

    private record Run(float loss, Map<String, float[]> grads, long peakBytes) {
    }

    private static Run run(AlbertConfig config, boolean recompute) {
        SplittableRandom random = new SplittableRandom(3);
        int[] ids = random.ints(B * S, 5, 50).toArray();
        int[] mask = new int[B * S];
        int[] labels = new int[B * S];
        for (int i = 0; i < B * S; i++) {
            mask[i] = i % S < S - 2 || i < S ? 1 : 0;
            labels[i] = i % 3 == 0 ? ids[i] : AlbertInputs.IGNORE_INDEX;
        }
        try (AlbertForPreTraining model = AlbertForPreTraining.create(config, 11);
             StepArena arena = new StepArena(Backends.cpu(), 1 << 20)) {
            model.train();
            model.enableGradients();
            model.setActivationRecomputation(recompute);
            float loss;
            try (Step step = Step.trainingKeepMemory(Backends.cpu(), arena)) {
                var out = model.forward(AlbertInputs.copyOf(B, S, ids, mask, new int[B * S], labels, new int[] {0, 1}),
                        42L);
                loss = out.loss().getFloat(0);
                step.backward(out.loss());
            }
            long peak = arena.highWaterBytes();
            Map<String, float[]> grads = new LinkedHashMap<>();
            model.gradients().forEach((name, g) -> grads.put(name, g.toFloatArray()));
            return new Run(loss, grads, peak);
        }
    }
}
