package io.albert4j.dist;

import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * Sums a model's gradients over the ranks in buckets: small gradients (LayerNorms, biases, attention projections)
 * are packed into buffers of at most {@code bucketBytes} and reduced in one call each, tensors of half a bucket or
 * more are reduced in place, so a step makes a few large calls instead of one per tensor. ALBERT-base's
 * pretraining model has 32 gradient tensors (11.8M floats) and makes 4 calls with 16 MiB buckets.
 *
 * <p>Not overlapped with the backward pass: in ALBERT the shared block's gradients (most of the parameters) and
 * the embeddings' (tied to the MLM decoder) take their last contribution from the first layer and the embedding
 * lookup, the last two things the backward does; only the heads' gradients (pooler, MLM transform, SOP: about 6%
 * of ALBERT-base) are final any earlier. So the reduction runs after the backward, on the gradient buffers as they
 * are.
 */
public final class GradientAllReduce implements AutoCloseable {
    /** PyTorch DDP's default bucket is 25 MiB; 16 MiB keeps a host staging buffer small and the calls few. */
    public static final long DEFAULT_BUCKET_BYTES = 16L << 20;

    private final Communicator communicator;
    private final List<Bucket> buckets = new ArrayList<>();
    private final Arena arena = Arena.ofShared();
    private long nanos;
    private long calls;

    /** One call's worth: a tensor reduced in place, or several packed into {@code packed}. */
    private record Bucket(List<Tensor> gradients, Tensor packed) {
    }

    /** @param gradients the tensors to sum, in a fixed order that is the same on every rank */
    public GradientAllReduce(Communicator communicator, List<Tensor> gradients, long bucketBytes) {
        this.communicator = communicator;
        long[] bytes = new long[gradients.size()];
        for (int i = 0; i < bytes.length; i++) {
            Tensor grad = gradients.get(i);
            if (grad.dtype() != DType.F32) {
                throw new IllegalArgumentException("gradient all-reduce: F32 gradients only, got " + grad.describe());
            }
            bytes[i] = grad.byteSize();
        }
        for (List<Integer> members : buckets(bytes, bucketBytes)) {
            List<Tensor> tensors = members.stream().map(gradients::get).toList();
            buckets.add(pack(tensors, members.stream().mapToLong(i -> bytes[i]).sum()));
        }
    }

    /**
     * How tensors of {@code bytes} are grouped, as lists of indices: one of at least half a bucket alone, the
     * smaller ones together in their order, up to {@code bucketBytes} a bucket.
     */
    public static List<List<Integer>> buckets(long[] bytes, long bucketBytes) {
        List<List<Integer>> buckets = new ArrayList<>();
        List<Integer> pending = new ArrayList<>();
        long pendingBytes = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] >= bucketBytes / 2) {
                buckets.add(List.of(i));
                continue;
            }
            if (pendingBytes + bytes[i] > bucketBytes) {
                buckets.add(pending);
                pending = new ArrayList<>();
                pendingBytes = 0;
            }
            pending.add(i);
            pendingBytes += bytes[i];
        }
        if (!pending.isEmpty()) {
            buckets.add(pending);
        }
        return buckets;
    }

    private Bucket pack(List<Tensor> gradients, long bytes) {
        if (gradients.size() == 1) {
            return new Bucket(List.copyOf(gradients), null);
        }
        Tensor first = gradients.getFirst();
        Backend backend = Backends.get(first.device());
        Tensor packed = new Tensor(backend.allocate(bytes, arena), DType.F32, first.device(),
                Math.toIntExact(bytes / DType.F32.byteSize()));
        return new Bucket(List.copyOf(gradients), packed);
    }

    /** Sums every gradient over the ranks, in place. */
    public void run() {
        if (communicator.size() == 1) {
            return;
        }
        long start = System.nanoTime();
        for (Bucket bucket : buckets) {
            if (bucket.packed() == null) {
                communicator.allReduceSum(bucket.gradients().getFirst());
                continue;
            }
            Backend backend = Backends.get(bucket.packed().device());
            int offset = 0;
            for (Tensor grad : bucket.gradients()) {
                int n = Math.toIntExact(grad.numel());
                backend.copy(grad.view(n), bucket.packed().slice(offset, offset + n));
                offset += n;
            }
            communicator.allReduceSum(bucket.packed());
            offset = 0;
            for (Tensor grad : bucket.gradients()) {
                int n = Math.toIntExact(grad.numel());
                backend.copy(bucket.packed().slice(offset, offset + n), grad.view(n));
                offset += n;
            }
        }
        nanos += System.nanoTime() - start;
        calls++;
    }

    /** How many reductions a {@link #run} makes. */
    public int bucketCount() {
        return buckets.size();
    }

    /** Mean wall time of a {@link #run} so far, in seconds (NaN before the first). */
    public double meanSeconds() {
        return calls == 0 ? Double.NaN : nanos / 1e9 / calls;
    }

    @Override
    public void close() {
        arena.close();
    }
}
