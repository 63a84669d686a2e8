package io.albert4j.ops;

import io.albert4j.backend.Backend;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;

/**
 * Weights packed for the CPU GEMM once for many inference steps: a model keeps one for its inference calls, so a
 * served model packs each shared block once, not once per request (at one 128-token request the packing is ~5% of
 * the forward). Steps opened with {@link Step#inference(Backend, StepArena, PackedWeightCache)} read it; any number
 * may do so concurrently.
 *
 * <p>Copies are valid while no parameter changed ({@link Step#parametersChanged()}); after a change the cache starts
 * afresh, and frees the old copies as soon as no step that may still read them is open.
 */
public final class PackedWeightCache implements AutoCloseable {
    /** As {@link PackedOperands}': an xxlarge block is ~0.8 GB per layout; beyond this, GEMMs pack per step. */
    private static final long MAX_BYTES = 256L << 20;

    private final StepArena memory;
    private final PackedCopies copies;
    private long generation = PackedOperands.generation();
    private int openSteps;
    /** Copies of an older generation may still be read by an open step: free them when the last one closes. */
    private boolean staleMemory;
    private boolean closed;

    public PackedWeightCache(Backend backend) {
        this.memory = new StepArena(backend, 1 << 20);
        this.copies = new PackedCopies(backend, memory, MAX_BYTES);
    }

    synchronized void stepOpened() {
        if (closed) {
            throw new IllegalStateException("PackedWeightCache is closed (its model was closed)");
        }
        openSteps++;
    }

    synchronized void stepClosed() {
        openSteps--;
        if (openSteps == 0 && staleMemory) {
            copies.clear();
            memory.reset();
            staleMemory = false;
        }
    }

    /** The packed copy of op(B) of {@code weight} (see {@link PackedOperands#get}), or null past the budget. */
    synchronized Tensor get(Tensor weight, boolean transB, long k, long n, long ldb) {
        refresh();
        return copies.get(weight, transB, k, n, ldb);
    }

    /** After a parameter change: forget the copies, and free their memory once no open step may read it. */
    private void refresh() {
        long now = PackedOperands.generation();
        if (now != generation) {
            copies.clear();
            generation = now;
            if (openSteps <= 1) {
                memory.reset();  // only the calling step is open, and it no longer uses copies of the old generation
            } else {
                staleMemory = true;
            }
        }
    }

    /** The stack of {@code parts} (see {@link PackedCopies#stack}), or null past the budget. */
    synchronized Tensor stack(Tensor[] parts) {
        refresh();
        return copies.stack(parts);
    }

    /** Bytes of packed copies held now. */
    public synchronized long bytes() {
        return copies.bytes();
    }

    /** Frees the copies; fails while an inference step that reads them is open. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        if (openSteps > 0) {
            throw new IllegalStateException("PackedWeightCache: " + openSteps + " inference step(s) still read it");
        }
        closed = true;
        copies.clear();
        memory.close();
    }
}
