package io.albert4j.ops;

import io.albert4j.backend.Backend;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Weights packed once per step into the layout the CPU GEMM reads ({@link Backend#packGemmB}), for all the GEMMs of
 * the step that multiply by them. ALBERT applies one block 12–24 times per pass, so its weights are packed once
 * instead of in every layer's forward and backward GEMM; at small batches (one 128-token request) that packing is
 * a large share of each GEMM.
 *
 * <p>A packed copy is only valid while the weight is unchanged. Weights change between steps (the optimizer), so
 * the copies live in the step's arena and die with it; writers that may run inside an open step (an optimizer
 * update, loading parameters) call {@link #parametersChanged()}, after which every cache starts afresh.
 */
final class PackedOperands {
    /** A step holds at most this much in packed copies (an xxlarge block is ~0.8 GB per layout); more runs plain. */
    private static final long MAX_BYTES = 256L << 20;
    private static final AtomicLong PARAMETER_WRITES = new AtomicLong();

    /** Copies that outlive the step (a model's inference calls), or null: then they live in the step's arena. */
    private final PackedWeightCache shared;
    private final PackedCopies copies;
    private long generation = PARAMETER_WRITES.get();

    PackedOperands(Backend backend, StepArena arena, PackedWeightCache shared) {
        this.shared = shared;
        this.copies = new PackedCopies(backend, arena, MAX_BYTES);
    }

    /** How many times parameters have changed so far; a packed copy made under another count is stale. */
    static long generation() {
        return PARAMETER_WRITES.get();
    }

    /** Tells every step's cache that some parameter's values changed: packed copies made before are stale. */
    static void parametersChanged() {
        PARAMETER_WRITES.incrementAndGet();
    }

    /**
     * op(B) of {@code weight} (k x n, row-major with leading dimension {@code ldb}) packed, or null where that does not
     * pay (a backend that reads plain B at full speed, the step's budget for copies spent): the caller then runs a
     * plain GEMM. At any row count: a plain GEMM packs B in column blocks and packs A again for each, so even at
     * 1024 rows (a b8×s128 training step) a GEMM on a B packed before ran 8-13% faster on the AVX2 kernels.
     */
    Tensor get(Tensor weight, boolean transB, long k, long n, long ldb) {
        if (shared != null) {
            return shared.get(weight, transB, k, n, ldb);  // packed once for many steps
        }
        refresh();
        return copies.get(weight, transB, k, n, ldb);
    }

    /**
     * {@code parts} stacked along dim 0, made once per step (or once for many inference steps) so that every
     * application of a shared layer multiplies by the same tensor and its packed copies are made once; null past the
     * budget.
     */
    Tensor stack(Tensor[] parts) {
        if (shared != null) {
            return shared.stack(parts);
        }
        refresh();
        return copies.stack(parts);
    }

    private void refresh() {
        long now = PARAMETER_WRITES.get();
        if (now != generation) {
            copies.clear();  // the copies stay in the arena until the step ends; they are just not used again
            generation = now;
        }
    }
}
