package io.albert4j.dist.internal;

import io.albert4j.backend.internal.Downcalls;
import io.albert4j.backend.internal.NativeEnvironment;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Open MPI's {@code libmpi.so.40}, found at run time (Debian's {@code libopenmpi3}; no MPI is needed to build).
 * Open MPI's handles are pointers: {@code MPI_COMM_WORLD}, {@code MPI_FLOAT}, {@code MPI_SUM} ... are the addresses
 * of its globals {@code ompi_mpi_comm_world}, {@code ompi_mpi_float}, {@code ompi_mpi_op_sum}, and
 * {@code MPI_IN_PLACE} is {@code (void *) 1}. Other MPIs (MPICH's integer handles) have another ABI and are not
 * bound here.
 *
 * <p>The library is opened with {@code RTLD_GLOBAL} before it is looked up: Open MPI's plugins ({@code mca_*.so})
 * resolve libmpi's symbols from the global namespace, which a {@code SymbolLookup} (RTLD_LOCAL) alone would hide.
 * Every call is a plain downcall (no {@code critical}): collectives block for as long as the slowest rank.
 */
public final class Mpi {
    public static final String LIBRARY = "libmpi.so.40";
    public static final int MPI_SUCCESS = 0;
    public static final int MPI_THREAD_SERIALIZED = 2;
    /** Open MPI's {@code MPI_IN_PLACE}. */
    public static final MemorySegment IN_PLACE = MemorySegment.ofAddress(1);
    private static final int RTLD_NOW = 2;
    private static final int RTLD_GLOBAL = 0x100;
    private static final int MAX_STRING = 256;  // MPI_MAX_ERROR_STRING, MPI_MAX_LIBRARY_VERSION_STRING in Open MPI

    private static final Linker LINKER = Linker.nativeLinker();
    private static volatile Mpi instance;

    public final MemorySegment commWorld;
    public final MemorySegment floatType;
    public final MemorySegment doubleType;
    public final MemorySegment int64Type;
    public final MemorySegment byteType;
    public final MemorySegment sum;
    public final MemorySegment max;
    public final MemorySegment errorsReturn;
    private final MethodHandle initialized;
    private final MethodHandle initThread;
    private final MethodHandle finalized;
    private final MethodHandle finalizeHandle;
    private final MethodHandle commRank;
    private final MethodHandle commSize;
    private final MethodHandle allreduce;
    private final MethodHandle allgather;
    private final MethodHandle bcast;
    private final MethodHandle barrier;
    private final MethodHandle abort;
    private final MethodHandle setErrhandler;
    private final MethodHandle errorString;
    private final MethodHandle libraryVersion;

    private Mpi(SymbolLookup lookup) {
        commWorld = global(lookup, "ompi_mpi_comm_world");
        floatType = global(lookup, "ompi_mpi_float");
        doubleType = global(lookup, "ompi_mpi_double");
        int64Type = global(lookup, "ompi_mpi_int64_t");
        byteType = global(lookup, "ompi_mpi_byte");
        sum = global(lookup, "ompi_mpi_op_sum");
        max = global(lookup, "ompi_mpi_op_max");
        errorsReturn = global(lookup, "ompi_mpi_errors_return");
        initialized = handle(lookup, "MPI_Initialized", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        initThread = handle(lookup, "MPI_Init_thread", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT,
                ADDRESS));
        finalized = handle(lookup, "MPI_Finalized", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        finalizeHandle = handle(lookup, "MPI_Finalize", FunctionDescriptor.of(JAVA_INT));
        commRank = handle(lookup, "MPI_Comm_rank", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        commSize = handle(lookup, "MPI_Comm_size", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        allreduce = handle(lookup, "MPI_Allreduce", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT,
                ADDRESS, ADDRESS, ADDRESS));
        allgather = handle(lookup, "MPI_Allgather", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS,
                ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        bcast = handle(lookup, "MPI_Bcast", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT,
                ADDRESS));
        barrier = handle(lookup, "MPI_Barrier", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        abort = handle(lookup, "MPI_Abort", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        setErrhandler = handle(lookup, "MPI_Comm_set_errhandler", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        errorString = handle(lookup, "MPI_Error_string", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        libraryVersion = handle(lookup, "MPI_Get_library_version", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }

    /** Null when libmpi.so.40 can be loaded, else why not. Never throws. */
    public static String unavailableReason() {
        try {
            get();
            return null;
        } catch (Throwable t) {
            return t.getMessage();
        }
    }

    /** The bindings, loading the library on first use. */
    public static Mpi get() {
        Mpi m = instance;
        if (m == null) {
            synchronized (Mpi.class) {
                if (instance == null) {
                    instance = load();
                }
                m = instance;
            }
        }
        return m;
    }

    private static Mpi load() {
        try (Arena arena = Arena.ofConfined()) {
            MethodHandle dlopen = LINKER.downcallHandle(LINKER.defaultLookup().find("dlopen").orElseThrow(
                    () -> new IllegalStateException("libc has no dlopen")), FunctionDescriptor.of(ADDRESS, ADDRESS,
                    JAVA_INT));
            MemorySegment handle = (MemorySegment) dlopen.invokeExact(arena.allocateFrom(LIBRARY),
                    RTLD_NOW | RTLD_GLOBAL);
            if (handle.equals(MemorySegment.NULL)) {
                throw new IllegalStateException(LIBRARY + " (Open MPI) was not found: install Debian's openmpi-bin and "
                        + "libopenmpi-dev, or put Open MPI's lib directory on LD_LIBRARY_PATH");
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("dlopen(" + LIBRARY + ")", t);
        }
        // The JVM catches SIGSEGV and SIGBUS itself (null checks, safepoints): Open MPI must not take them over to
        // print its own backtraces. Only for this process, and only when the user has not chosen otherwise.
        NativeEnvironment.set("OMPI_MCA_opal_signal", "", false);
        return new Mpi(SymbolLookup.libraryLookup(LIBRARY, Arena.global()));
    }

    private static MemorySegment global(SymbolLookup lookup, String name) {
        return lookup.find(name).orElseThrow(() -> new IllegalStateException(LIBRARY + " has no symbol " + name
                + ": not Open MPI?"));
    }

    private static MethodHandle handle(SymbolLookup lookup, String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(global(lookup, name), descriptor);
    }

    /** Throws naming {@code call} and Open MPI's message unless {@code status} is MPI_SUCCESS. */
    public void check(String call, int status) {
        if (status != MPI_SUCCESS) {
            throw new IllegalStateException(call + " failed: " + errorString(status) + " (MPI error " + status + ")");
        }
    }

    public String errorString(int status) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocate(MAX_STRING);
            MemorySegment length = arena.allocate(JAVA_INT);
            int ok = (int) errorString.invokeExact(status, text, length);
            return ok == MPI_SUCCESS ? text.getString(0) : "unknown error";
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public String libraryVersion() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocate(MAX_STRING);
            MemorySegment length = arena.allocate(JAVA_INT);
            check("MPI_Get_library_version", (int) libraryVersion.invokeExact(text, length));
            return text.getString(0).strip();
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public boolean initialized() {
        return flag(initialized, "MPI_Initialized");
    }

    public boolean finalized() {
        return flag(finalized, "MPI_Finalized");
    }

    private boolean flag(MethodHandle call, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment flag = arena.allocate(JAVA_INT);
            check(name, (int) call.invokeExact(flag));
            return flag.get(JAVA_INT, 0) != 0;
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** MPI_Init_thread(NULL, NULL, required): the thread level provided. */
    public int initThread(int required) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment provided = arena.allocate(JAVA_INT);
            check("MPI_Init_thread", (int) initThread.invokeExact(MemorySegment.NULL, MemorySegment.NULL, required,
                    provided));
            return provided.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public void finalizeMpi() {
        try {
            check("MPI_Finalize", (int) finalizeHandle.invokeExact());
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public int rank(MemorySegment comm) {
        return query(commRank, "MPI_Comm_rank", comm);
    }

    public int size(MemorySegment comm) {
        return query(commSize, "MPI_Comm_size", comm);
    }

    private int query(MethodHandle call, String name, MemorySegment comm) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check(name, (int) call.invokeExact(comm, out));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** Errors come back as status codes (checked here) instead of aborting the job from inside the library. */
    public void errorsReturn(MemorySegment comm) {
        try {
            check("MPI_Comm_set_errhandler", (int) setErrhandler.invokeExact(comm, errorsReturn));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** MPI_Allreduce(send, recv, count, type, op, comm); {@code send} may be {@link #IN_PLACE}. */
    public void allreduce(MemorySegment send, MemorySegment recv, int count, MemorySegment type, MemorySegment op,
                          MemorySegment comm) {
        try {
            check("MPI_Allreduce", (int) allreduce.invokeExact(send, recv, count, type, op, comm));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public void allgather(MemorySegment send, int count, MemorySegment type, MemorySegment recv, MemorySegment comm) {
        try {
            check("MPI_Allgather", (int) allgather.invokeExact(send, count, type, recv, count, type, comm));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public void bcast(MemorySegment buffer, int count, MemorySegment type, int root, MemorySegment comm) {
        try {
            check("MPI_Bcast", (int) bcast.invokeExact(buffer, count, type, root, comm));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public void barrier(MemorySegment comm) {
        try {
            check("MPI_Barrier", (int) barrier.invokeExact(comm));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** MPI_Abort: the launcher ends every rank of the job. Does not return on success. */
    public void abort(MemorySegment comm, int code) {
        try {
            int ignored = (int) abort.invokeExact(comm, code);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }
}
