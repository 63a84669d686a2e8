package io.albert4j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A bump allocator for activations: one step's tensors are carved out of a few large slabs, and {@link #reset()}
 * frees them all at once. No per-op malloc, no GC pressure.
 *
 * <p>Each generation (the time between two resets) has its own {@link Arena} scope: tensors handed out are
 * re-scoped to it, so a tensor kept past {@code reset()} fails loudly on use instead of reading memory that the
 * next step has overwritten. After a step that overflowed the first slab, the next generation starts with one
 * slab as large as the whole high-water mark, so a steady training loop settles on a single block.
 */
public final class StepArena implements AutoCloseable {
    /** 256: cuBLAS and vectorised kernels like aligned rows; 64 would do on the CPU. */
    private static final long ALIGNMENT = 256;

    private final DeviceMemory memory;
    private final List<Arena> slabLifetimes = new ArrayList<>();
    private final List<MemorySegment> slabs = new ArrayList<>();
    private final long minimumSlabBytes;
    private int currentSlab;
    private long offset;
    private long usedThisGeneration;
    private long highWater;
    private Arena generation = Arena.ofShared();
    private boolean closed;

    public StepArena(DeviceMemory memory, long initialBytes) {
        this.memory = memory;
        this.minimumSlabBytes = Math.max(1 << 20, initialBytes);
        addSlab(minimumSlabBytes);
    }

    public Device device() {
        return memory.device();
    }

    public synchronized Tensor allocate(DType dtype, int... shape) {
        long bytes = Math.max(ALIGNMENT, align(Tensor.numelOf(shape) * dtype.byteSize()));
        return new Tensor(carve(bytes), dtype, memory.device(), shape);
    }

    public Tensor allocateZeroed(DType dtype, int... shape) {
        Tensor t = allocate(dtype, shape);
        memory.zero(t.data(), t.byteSize());
        return t;
    }

    private MemorySegment carve(long bytes) {
        if (closed) {
            throw new IllegalStateException("StepArena is closed");
        }
        MemorySegment slab = slabs.get(currentSlab);
        if (offset + bytes > slab.byteSize()) {
            currentSlab++;
            if (currentSlab == slabs.size()) {
                addSlab(Math.max(bytes, slab.byteSize() * 2));
            }
            slab = slabs.get(currentSlab);
            offset = 0;
            if (bytes > slab.byteSize()) {
                addSlab(bytes);
                currentSlab = slabs.size() - 1;
                slab = slabs.get(currentSlab);
            }
        }
        MemorySegment piece = slab.asSlice(offset, bytes).reinterpret(bytes, generation, null);
        offset += bytes;
        usedThisGeneration += bytes;
        highWater = Math.max(highWater, usedThisGeneration);
        return piece;
    }

    private void addSlab(long bytes) {
        Arena lifetime = Arena.ofShared();
        slabLifetimes.add(lifetime);
        slabs.add(memory.allocate(bytes, lifetime));
    }

    /** Frees every tensor of this generation (they fail on use afterwards) and starts a new one. */
    public synchronized void reset() {
        generation.close();
        generation = Arena.ofShared();
        if (slabs.size() > 1) {
            long total = 0;
            for (MemorySegment slab : slabs) {
                total += slab.byteSize();
            }
            for (Arena lifetime : slabLifetimes) {
                lifetime.close();
            }
            slabLifetimes.clear();
            slabs.clear();
            addSlab(Math.max(total, highWater));
        }
        currentSlab = 0;
        offset = 0;
        usedThisGeneration = 0;
    }

    /** Bytes handed out in the busiest generation so far (the activation memory of a step). */
    public synchronized long highWaterBytes() {
        return highWater;
    }

    public synchronized long capacityBytes() {
        long total = 0;
        for (MemorySegment slab : slabs) {
            total += slab.byteSize();
        }
        return total;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        generation.close();
        for (Arena lifetime : slabLifetimes) {
            lifetime.close();
        }
        slabLifetimes.clear();
        slabs.clear();
    }

    private static long align(long bytes) {
        return (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }
}
