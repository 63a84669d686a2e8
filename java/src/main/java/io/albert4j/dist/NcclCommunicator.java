package io.albert4j.dist;

import io.albert4j.backend.cuda.CudaBackend;
import io.albert4j.dist.internal.Nccl;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * NCCL for the tensors on this rank's GPU, MPI for everything else: the ranks and their numbering are MPI's, the
 * NCCL communicator is made from a unique id that rank 0 broadcasts over MPI, and host values (counts, losses,
 * cursors) go over MPI. Reductions are queued on the CUDA backend's stream, so they follow the backward kernels
 * in order, and are waited for under the MPI communicator's watchdog: a rank that hangs in NCCL is caught as in
 * MPI.
 */
public final class NcclCommunicator implements Communicator {
    private final MpiCommunicator mpi;
    private final CudaBackend backend;
    private final Nccl nccl;
    private final MemorySegment comm;
    private final String description;
    private boolean closed;

    private NcclCommunicator(MpiCommunicator mpi, CudaBackend backend) {
        this.mpi = mpi;
        this.backend = backend;
        this.nccl = Nccl.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment id = arena.allocate(Nccl.UNIQUE_ID);
            if (mpi.isRoot()) {
                nccl.uniqueId(id);
            }
            mpi.broadcast(id, 0);
            MemorySegment[] made = new MemorySegment[1];
            mpi.collective("ncclCommInitRank", () -> made[0] = nccl.commInitRank(mpi.size(), id, mpi.rank()));
            this.comm = made[0];
        }
        int version = nccl.version();
        this.description = "NCCL " + version / 10000 + "." + version / 100 % 100 + "." + version % 100 + " over "
                + mpi.description();
    }

    /** Null when NCCL (libnccl.so.2) can be loaded, else why not. */
    public static String unavailableReason() {
        return Nccl.unavailableReason();
    }

    /** Every rank calls this with its own GPU's backend. */
    public static NcclCommunicator over(MpiCommunicator mpi, CudaBackend backend) {
        return new NcclCommunicator(mpi, backend);
    }

    @Override
    public int rank() {
        return mpi.rank();
    }

    @Override
    public int size() {
        return mpi.size();
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void allReduceSum(Tensor values) {
        if (values.device().isCpu()) {
            mpi.allReduceSum(values);
            return;
        }
        if (!values.device().equals(backend.device()) || values.dtype() != DType.F32) {
            throw new IllegalArgumentException("NCCL all-reduce: F32 tensors on " + backend.device() + ", got "
                    + values.describe());
        }
        mpi.collective("ncclAllReduce of " + values.numel() + " floats", () -> {
            nccl.allReduceSum(values.data(), values.numel(), comm, backend.stream());
            backend.synchronize();
        });
    }

    @Override
    public void allReduceSum(double[] values) {
        mpi.allReduceSum(values);
    }

    @Override
    public long[] allGather(long[] values) {
        return mpi.allGather(values);
    }

    @Override
    public void barrier() {
        mpi.barrier();
    }

    /** Destroys the NCCL communicator and leaves MPI. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            nccl.commDestroy(comm);
        } finally {
            mpi.close();
        }
    }
}
