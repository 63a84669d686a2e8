package io.albert4j.backend.cuda.internal;

import io.albert4j.backend.internal.Downcalls;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static io.albert4j.backend.cuda.internal.CudaLibrary.check;
import static io.albert4j.backend.cuda.internal.CudaLibrary.downcall;
import static io.albert4j.backend.cuda.internal.CudaLibrary.status;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Bindings of cuda/runtime.cu (cuda/albert4j_cuda.h): devices, the caching allocator, copies, streams, L2
 * persistence, pinned host memory. Pointers are device addresses (or pinned host memory); nothing here dereferences
 * them.
 */
public final class RuntimeNative {
    private static final MethodHandle DEVICE_COUNT = downcall("a4j_cuda_device_count", status(ADDRESS));
    private static final MethodHandle SET_DEVICE = downcall("a4j_cuda_set_device", status(JAVA_INT));
    private static final MethodHandle DEVICE_INFO = downcall("a4j_cuda_device_info", status(JAVA_INT, ADDRESS, JAVA_INT,
            ADDRESS, ADDRESS));
    private static final MethodHandle MALLOC = downcall("a4j_cuda_malloc", status(ADDRESS, JAVA_LONG));
    private static final MethodHandle FREE = downcall("a4j_cuda_free", status(ADDRESS));
    private static final MethodHandle EMPTY_CACHE = downcall("a4j_cuda_empty_cache", status());
    private static final MethodHandle MEMORY_STATS = downcall("a4j_cuda_memory_stats", status(ADDRESS, ADDRESS,
            ADDRESS));
    private static final MethodHandle MEMCPY_H2D = downcall("a4j_cuda_memcpy_h2d", status(ADDRESS, ADDRESS, JAVA_LONG,
            ADDRESS));
    private static final MethodHandle MEMCPY_D2H = downcall("a4j_cuda_memcpy_d2h", status(ADDRESS, ADDRESS, JAVA_LONG,
            ADDRESS));
    private static final MethodHandle MEMCPY_D2D = downcall("a4j_cuda_memcpy_d2d", status(ADDRESS, ADDRESS, JAVA_LONG,
            ADDRESS));
    private static final MethodHandle MEMSET = downcall("a4j_cuda_memset", status(ADDRESS, JAVA_INT, JAVA_LONG,
            ADDRESS));
    private static final MethodHandle STREAM_CREATE = downcall("a4j_cuda_stream_create", status(ADDRESS));
    private static final MethodHandle STREAM_DESTROY = downcall("a4j_cuda_stream_destroy", status(ADDRESS));
    private static final MethodHandle STREAM_SYNCHRONIZE = downcall("a4j_cuda_stream_synchronize", status(ADDRESS));
    private static final MethodHandle L2_PERSIST = downcall("a4j_cuda_l2_persist", status(ADDRESS, ADDRESS, JAVA_LONG,
            JAVA_FLOAT));
    private static final MethodHandle HOST_ALLOC = downcall("a4j_cuda_host_alloc", status(ADDRESS, JAVA_LONG));
    private static final MethodHandle HOST_FREE = downcall("a4j_cuda_host_free", status(ADDRESS));

    private RuntimeNative() {
    }

    public static void deviceCount(MemorySegment count) {
        try {
            check("a4j_cuda_device_count", (int) DEVICE_COUNT.invokeExact(count));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void setDevice(int device) {
        try {
            check("a4j_cuda_set_device", (int) SET_DEVICE.invokeExact(device));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void deviceInfo(int device, MemorySegment name, int capacity, MemorySegment computeCapability,
            MemorySegment totalBytes) {
        try {
            check("a4j_cuda_device_info", (int) DEVICE_INFO.invokeExact(device, name, capacity, computeCapability,
                    totalBytes));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void malloc(MemorySegment ptr, long bytes) {
        try {
            check("a4j_cuda_malloc", (int) MALLOC.invokeExact(ptr, bytes));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void free(MemorySegment ptr) {
        try {
            check("a4j_cuda_free", (int) FREE.invokeExact(ptr));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void emptyCache() {
        try {
            check("a4j_cuda_empty_cache", (int) EMPTY_CACHE.invokeExact());
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void memoryStats(MemorySegment inUseBytes, MemorySegment cachedBytes, MemorySegment deviceMallocs) {
        try {
            check("a4j_cuda_memory_stats", (int) MEMORY_STATS.invokeExact(inUseBytes, cachedBytes, deviceMallocs));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void memcpyH2d(MemorySegment dst, MemorySegment src, long bytes, MemorySegment stream) {
        try {
            check("a4j_cuda_memcpy_h2d", (int) MEMCPY_H2D.invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void memcpyD2h(MemorySegment dst, MemorySegment src, long bytes, MemorySegment stream) {
        try {
            check("a4j_cuda_memcpy_d2h", (int) MEMCPY_D2H.invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void memcpyD2d(MemorySegment dst, MemorySegment src, long bytes, MemorySegment stream) {
        try {
            check("a4j_cuda_memcpy_d2d", (int) MEMCPY_D2D.invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void memset(MemorySegment dst, int value, long bytes, MemorySegment stream) {
        try {
            check("a4j_cuda_memset", (int) MEMSET.invokeExact(dst, value, bytes, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void streamCreate(MemorySegment stream) {
        try {
            check("a4j_cuda_stream_create", (int) STREAM_CREATE.invokeExact(stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void streamDestroy(MemorySegment stream) {
        try {
            check("a4j_cuda_stream_destroy", (int) STREAM_DESTROY.invokeExact(stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void streamSynchronize(MemorySegment stream) {
        try {
            check("a4j_cuda_stream_synchronize", (int) STREAM_SYNCHRONIZE.invokeExact(stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void l2Persist(MemorySegment stream, MemorySegment base, long bytes, float hitRatio) {
        try {
            check("a4j_cuda_l2_persist", (int) L2_PERSIST.invokeExact(stream, base, bytes, hitRatio));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void hostAlloc(MemorySegment ptr, long bytes) {
        try {
            check("a4j_cuda_host_alloc", (int) HOST_ALLOC.invokeExact(ptr, bytes));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void hostFree(MemorySegment ptr) {
        try {
            check("a4j_cuda_host_free", (int) HOST_FREE.invokeExact(ptr));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }
}
