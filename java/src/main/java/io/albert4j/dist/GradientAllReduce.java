package io.albert4j.dist;

import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sums a model's gradients over the ranks in buckets: small gradients (LayerNorms, biases, attention projections)
 * are packed into buffers and reduced in one call each, tensors of half a bucket or more are reduced in place, so a
 * step makes a few large calls instead of one per tensor. The gradients are given in the order the backward pass
 * finishes them (for a model, the reverse of its parameters' order), and buckets are consecutive runs of that
 * order: the first at most {@link #FIRST_BUCKET_BYTES} (as PyTorch DDP's, so that communication starts early),
 * the others at most {@code bucketBytes}.
 *
 * <p>Overlapped ({@code overlap}, CPU gradients, more than one rank): {@link #gradientFinal} is told, during the
 * backward pass, each parameter whose gradient is complete ({@link io.albert4j.autograd.Tape#onGradientFinal}).
 * A bucket whose gradients are all complete is packed on the training thread and reduced on a communication
 * thread while the backward goes on; buckets are launched in their order, so every rank makes the same calls in
 * the same order, and {@link #finish} launches whatever is left and waits for all of them before the optimizer
 * step. Each bucket is the same buffer reduced by the same call either way, so the sums are bitwise those of the
 * non-overlapped path. In ALBERT most of the gradient is final late: the shared block's (most of the parameters)
 * take their last contribution from the first layer application, the embeddings' (tied to the MLM decoder) from
 * the embedding lookup, the last two things the backward does; only the heads (pooler, MLM transform, SOP: about
 * 6% of ALBERT-base) are complete early.
 *
 * <p>Collectives from the training thread (a step's counts and losses) must not run while buckets are in flight:
 * call {@link #finish} first. Device gradients are reduced after the backward on the training thread (their
 * copies and NCCL calls are queued on the backend's stream, which one thread drives).
 */
public final class GradientAllReduce implements AutoCloseable {
    /** PyTorch DDP's default bucket is 25 MiB; 16 MiB keeps a host staging buffer small and the calls few. */
    public static final long DEFAULT_BUCKET_BYTES = 16L << 20;
    /** The first bucket's cap: DDP's 1 MiB, so that the gradients finished first are sent without waiting. */
    public static final long FIRST_BUCKET_BYTES = 1L << 20;

    private final Communicator communicator;
    private final List<Bucket> buckets = new ArrayList<>();
    private final Map<Tensor, Integer> bucketOf = new IdentityHashMap<>();
    private final Arena arena = Arena.ofShared();
    /** The communication thread; null when not overlapping. */
    private final ExecutorService thread;
    private final int[] notFinal;
    private final List<Future<?>> inFlight = new ArrayList<>();
    private int nextToLaunch;
    private boolean started;
    private final AtomicLong communicationNanos = new AtomicLong();
    private long blockedNanos;
    private long launchedEarly;
    private long steps;

    /** One call's worth: a tensor reduced in place, or several packed into {@code packed}. */
    private record Bucket(List<Tensor> gradients, Tensor packed) {
    }

    /** As {@link #GradientAllReduce(Communicator, List, long, boolean)}, not overlapped. */
    public GradientAllReduce(Communicator communicator, List<Tensor> gradients, long bucketBytes) {
        this(communicator, gradients, bucketBytes, false);
    }

    /**
     * @param gradients the tensors to sum, in the order the backward pass finishes them (the same on every rank)
     * @param overlap   reduce buckets during the backward pass as their gradients are complete (CPU gradients)
     */
    public GradientAllReduce(Communicator communicator, List<Tensor> gradients, long bucketBytes, boolean overlap) {
        this.communicator = communicator;
        long[] bytes = new long[gradients.size()];
        boolean allOnCpu = true;
        for (int i = 0; i < bytes.length; i++) {
            Tensor grad = gradients.get(i);
            if (grad.dtype() != DType.F32) {
                throw new IllegalArgumentException("gradient all-reduce: F32 gradients only, got " + grad.describe());
            }
            bytes[i] = grad.byteSize();
            allOnCpu &= grad.device().isCpu();
        }
        for (List<Integer> members : buckets(bytes, Math.min(FIRST_BUCKET_BYTES, bucketBytes), bucketBytes)) {
            List<Tensor> tensors = members.stream().map(gradients::get).toList();
            for (Tensor t : tensors) {
                bucketOf.put(t, buckets.size());
            }
            buckets.add(pack(tensors, members.stream().mapToLong(i -> bytes[i]).sum()));
        }
        this.notFinal = new int[buckets.size()];
        this.thread = overlap && allOnCpu && communicator.size() > 1
                ? Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "albert4j-gradient-allreduce");
                    t.setDaemon(true);
                    return t;
                })
                : null;
    }

    /**
     * How tensors of {@code bytes} are grouped, as lists of consecutive indices: one of at least half its bucket's
     * cap alone, runs of smaller ones together, up to {@code firstBucketBytes} for the first bucket and {@code
     * bucketBytes} for the others.
     */
    public static List<List<Integer>> buckets(long[] bytes, long firstBucketBytes, long bucketBytes) {
        List<List<Integer>> buckets = new ArrayList<>();
        List<Integer> pending = new ArrayList<>();
        long pendingBytes = 0;
        for (int i = 0; i < bytes.length; i++) {
            long cap = buckets.isEmpty() ? firstBucketBytes : bucketBytes;
            if (bytes[i] >= cap / 2) {
                if (!pending.isEmpty()) {
                    buckets.add(pending);
                    pending = new ArrayList<>();
                    pendingBytes = 0;
                }
                buckets.add(List.of(i));
                continue;
            }
            if (pendingBytes + bytes[i] > cap) {
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

    /** Whether buckets are reduced during the backward pass. */
    public boolean overlaps() {
        return thread != null;
    }

    /**
     * Begins a step's reduction: call before the backward pass that completes the gradients (the last micro-batch's),
     * and tell its tape to call {@link #gradientFinal}.
     */
    public void start() {
        for (int b = 0; b < buckets.size(); b++) {
            notFinal[b] = buckets.get(b).gradients().size();
        }
        nextToLaunch = 0;
        inFlight.clear();
        started = true;
    }

    /**
     * {@code parameter}'s gradient is complete: launches every bucket, in order, whose gradients now all are. Other
     * tensors are ignored, and so is every call when not overlapping.
     */
    public void gradientFinal(Tensor parameter) {
        if (thread == null || !started || parameter.grad() == null) {
            return;
        }
        Integer b = bucketOf.get(parameter.grad());
        if (b == null) {
            return;
        }
        notFinal[b]--;
        long start = System.nanoTime();
        while (nextToLaunch < buckets.size() && notFinal[nextToLaunch] <= 0) {
            launch(nextToLaunch++);
            launchedEarly++;
        }
        blockedNanos += System.nanoTime() - start;  // packing, on the training thread
    }

    /** Sums every gradient over the ranks, in place: launches the buckets not yet launched and waits for all. */
    public void finish() {
        if (communicator.size() == 1) {
            started = false;
            return;
        }
        if (!started) {
            start();
        }
        long start = System.nanoTime();
        while (nextToLaunch < buckets.size()) {
            launch(nextToLaunch++);
        }
        try {
            for (Future<?> call : inFlight) {
                call.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the gradient all-reduce", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(String.valueOf(e.getCause().getMessage()), e.getCause());
        } finally {
            inFlight.clear();
            started = false;
        }
        for (Bucket bucket : buckets) {
            unpack(bucket);
        }
        blockedNanos += System.nanoTime() - start;
        steps++;
    }

    /** Sums every gradient over the ranks now, in place (after the backward pass). */
    public void run() {
        start();
        finish();
    }

    private void launch(int b) {
        Bucket bucket = buckets.get(b);
        Tensor target = bucket.gradients().getFirst();
        if (bucket.packed() != null) {
            Backend backend = Backends.get(bucket.packed().device());
            int offset = 0;
            for (Tensor grad : bucket.gradients()) {
                int n = Math.toIntExact(grad.numel());
                backend.copy(grad.view(n), bucket.packed().slice(offset, offset + n));
                offset += n;
            }
            target = bucket.packed();
        }
        if (thread == null) {
            long start = System.nanoTime();
            communicator.allReduceSum(target);
            communicationNanos.addAndGet(System.nanoTime() - start);
            return;
        }
        Tensor values = target;
        inFlight.add(thread.submit(() -> {
            long t0 = System.nanoTime();
            communicator.allReduceSum(values);
            communicationNanos.addAndGet(System.nanoTime() - t0);
        }));
    }

    private static void unpack(Bucket bucket) {
        if (bucket.packed() == null) {
            return;
        }
        Backend backend = Backends.get(bucket.packed().device());
        int offset = 0;
        for (Tensor grad : bucket.gradients()) {
            int n = Math.toIntExact(grad.numel());
            backend.copy(bucket.packed().slice(offset, offset + n), grad.view(n));
            offset += n;
        }
    }

    /** Buckets of the current step launched so far (for tests). */
    int launched() {
        return nextToLaunch;
    }

    /** How many reductions a step makes. */
    public int bucketCount() {
        return buckets.size();
    }

    /**
     * Mean time a step's training thread spent on the reduction so far (packing, calls, waiting), in seconds; NaN
     * before the first. Without overlap this is the whole reduction; with it, what the backward did not hide.
     */
    public double meanSeconds() {
        return steps == 0 ? Double.NaN : blockedNanos / 1e9 / steps;
    }

    /** Mean time a step's collectives took, on whichever thread ran them, in seconds; NaN before the first. */
    public double meanCommunicationSeconds() {
        return steps == 0 ? Double.NaN : communicationNanos.get() / 1e9 / steps;
    }

    /** Mean number of buckets a step launched during the backward pass (0 without overlap). */
    public double meanBucketsLaunchedEarly() {
        return steps == 0 ? Double.NaN : (double) launchedEarly / steps;
    }

    @Override
    public void close() {
        if (thread != null) {
            thread.shutdownNow();
        }
        arena.close();
    }
}
