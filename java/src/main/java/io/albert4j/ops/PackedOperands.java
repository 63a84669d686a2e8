package io.albert4j.ops;

import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import java.util.HashMap;
import java.util.Map;
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
    /** Packing pays where a GEMM has few rows: with M rows B is reused M times, so its packing costs ~1/M. */
    private static final long MAX_ROWS = 512;
    /** A step holds at most this much in packed copies (an xxlarge block is ~0.8 GB per layout); more runs plain. */
    private static final long MAX_BYTES = 256L << 20;
    private static final AtomicLong PARAMETER_WRITES = new AtomicLong();

    record Key(Tensor weight, boolean transB) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Key key && key.weight == weight && key.transB == transB;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(weight) * 31 + (transB ? 1 : 0);
        }
    }

    private final Backend backend;
    private final StepArena arena;
    /** Copies that outlive the step (a model's inference calls), or null: then they live in the step's arena. */
    private final PackedWeightCache shared;
    private final Map<Key, Tensor> byKey = new HashMap<>();
    private long generation = PARAMETER_WRITES.get();
    private long bytes;

    PackedOperands(Backend backend, StepArena arena, PackedWeightCache shared) {
        this.backend = backend;
        this.arena = arena;
        this.shared = shared;
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
     * op(B) of {@code weight} (k x n, row-major with leading dimension {@code ldb}) packed for a GEMM of {@code rows}
     * rows, or null where that does not pay (many rows, a backend that reads plain B at full speed, the step's
     * budget for copies spent): the caller then runs a plain GEMM.
     */
    Tensor get(Tensor weight, boolean transB, long k, long n, long ldb, long rows) {
        if (shared != null) {
            return shared.get(weight, transB, k, n, ldb);  // packed once for many steps: pays at any row count
        }
        if (rows > MAX_ROWS) {
            return null;
        }
        long now = PARAMETER_WRITES.get();
        if (now != generation) {
            byKey.clear();  // the copies stay in the arena until the step ends; they are just not used again
            generation = now;
        }
        Key key = new Key(weight, transB);
        Tensor copy = byKey.get(key);
        if (copy != null) {
            return copy;
        }
        long size = backend.packedGemmBBytes(k, n);
        if (size <= 0 || bytes + size > MAX_BYTES) {
            return null;
        }
        copy = arena.allocate(DType.F32, Math.toIntExact((size + 3) / 4));
        backend.packGemmB(transB, k, n, weight, ldb, copy);
        bytes += size;
        byKey.put(key, copy);
        return copy;
    }
}
