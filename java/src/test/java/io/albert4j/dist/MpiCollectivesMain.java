package io.albert4j.dist;

import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.time.Duration;
import java.util.Arrays;

/**
 * One rank of {@link MpiCommunicatorTest}'s job: each collective on values that depend on the rank, the results
 * written as {@code NAME VALUES} lines to {@code DIR/rank-R.txt} (ranks printing to one stdout interleave).
 */
public final class MpiCollectivesMain {
    private MpiCollectivesMain() {
    }

    public static void main(String[] args) throws java.io.IOException {
        try (Communicator world = Communicators.fromEnvironment(Duration.ofSeconds(30), System.err);
             java.io.PrintStream out = new java.io.PrintStream(java.nio.file.Files.newOutputStream(
                     java.nio.file.Path.of(args[0], "rank-" + System.getenv("OMPI_COMM_WORLD_RANK") + ".txt")))) {
            int rank = world.rank();
            out.printf("rank %d: size %d %s%n", rank, world.size(), world.description());
            // More than one MPI call's worth of elements, so the chunking is exercised too.
            int n = MpiCommunicator.MAX_ELEMENTS_PER_CALL + 3;
            try (Tensor values = Tensor.allocateHost(DType.F32, n)) {
                for (int i = 0; i < n; i++) {
                    values.setFloat(i, (rank + 1) * (i % 1000) + 0.25f);
                }
                world.allReduceSum(values);
                out.printf("rank %d: tensor %s %s %s%n", rank, values.getFloat(0), values.getFloat(999),
                        values.getFloat(n - 1));
            }
            double[] counts = {rank + 1, 10.0 * rank};
            world.allReduceSum(counts);
            out.printf("rank %d: doubles %s%n", rank, Arrays.toString(counts));
            out.printf("rank %d: gather %s%n", rank, Arrays.toString(world.allGather(new long[] {rank, -rank})));
            out.printf("rank %d: agree %s %s%n", rank, world.allAgree(true), world.allAgree(rank != 1));
            world.barrier();
        }
    }
}
