package io.albert4j.ops;

import io.albert4j.backend.Backends;
import io.albert4j.autograd.NoGrad;
import io.albert4j.autograd.Tape;
import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;

/**
 * The scope of one forward (and backward) pass on one thread: which backend runs the ops, the arena their
 * outputs come from, and the tape that records them when gradients are wanted.
 *
 * <pre>{@code
 * try (Step step = Step.training(backend, arena)) {
 *     Tensor loss = model.forward(batch).loss();
 *     step.backward(loss);
 *     optimizer.step();
 * }   // every activation of the step is freed here
 * }</pre>
 *
 * Steps are per thread, so concurrent inference callers each open their own with their own arena.
 */
public final class Step implements AutoCloseable {
    private static final ThreadLocal<Step> CURRENT = new ThreadLocal<>();

    private final Backend backend;
    private final StepArena arena;
    private final Tape tape;
    private final Step previous;
    private PackedOperands packedOperands;
    private final boolean resetArenaOnClose;
    private final PackedWeightCache packedWeightCache;
    private long dropoutCounter;
    private boolean closed;

    private Step(Backend backend, StepArena arena, boolean trackGradients, boolean resetArenaOnClose,
                 PackedWeightCache packedWeightCache) {
        if (!arena.device().equals(backend.device())) {
            throw new IllegalArgumentException("Step: arena on " + arena.device() + " but backend on " + backend.device());
        }
        this.backend = backend;
        this.arena = arena;
        this.tape = trackGradients ? new Tape(backend, arena) : null;
        this.resetArenaOnClose = resetArenaOnClose;
        this.packedWeightCache = packedWeightCache;
        if (packedWeightCache != null) {
            packedWeightCache.stepOpened();
        }
        this.packedOperands = new PackedOperands(backend, arena, packedWeightCache);
        this.previous = CURRENT.get();
        CURRENT.set(this);
    }

    /** A step that records gradients; the arena is reset when it closes. */
    public static Step training(Backend backend, StepArena arena) {
        return new Step(backend, arena, true, true, null);
    }

    /** A step without a tape (ops record nothing); the arena is reset when it closes. */
    public static Step inference(Backend backend, StepArena arena) {
        return new Step(backend, arena, false, true, null);
    }

    /**
     * An inference step whose GEMMs take packed weights from {@code packedWeights}, which outlives it (a model's
     * cache for all its inference calls), instead of packing them in this step.
     */
    public static Step inference(Backend backend, StepArena arena, PackedWeightCache packedWeights) {
        return new Step(backend, arena, false, true, packedWeights);
    }

    /** Like {@link #training} but leaves the arena alone on close (the caller resets it), e.g. for tests. */
    public static Step trainingKeepMemory(Backend backend, StepArena arena) {
        return new Step(backend, arena, true, false, null);
    }

    /**
     * A step nested in this one (same backend, its own arena and tape) whose dropout counters start at
     * {@code randomStart}: activation recomputation replays a layer with exactly the masks of its first run.
     */
    public Step nested(StepArena scratch, boolean trackGradients, long randomStart) {
        Step inner = new Step(backend, scratch, trackGradients, true, null);
        inner.dropoutCounter = randomStart;
        inner.packedOperands = packedOperands;  // same weights; the copies live in this step's arena, which outlives it
        return inner;
    }

    /** Where the next {@link #reserveRandom} range starts. */
    public long randomPosition() {
        return dropoutCounter;
    }

    /** Moves the dropout counter forward to {@code position} (after a nested step used the ranges before it). */
    public void skipRandomTo(long position) {
        if (position < dropoutCounter) {
            throw new IllegalArgumentException("Step: random position may only move forward: " + dropoutCounter
                    + " -> " + position);
        }
        dropoutCounter = position;
    }

    /**
     * {@code weight}'s op(B) packed once for this step's GEMMs, or null where a plain GEMM is as fast (see
     * {@link PackedOperands}).
     */
    Tensor packedWeight(Tensor weight, boolean transB, long k, long n, long ldb) {
        return packedOperands.get(weight, transB, k, n, ldb);
    }

    /**
     * {@code parts} (F32, equal shapes but for dim 0) stacked along dim 0: the same tensor for the same parts within
     * this step (see {@link PackedOperands#stack}); past the packed copies' budget, a fresh stack each call.
     */
    Tensor stackedWeight(Tensor... parts) {
        Tensor stacked = packedOperands.stack(parts);
        if (stacked != null) {
            return stacked;
        }
        stacked = allocate(DType.F32, PackedCopies.stackedShape(parts));
        PackedCopies.copyStacked(backend, parts, stacked);
        return stacked;
    }

    /**
     * Call after writing parameter values while a step may be open (an optimizer update, loading weights): the
     * packed copies of weights that steps keep for their GEMMs are then made afresh. Parameters are otherwise
     * read-only inside a step.
     */
    public static void parametersChanged() {
        PackedOperands.parametersChanged();
    }

    /** The innermost open step of this thread. */
    public static Step current() {
        Step step = CURRENT.get();
        if (step == null) {
            throw new IllegalStateException("no open Step on this thread: run ops inside "
                    + "try (Step step = Step.training(backend, arena)) { ... } or Step.inference(...)");
        }
        return step;
    }

    public Backend backend() {
        return backend;
    }

    public StepArena arena() {
        return arena;
    }

    /** The tape, or null in an inference step. */
    public Tape tape() {
        return tape;
    }

    public Tensor allocate(DType dtype, int... shape) {
        return arena.allocate(dtype, shape);
    }

    public Tensor allocateZeroed(DType dtype, int... shape) {
        return arena.allocateZeroed(dtype, shape);
    }

    /** An I32 tensor of this step holding a copy of {@code values} (through a host buffer on a device). */
    public Tensor upload(int[] values, int... shape) {
        Tensor t = arena.allocate(DType.I32, shape);
        if (values.length != t.numel()) {
            throw new IllegalArgumentException("upload: " + values.length + " values do not fill shape "
                    + java.util.Arrays.toString(shape));
        }
        Backends.upload(backend, values, t);
        return t;
    }

    /** True when an op on these inputs must record its backward. */
    public boolean recording(Tensor... inputs) {
        return tape != null && Tape.needsGrad(inputs);
    }

    /** Records {@code backward} if {@link #recording} says so. */
    public void record(String op, Tensor output, Tape.Backward backward, Tensor... inputs) {
        if (recording(inputs)) {
            tape.record(op, output, backward, inputs);
        }
    }

    /** A fresh RNG counter range of {@code n} values for dropout masks, so two dropouts in a step never share bits. */
    public long reserveRandom(long n) {
        long start = dropoutCounter;
        dropoutCounter += n;
        return start;
    }

    public void backward(Tensor loss) {
        if (tape == null) {
            throw new IllegalStateException("backward: this is an inference Step; use Step.training(...)");
        }
        if (NoGrad.isActive()) {
            throw new IllegalStateException("backward called inside a NoGrad scope");
        }
        tape.backward(loss);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (CURRENT.get() == this) {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        }
        try {
            if (resetArenaOnClose) {
                arena.reset();
            }
        } finally {
            if (packedWeightCache != null) {
                packedWeightCache.stepClosed();
            }
        }
    }
}
