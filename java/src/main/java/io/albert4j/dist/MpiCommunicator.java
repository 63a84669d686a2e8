package io.albert4j.dist;

import io.albert4j.backend.Backends;
import io.albert4j.dist.internal.Mpi;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;

/**
 * MPI_COMM_WORLD of Open MPI, launched with {@code mpirun -np N}: rank and size are MPI's. CPU tensors are reduced
 * in place; device tensors through a host buffer (Debian's Open MPI is not CUDA-aware; {@link NcclCommunicator}
 * keeps GPU gradients on the GPU).
 *
 * <p>Faults: errors return to Java (MPI_ERRORS_RETURN) and are thrown with Open MPI's message. A rank that dies
 * makes {@code mpirun} end the others (Open MPI's own behaviour, within a second or two); a rank that hangs is
 * caught by a {@link CollectiveWatchdog} on every other rank after {@code timeout}. A rank ended by the launcher
 * says so on stderr, naming the collective it was in.
 */
public final class MpiCommunicator implements Communicator {
    /** Elements per MPI call: MPI counts are C ints, and a bounded call keeps the host staging buffer small. */
    static final int MAX_ELEMENTS_PER_CALL = 1 << 24;

    private final Mpi mpi;
    private final int rank;
    private final int size;
    private final String description;
    private final CollectiveWatchdog watchdog;
    private final Arena arena = Arena.ofShared();
    private final Thread shutdownHook;
    private MemorySegment staging;
    private volatile boolean closed;

    private MpiCommunicator(Mpi mpi, Duration timeout, PrintStream log) {
        this.mpi = mpi;
        if (!mpi.initialized()) {
            mpi.initThread(Mpi.MPI_THREAD_SERIALIZED);
        }
        mpi.errorsReturn(mpi.commWorld);
        this.rank = mpi.rank(mpi.commWorld);
        this.size = mpi.size(mpi.commWorld);
        String version = mpi.libraryVersion();
        int comma = version.indexOf(',');
        this.description = (comma > 0 ? version.substring(0, comma) : version) + ", " + size + " ranks";
        this.watchdog = new CollectiveWatchdog("rank " + rank + " of " + size, timeout, log);
        this.shutdownHook = new Thread(() -> {
            if (!closed) {
                String in = watchdog.activity();
                log.printf("albert4j rank %d of %d: stopped from outside %s (when one rank fails, mpirun ends the "
                        + "others)%n", rank, size, in == null ? "between collectives" : "in " + in);
                log.flush();
            }
        }, "albert4j-mpi-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Joins MPI_COMM_WORLD (MPI_Init_thread on first use).
     *
     * @param timeout how long a collective may wait for the other ranks before this rank gives up on them
     * @param log     where fault messages go (stderr)
     */
    public static MpiCommunicator world(Duration timeout, PrintStream log) {
        return new MpiCommunicator(Mpi.get(), timeout, log);
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public synchronized void allReduceSum(Tensor values) {
        checkOpen();
        if (values.dtype() != DType.F32) {
            throw new IllegalArgumentException("allReduceSum: F32 tensors only, got " + values.describe());
        }
        long count = values.numel();
        if (values.device().isCpu()) {
            for (long done = 0; done < count; done += MAX_ELEMENTS_PER_CALL) {
                int n = (int) Math.min(MAX_ELEMENTS_PER_CALL, count - done);
                reduceFloats(values.data().asSlice(done * 4, n * 4L), n);
            }
            return;
        }
        // Through the host: copy a chunk down, reduce it, copy it back.
        var backend = Backends.get(values.device());
        Tensor flat = values.view(Math.toIntExact(count));
        for (long done = 0; done < count; done += MAX_ELEMENTS_PER_CALL) {
            int n = (int) Math.min(MAX_ELEMENTS_PER_CALL, count - done);
            Tensor chunk = flat.slice((int) done, (int) done + n);
            Tensor host = new Tensor(staging(n * 4L), DType.F32, io.albert4j.tensor.Device.CPU, n);
            backend.copy(chunk, host);
            backend.synchronize();
            reduceFloats(host.data(), n);
            backend.copy(host, chunk);
            backend.synchronize();
        }
    }

    private void reduceFloats(MemorySegment data, int n) {
        collective("MPI_Allreduce of " + n + " floats",
                () -> mpi.allreduce(Mpi.IN_PLACE, data, n, mpi.floatType, mpi.sum, mpi.commWorld));
    }

    private MemorySegment staging(long bytes) {
        if (staging == null || staging.byteSize() < bytes) {
            staging = arena.allocate(Math.max(bytes, 1 << 20), 64);
        }
        return staging.asSlice(0, bytes);
    }

    @Override
    public synchronized void allReduceSum(double[] values) {
        checkOpen();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment buffer = call.allocateFrom(ValueLayout.JAVA_DOUBLE, values);
            collective("MPI_Allreduce of " + values.length + " doubles",
                    () -> mpi.allreduce(Mpi.IN_PLACE, buffer, values.length, mpi.doubleType, mpi.sum, mpi.commWorld));
            MemorySegment.copy(buffer, ValueLayout.JAVA_DOUBLE, 0, values, 0, values.length);
        }
    }

    @Override
    public synchronized long[] allGather(long[] values) {
        checkOpen();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment send = call.allocateFrom(ValueLayout.JAVA_LONG, values);
            MemorySegment receive = call.allocate(ValueLayout.JAVA_LONG, (long) values.length * size);
            collective("MPI_Allgather of " + values.length + " longs",
                    () -> mpi.allgather(send, values.length, mpi.int64Type, receive, mpi.commWorld));
            return receive.toArray(ValueLayout.JAVA_LONG);
        }
    }

    /** Broadcasts {@code bytes} from rank {@code root} to every rank, in place (NCCL's unique id). */
    synchronized void broadcast(MemorySegment bytes, int root) {
        checkOpen();
        collective("MPI_Bcast of " + bytes.byteSize() + " bytes",
                () -> mpi.bcast(bytes, Math.toIntExact(bytes.byteSize()), mpi.byteType, root, mpi.commWorld));
    }

    @Override
    public synchronized void barrier() {
        checkOpen();
        collective("MPI_Barrier", () -> mpi.barrier(mpi.commWorld));
    }

    /** Runs a collective under the watchdog. */
    void collective(String what, Runnable call) {
        watchdog.start(what);
        try {
            call.run();
        } catch (RuntimeException e) {
            throw new IllegalStateException("rank " + rank + " of " + size + ": " + e.getMessage(), e);
        } finally {
            watchdog.done();
        }
    }

    /** Ends the whole job from this rank (MPI_Abort): for a failure the other ranks cannot learn of otherwise. */
    public void abort(int code) {
        mpi.abort(mpi.commWorld, code);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("MpiCommunicator is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        watchdog.close();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
        if (!mpi.finalized()) {
            mpi.finalizeMpi();
        }
        arena.close();
    }
}
