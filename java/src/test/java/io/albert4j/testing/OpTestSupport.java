package io.albert4j.testing;

import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.ops.Step;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import java.util.SplittableRandom;

/** A CPU backend, an arena and random inputs for op tests. Close it in @AfterEach. */
public final class OpTestSupport implements AutoCloseable {
    public final Backend backend = Backends.cpu();
    public final StepArena arena = new StepArena(backend, 1 << 20);
    public final SplittableRandom random;

    public OpTestSupport(long seed) {
        random = new SplittableRandom(seed);
    }

    /** A training step whose arena outlives it, so results can be read after backward. */
    public Step step() {
        return Step.trainingKeepMemory(backend, arena);
    }

    public float[] randomFloats(int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    public int[] randomInts(int n, int bound) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextInt(bound);
        }
        return v;
    }

    /** An arena tensor holding {@code values}, marked as needing a gradient when {@code grad}. */
    public Tensor tensor(float[] values, boolean grad, int... shape) {
        Tensor t = arena.allocate(DType.F32, shape);
        t.copyFrom(values);
        return t.setRequiresGrad(grad);
    }

    public Tensor ints(int[] values, int... shape) {
        Tensor t = arena.allocate(DType.I32, shape);
        t.copyFrom(values);
        return t;
    }

    @Override
    public void close() {
        arena.close();
    }
}
