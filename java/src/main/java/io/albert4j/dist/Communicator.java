package io.albert4j.dist;

import io.albert4j.tensor.Tensor;

/**
 * The ranks of a data-parallel job and the collectives a training step needs. Every rank calls every collective
 * in the same order; a collective returns on a rank once every rank has called it. Results are the same on every
 * rank, bit for bit (so the optimizer steps that follow are too).
 *
 * <p>Implementations: {@link SingleProcess} (one rank: every collective returns its input), {@link
 * MpiCommunicator} (Open MPI, CPU tensors in place, device tensors through the host) and {@link NcclCommunicator}
 * (NCCL on CUDA tensors, MPI for the rest). {@link Communicators#fromEnvironment} picks the one the launcher
 * implies.
 */
public interface Communicator extends AutoCloseable {
    /** This process' rank, 0 .. {@link #size()} - 1, as the launcher numbered it. */
    int rank();

    /** The number of ranks. */
    int size();

    default boolean isRoot() {
        return rank() == 0;
    }

    /** Sums an F32 tensor over the ranks, in place. */
    void allReduceSum(Tensor values);

    /** Sums host values over the ranks, in place (counts, losses). */
    void allReduceSum(double[] values);

    /** Every rank's {@code values}, rank after rank ({@code size() * values.length}); same length on every rank. */
    long[] allGather(long[] values);

    /** Returns once every rank has called it. */
    void barrier();

    /**
     * Whether every rank passed {@code ok}: lets a failure on one rank (a bad file, a refused directory) stop the
     * others with a message instead of leaving them waiting in the next collective.
     */
    default boolean allAgree(boolean ok) {
        double[] failed = {ok ? 0 : 1};
        allReduceSum(failed);
        return failed[0] == 0;
    }

    /** E.g. "Open MPI v4.1.4, 2 ranks": for logs and metrics. */
    String description();

    /** Ends this process' part in the job (MPI_Finalize); a no-op for one process. */
    @Override
    void close();
}
