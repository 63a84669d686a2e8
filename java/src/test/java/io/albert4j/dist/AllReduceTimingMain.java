package io.albert4j.dist;

import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.time.Duration;
import java.util.Arrays;

/**
 * The cost of one gradient all-reduce of {@code FLOATS} floats, {@code REPEATS} times after one warm-up: {@code
 * mpirun -np 2 java -cp ... io.albert4j.dist.AllReduceTimingMain 11813810 10}. Rank 0 prints the median and the
 * fastest time and the algorithm bandwidth (bytes reduced per second). The figures behind the README's
 * "Data-parallel training"; not a test.
 */
public final class AllReduceTimingMain {
    private AllReduceTimingMain() {
    }

    public static void main(String[] args) {
        int floats = Integer.parseInt(args[0]);
        int repeats = Integer.parseInt(args[1]);
        try (Communicator world = Communicators.fromEnvironment(Duration.ofMinutes(2), System.err);
             Tensor gradients = Tensor.allocateHost(DType.F32, floats)) {
            double[] millis = new double[repeats];
            for (int r = -1; r < repeats; r++) {
                world.barrier();
                long start = System.nanoTime();
                world.allReduceSum(gradients);
                if (r >= 0) {
                    millis[r] = (System.nanoTime() - start) / 1e6;
                }
            }
            Arrays.sort(millis);
            if (world.isRoot()) {
                double median = millis[repeats / 2];
                System.out.printf("%s: all-reduce of %,d floats (%.1f MB): median %.1f ms, fastest %.1f ms, "
                                + "%.2f GB/s at the median%n", world.description(), floats, floats * 4 / 1e6, median,
                        millis[0], floats * 4 / 1e6 / median);
            }
        }
    }
}
