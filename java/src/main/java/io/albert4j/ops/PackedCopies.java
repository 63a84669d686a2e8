package io.albert4j.ops;

import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import java.util.HashMap;
import java.util.Map;

/**
 * Weights packed into the CPU GEMM's layout ({@link Backend#packGemmB}), one copy per weight and layout, carved
 * from one arena within a byte budget: the store under both {@link PackedOperands} (one step) and
 * {@link PackedWeightCache} (a model's inference calls). Not thread-safe; its owners guard it.
 */
final class PackedCopies {
    /** Identity of the weight tensor (not its values) and the layout it is packed in. */
    private record Key(Tensor weight, boolean transB) {
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
    private final long maxBytes;
    private final Map<Key, Tensor> byKey = new HashMap<>();
    private long bytes;

    PackedCopies(Backend backend, StepArena arena, long maxBytes) {
        this.backend = backend;
        this.arena = arena;
        this.maxBytes = maxBytes;
    }

    /**
     * op(B) of {@code weight} (k x n, row-major with leading dimension {@code ldb}) packed, from an earlier call or
     * now; null where the backend reads plain B at full speed or the budget is spent.
     */
    Tensor get(Tensor weight, boolean transB, long k, long n, long ldb) {
        Key key = new Key(weight, transB);
        Tensor copy = byKey.get(key);
        if (copy != null) {
            return copy;
        }
        long size = backend.packedGemmBBytes(k, n);
        if (size <= 0 || bytes + size > maxBytes) {
            return null;
        }
        copy = arena.allocate(DType.F32, Math.toIntExact((size + 3) / 4));
        backend.packGemmB(transB, k, n, weight, ldb, copy);
        bytes += size;
        byKey.put(key, copy);
        return copy;
    }

    /** Forgets every copy (they stay in the arena until its owner resets it). */
    void clear() {
        byKey.clear();
        bytes = 0;
    }

    long bytes() {
        return bytes;
    }
}
