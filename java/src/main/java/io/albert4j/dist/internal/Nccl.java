package io.albert4j.dist.internal;

import io.albert4j.backend.internal.Downcalls;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * NCCL ({@code libnccl.so.2}), found at run time like cuBLAS in the CUDA backend: nothing of it is needed to
 * build, and a machine without it gets a message instead of a link error. Enum values are NCCL's
 * ({@code nccl.h}: {@code ncclFloat32 = 7}, {@code ncclSum = 0}); {@code ncclUniqueId} is a 128-byte struct passed
 * by value.
 */
public final class Nccl {
    public static final String LIBRARY = "libnccl.so.2";
    public static final int NCCL_FLOAT32 = 7;
    public static final int NCCL_SUM = 0;
    /** {@code NCCL_UNIQUE_ID_BYTES}. */
    public static final int UNIQUE_ID_BYTES = 128;
    public static final MemoryLayout UNIQUE_ID = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(UNIQUE_ID_BYTES, ValueLayout.JAVA_BYTE).withName("internal"));

    private static final Linker LINKER = Linker.nativeLinker();
    private static volatile Nccl instance;

    private final MethodHandle getUniqueId;
    private final MethodHandle commInitRank;
    private final MethodHandle allReduce;
    private final MethodHandle commDestroy;
    private final MethodHandle getErrorString;
    private final MethodHandle getVersion;

    private Nccl(SymbolLookup lookup) {
        getUniqueId = handle(lookup, "ncclGetUniqueId", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        commInitRank = handle(lookup, "ncclCommInitRank", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
                UNIQUE_ID, JAVA_INT));
        allReduce = handle(lookup, "ncclAllReduce", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG,
                JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        commDestroy = handle(lookup, "ncclCommDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        getErrorString = handle(lookup, "ncclGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        getVersion = handle(lookup, "ncclGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    /** Null when libnccl.so.2 can be loaded, else why not. Never throws. */
    public static String unavailableReason() {
        try {
            get();
            return null;
        } catch (Throwable t) {
            return t.getMessage();
        }
    }

    public static Nccl get() {
        Nccl n = instance;
        if (n == null) {
            synchronized (Nccl.class) {
                if (instance == null) {
                    SymbolLookup lookup;
                    try {
                        lookup = SymbolLookup.libraryLookup(LIBRARY, Arena.global());
                    } catch (IllegalArgumentException e) {
                        throw new IllegalStateException(LIBRARY + " (NCCL) was not found: install NCCL (Debian's "
                                + "libnccl2, or NVIDIA's) or put its directory on LD_LIBRARY_PATH");
                    }
                    instance = new Nccl(lookup);
                }
                n = instance;
            }
        }
        return n;
    }

    private static MethodHandle handle(SymbolLookup lookup, String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(lookup.find(name).orElseThrow(
                () -> new IllegalStateException(LIBRARY + " has no symbol " + name)), descriptor);
    }

    private void check(String call, int status) {
        if (status != 0) {
            String message;
            try {
                message = ((MemorySegment) getErrorString.invokeExact(status)).reinterpret(Long.MAX_VALUE).getString(0);
            } catch (Throwable t) {
                message = "unknown error";
            }
            throw new IllegalStateException(call + " failed: " + message + " (ncclResult_t " + status + ")");
        }
    }

    /** E.g. 22304 for NCCL 2.23.4. */
    public int version() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check("ncclGetVersion", (int) getVersion.invokeExact(out));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** Fills {@code id} ({@link #UNIQUE_ID_BYTES} bytes) with a new unique id, on one rank, to share with the rest. */
    public void uniqueId(MemorySegment id) {
        try {
            check("ncclGetUniqueId", (int) getUniqueId.invokeExact(id));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** A communicator of {@code ranks} on the current CUDA device; blocks until every rank has called it. */
    public MemorySegment commInitRank(int ranks, MemorySegment id, int rank) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check("ncclCommInitRank", (int) commInitRank.invokeExact(out, ranks, id, rank));
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** Queues an in-place sum of {@code count} floats on {@code stream}. */
    public void allReduceSum(MemorySegment data, long count, MemorySegment comm, MemorySegment stream) {
        try {
            check("ncclAllReduce", (int) allReduce.invokeExact(data, data, count, NCCL_FLOAT32, NCCL_SUM, comm,
                    stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public void commDestroy(MemorySegment comm) {
        try {
            check("ncclCommDestroy", (int) commDestroy.invokeExact(comm));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }
}
