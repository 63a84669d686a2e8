package io.albert4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.albert.AlbertConfig;
import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.albert.AlbertInputs;
import io.albert4j.backend.Backends;
import io.albert4j.ops.Step;
import io.albert4j.train.Lamb;
import io.albert4j.train.OptimizerConfig;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The step arena settles on one slab, so a training loop allocates nothing per step once it is warm. */
class StepArenaTest {
    @Test
    void overflowingSlabsMergeIntoOneAtTheNextReset() {
        try (StepArena arena = new StepArena(Backends.cpu(), 1 << 20)) {
            for (int i = 0; i < 5; i++) {
                arena.allocate(DType.F32, 128 * 1024);  // 512 KiB each: 2.5 MiB in a 1 MiB slab
            }
            assertTrue(arena.capacityBytes() >= arena.highWaterBytes(), "slabs hold the generation");
            arena.reset();
            long settled = arena.capacityBytes();
            assertTrue(settled >= arena.highWaterBytes(), "one slab as large as the high-water mark: " + settled);
            for (int step = 0; step < 3; step++) {
                for (int i = 0; i < 5; i++) {
                    arena.allocate(DType.F32, 128 * 1024);
                }
                arena.reset();
                assertEquals(settled, arena.capacityBytes(), "no slab added at step " + step);
            }
        }
    }

    @Test
    void aTensorKeptPastResetFailsOnUse() {
        try (StepArena arena = new StepArena(Backends.cpu(), 1 << 20)) {
            Tensor kept = arena.allocate(DType.F32, 4);
            arena.reset();
            assertThrows(IllegalStateException.class, kept::toFloatArray);
        }
    }

    @Test
    void aWarmTrainingLoopNeverGrowsTheArena() {
        AlbertConfig config = AlbertConfig.builder().vocabSize(300).embeddingSize(16).hiddenSize(32)
                .numHiddenLayers(2).numAttentionHeads(2).intermediateSize(64).maxPositionEmbeddings(32).build();
        int batch = 4, seq = 16;
        int[] ids = new int[batch * seq], ones = new int[batch * seq], labels = new int[batch * seq];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 5 + (i * 37) % 290;
            labels[i] = i % 6 == 1 ? ids[i] : AlbertInputs.IGNORE_INDEX;
        }
        Arrays.fill(ones, 1);
        int[] positions = IntStream.range(0, labels.length).filter(i -> labels[i] != AlbertInputs.IGNORE_INDEX)
                .toArray();
        int[] targets = IntStream.of(positions).map(i -> labels[i]).toArray();
        try (AlbertForPreTraining model = AlbertForPreTraining.create(config, 7);
             StepArena arena = new StepArena(model.backend(), 1 << 20);
             Lamb lamb = new Lamb(model.namedParameters(), OptimizerConfig.defaults(), model.backend())) {
            model.train();
            model.enableGradients();
            long warm = -1;
            for (int step = 0; step < 30; step++) {
                try (Step training = Step.training(model.backend(), arena)) {
                    AlbertInputs inputs = AlbertInputs.copyOf(batch, seq, ids, ones, new int[batch * seq], null,
                            new int[batch]).withMaskedPositions(positions, targets);
                    training.backward(model.forwardAtMaskedPositions(inputs, step).loss());
                }
                lamb.step(1e-3f);
                model.zeroGradients();
                if (step == 2) {
                    warm = arena.capacityBytes();
                }
                if (step > 2) {
                    assertEquals(warm, arena.capacityBytes(), "the arena grew at step " + step);
                }
            }
            assertTrue(warm >= arena.highWaterBytes(), "one slab holds a whole step");
        }
    }
}
