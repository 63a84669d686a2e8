package io.albert4j.bench;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link GemmBench} briefly and prints albert4j's GFLOP/s, OpenBLAS's and their ratio per shape and thread count.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.albert4j.bench.GemmPeerReport [threads...] (default: 1 2)</pre>
 */
public final class GemmPeerReport {
    private GemmPeerReport() {
    }

    public static void main(String[] args) throws RunnerException {
        String[] threads = args.length == 0 ? new String[] {"1", "2"} : args;
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(GemmBench.class.getSimpleName())
                .param("threads", threads)
                .forks(1)
                .warmupIterations(2)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(3)
                .measurementTime(TimeValue.seconds(1));
        Collection<RunResult> results = new Runner(options.build()).run();
        // key "threads | M | NxK" -> impl -> GFLOP/s
        Map<String, Map<String, Double>> table = new TreeMap<>();
        for (RunResult run : results) {
            var params = run.getParams();
            String key = String.format("%s thread(s) | M=%5s | NxK=%s", params.getParam("threads"), params.getParam("m"),
                    params.getParam("nk"));
            Result<?> gflops = run.getSecondaryResults().get("gigaFlops");
            table.computeIfAbsent(key, x -> new TreeMap<>()).put(params.getParam("impl"), gflops.getScore());
        }
        System.out.println();
        System.out.println("GEMM C = A·Bᵀ, GFLOP/s (higher is better); ratio = albert4j / OpenBLAS");
        for (var row : table.entrySet()) {
            double ours = row.getValue().getOrDefault("albert4j", Double.NaN);
            double peer = row.getValue().getOrDefault("openblas", Double.NaN);
            System.out.printf("%-42s albert4j %7.1f  OpenBLAS %7.1f  ratio %.2f%n", row.getKey(), ours, peer, ours / peer);
        }
    }
}
