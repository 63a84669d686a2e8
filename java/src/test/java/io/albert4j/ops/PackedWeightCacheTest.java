package io.albert4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.backend.KernelProfile;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Packed weights shared by many inference steps: packed once, refreshed after a parameter change, safe to share. */
class PackedWeightCacheTest {
    private static final int ROWS = 16, IN = 96, OUT = 80;
    private final SplittableRandom random = new SplittableRandom(5);

    private float[] randomFloats(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return v;
    }

    private static float[] linear(Backend backend, StepArena arena, PackedWeightCache cache, Tensor x, Tensor w,
                                  Tensor b) {
        try (Step step = cache == null ? Step.inference(backend, arena) : Step.inference(backend, arena, cache)) {
            return Ops.linear(x, w, b).toFloatArray();
        }
    }

    private static long packCalls(KernelProfile profile) {
        return profile.entries().stream().filter(e -> e.kernel().equals("packGemmB")).mapToLong(e -> e.calls()).sum();
    }

    @Test
    void stepsShareOneCopyAndGetThePlainProduct() {
        KernelProfile profile = new KernelProfile();
        Backend backend = profile.wrap(Backends.cpu());
        try (StepArena arena = new StepArena(backend, 1 << 20); PackedWeightCache cache = new PackedWeightCache(backend);
             Tensor x = Tensor.ofFloats(randomFloats(ROWS * IN), ROWS, IN);
             Tensor w = Tensor.ofFloats(randomFloats(OUT * IN), OUT, IN); Tensor b = Tensor.ofFloats(randomFloats(OUT), OUT)) {
            float[] perStep = linear(backend, arena, null, x, w, b);
            long packedPerStep = packCalls(profile);
            assertEquals(1, packedPerStep, "a step without the cache packs the weight itself");
            for (int call = 0; call < 3; call++) {
                assertArrayEquals(perStep, linear(backend, arena, cache, x, w, b), "call " + call);
            }
            assertEquals(packedPerStep + 1, packCalls(profile), "three steps with the cache pack the weight once");
            assertTrue(cache.bytes() >= 4L * OUT * IN, "holds the packed copy: " + cache.bytes() + " bytes");
        }
    }

    @Test
    void aParameterChangeIsSeenByTheNextStep() {
        Backend backend = Backends.cpu();
        try (StepArena arena = new StepArena(backend, 1 << 20); PackedWeightCache cache = new PackedWeightCache(backend);
             Tensor x = Tensor.ofFloats(randomFloats(ROWS * IN), ROWS, IN);
             Tensor w = Tensor.ofFloats(randomFloats(OUT * IN), OUT, IN);
             Tensor other = Tensor.ofFloats(randomFloats(OUT * IN), OUT, IN)) {
            float[] before = linear(backend, arena, cache, x, w, null);
            backend.copy(other, w);
            Step.parametersChanged();  // what the optimizer and parameter loading call after writing weights
            float[] after = linear(backend, arena, cache, x, w, null);
            assertArrayEquals(linear(backend, arena, null, x, w, null), after, "the new weight's product");
            assertTrue(!java.util.Arrays.equals(before, after), "the weight did change");
        }
    }

    @Test
    void stackedWeightsAreStackedOncePerModelAndRestackedAfterAParameterChange() {
        Backend backend = Backends.cpu();
        try (StepArena arena = new StepArena(backend, 1 << 20); PackedWeightCache cache = new PackedWeightCache(backend);
             Tensor x = Tensor.ofFloats(randomFloats(ROWS * IN), ROWS, IN);
             Tensor w1 = Tensor.ofFloats(randomFloats(OUT * IN), OUT, IN);
             Tensor w2 = Tensor.ofFloats(randomFloats(OUT * IN), OUT, IN);
             Tensor other = Tensor.ofFloats(randomFloats(OUT * IN), OUT, IN)) {
            Tensor[] parts = {w1, w2};
            Tensor first;
            float[] before;
            try (Step step = Step.inference(backend, arena, cache)) {
                first = step.stackedWeight(parts);
                before = Ops.linearStacked(x, parts, null).toFloatArray();
            }
            try (Step step = Step.inference(backend, arena, cache)) {
                assertTrue(first == step.stackedWeight(parts), "a later inference step reuses the model's stack");
            }
            backend.copy(other, w2);
            Step.parametersChanged();
            try (Step step = Step.inference(backend, arena, cache)) {
                Tensor restacked = step.stackedWeight(parts);
                assertTrue(restacked != first, "a parameter change makes a new stack");
                float[] after = Ops.linearStacked(x, parts, null).toFloatArray();
                float[] expected = new float[ROWS * 2 * OUT];
                float[] y1 = linear(backend, arena, null, x, w1, null);
                float[] y2 = linear(backend, arena, null, x, w2, null);
                for (int r = 0; r < ROWS; r++) {
                    System.arraycopy(y1, r * OUT, expected, r * 2 * OUT, OUT);
                    System.arraycopy(y2, r * OUT, expected, r * 2 * OUT + OUT, OUT);
                }
                assertArrayEquals(expected, after, 1e-5f, "the new weight's product, side by side with the first");
                assertTrue(!java.util.Arrays.equals(before, after), "the weight did change");
            }
        }
    }

    @Test
    void concurrentStepsAgreeWithSequentialOnes() throws Exception {
        Backend backend = Backends.cpu();
        try (PackedWeightCache cache = new PackedWeightCache(backend);
             Tensor x = Tensor.ofFloats(randomFloats(ROWS * IN), ROWS, IN);
             Tensor w = Tensor.ofFloats(randomFloats(OUT * IN), OUT, IN); Tensor b = Tensor.ofFloats(randomFloats(OUT), OUT)) {
            float[] expected;
            try (StepArena arena = new StepArena(backend, 1 << 20)) {
                expected = linear(backend, arena, null, x, w, b);
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> calls = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    calls.add(pool.submit(() -> {
                        try (StepArena arena = new StepArena(backend, 1 << 20)) {
                            for (int i = 0; i < 20; i++) {
                                assertArrayEquals(expected, linear(backend, arena, cache, x, w, b));
                            }
                        }
                    }));
                }
                for (Future<?> call : calls) {
                    call.get();
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void closingWhileAStepReadsItFailsAndLeavesItUsable() {
        Backend backend = Backends.cpu();
        PackedWeightCache cache = new PackedWeightCache(backend);
        try (StepArena arena = new StepArena(backend, 1 << 20);
             Tensor x = Tensor.ofFloats(randomFloats(ROWS * IN), ROWS, IN);
             Tensor w = Tensor.ofFloats(randomFloats(OUT * IN), OUT, IN)) {
            try (Step step = Step.inference(backend, arena, cache)) {
                Ops.linear(x, w, null);
                var open = assertThrows(IllegalStateException.class, cache::close);
                assertTrue(open.getMessage().contains("1 inference step"), open.getMessage());
            }
            cache.close();
            var closed = assertThrows(IllegalStateException.class, () -> Step.inference(backend, arena, cache));
            assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        }
    }
}
