package io.albert4j.dist;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;

/**
 * The communicator a process was launched for. Rank and world size are the launcher's: a process started by Open
 * MPI's {@code mpirun} (or a PMIx launcher such as Slurm's {@code srun --mpi=pmix}) finds {@code OMPI_COMM_WORLD_SIZE}
 * or {@code PMIX_RANK} in its environment and joins MPI_COMM_WORLD; any other process is {@link SingleProcess}.
 */
public final class Communicators {
    /** How long a collective may wait by default: long enough for rank 0's evaluations and checkpoint writes. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

    private Communicators() {
    }

    /** Whether the environment says an MPI launcher started this process. */
    public static boolean launchedByMpi(Map<String, String> environment) {
        return environment.containsKey("OMPI_COMM_WORLD_SIZE") || environment.containsKey("PMIX_RANK");
    }

    /** This process' rank on its machine under mpirun (to pick its GPU), 0 otherwise. */
    public static int localRank(Map<String, String> environment) {
        String local = environment.get("OMPI_COMM_WORLD_LOCAL_RANK");
        return local == null ? 0 : Integer.parseInt(local);
    }

    /** MPI when launched by MPI, else {@link SingleProcess}. */
    public static Communicator fromEnvironment(Duration timeout, PrintStream log) {
        return launchedByMpi(System.getenv()) ? MpiCommunicator.world(timeout, log) : SingleProcess.INSTANCE;
    }
}
