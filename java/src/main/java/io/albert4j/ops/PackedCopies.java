package io.albert4j.ops;

import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import java.util.HashMap;
import java.util.List;
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

    /** Identity of the tensors (not their values) a stack is made of, in order. */
    private record StackKey(List<Tensor> parts) {
        @Override
        public boolean equals(Object other) {
            if (!(other instanceof StackKey key) || key.parts.size() != parts.size()) {
                return false;
            }
            for (int i = 0; i < parts.size(); i++) {
                if (key.parts.get(i) != parts.get(i)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            int h = 1;
            for (Tensor t : parts) {
                h = h * 31 + System.identityHashCode(t);
            }
            return h;
        }
    }

    private final Backend backend;
    private final StepArena arena;
    private final long maxBytes;
    private final Map<Key, Tensor> byKey = new HashMap<>();
    private final Map<StackKey, Tensor> stacks = new HashMap<>();
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

    /**
     * The F32 tensors {@code parts} (equal shapes but for dim 0) stacked along dim 0 into one, from an earlier call
     * or now; null where the budget is spent. The same parts give the same tensor object, so its packed copies are
     * made once too.
     */
    Tensor stack(Tensor[] parts) {
        StackKey key = new StackKey(List.of(parts));
        Tensor stacked = stacks.get(key);
        if (stacked != null) {
            return stacked;
        }
        int[] shape = stackedShape(parts);
        long size = Tensor.numelOf(shape) * DType.F32.byteSize();
        if (bytes + size > maxBytes) {
            return null;
        }
        stacked = arena.allocate(DType.F32, shape);
        copyStacked(backend, parts, stacked);
        bytes += size;
        stacks.put(key, stacked);
        return stacked;
    }

    /** The shape of {@code parts} stacked along dim 0. */
    static int[] stackedShape(Tensor[] parts) {
        int[] shape = parts[0].shape();
        shape[0] = 0;
        for (Tensor part : parts) {
            shape[0] += part.dim(0);
        }
        return shape;
    }

    /** Copies {@code parts} one after the other into {@code stacked} (of {@link #stackedShape}). */
    static void copyStacked(Backend backend, Tensor[] parts, Tensor stacked) {
        long offset = 0;
        for (Tensor part : parts) {
            backend.copy(part, new Tensor(stacked.data().asSlice(offset, part.byteSize()), DType.F32, part.device(),
                    part.shape()));
            offset += part.byteSize();
        }
    }

    /** Forgets every copy (they stay in the arena until its owner resets it). */
    void clear() {
        byKey.clear();
        stacks.clear();
        bytes = 0;
    }

    long bytes() {
        return bytes;
    }
}
