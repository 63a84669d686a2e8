package io.albert4j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Raw memory of one device: what arenas need from a backend, without knowing about kernels. */
public interface DeviceMemory {
    Device device();

    /** A block of {@code bytes} (at least 64-byte aligned) freed when {@code lifetime} closes. */
    MemorySegment allocate(long bytes, Arena lifetime);

    /** Sets {@code bytes} bytes at {@code segment} to zero. */
    void zero(MemorySegment segment, long bytes);
}
