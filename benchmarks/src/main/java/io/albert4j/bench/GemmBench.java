package io.albert4j.bench;

import io.albert4j.backend.Backends;
import io.albert4j.backend.cpu.CpuBackend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-precision GEMM at the shapes of ALBERT-base's dense layers, albert4j's a4j_gemm against OpenBLAS.
 * C[M, N] = A[M, K]·B[N, K]ᵀ: nn.Linear's forward (x·Wᵀ), M = tokens per batch, N = out features, K = in features.
 * The secondary result {@code gigaFlops} is the rate in GFLOP/s (2·M·N·K per call); the primary is calls/s.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar GemmBench -f 1 -wi 2 -i 3 -p threads=1</pre>
 * {@link GemmPeerReport} runs it and prints albert4j/OpenBLAS per shape.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class GemmBench {
    @Param({"1024", "4096"})
    public int m;

    /** N x K: 768x768 (attention projections), 3072x768 (FFN up), 768x3072 (FFN down), 128x768 (MLM head to the
     *  embedding size), 768x128 (embedding projection). */
    @Param({"768x768", "3072x768", "768x3072", "128x768", "768x128"})
    public String nk;

    /** albert4j, openblas, or albert4j-bf16 (bf16 operands, fp32 accumulation: AVX512_BF16 only, so opt-in). */
    @Param({"albert4j", "openblas"})
    public String impl;

    @Param({"1", "2"})
    public int threads;

    private int n;
    private int k;
    private Tensor a;
    private Tensor b;
    private Tensor c;
    private CpuBackend albert4j;
    private OpenBlasPeer openblas;

    /** GFLOP done, reported per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public double gigaFlops;
    }

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = nk.split("x");
        n = Integer.parseInt(parts[0]);
        k = Integer.parseInt(parts[1]);
        SplittableRandom random = new SplittableRandom(42);
        a = random(random, m, k);
        b = random(random, n, k);
        c = Tensor.allocateHost(DType.F32, m, n);
        albert4j = (CpuBackend) Backends.cpu();
        albert4j.setBf16Matmul(impl.equals("albert4j-bf16"));  // names why where the CPU has no AVX512_BF16
        openblas = OpenBlasPeer.get();
        setThreads();
        checkPeerAgreesWithUs();
    }

    // OpenMP's thread count is per calling thread: set it on the thread that runs the iteration.
    @Setup(Level.Iteration)
    public void setThreads() {
        albert4j.setNumThreads(threads);
        openblas.setNumThreads(threads);
    }

    private void checkPeerAgreesWithUs() {
        try (Tensor peer = Tensor.allocateHost(DType.F32, m, n)) {
            albert4j.gemm(false, true, m, n, k, 1.0f, a, k, 0, b, k, 0, 0.0f, c, n, 0, 1);
            openblas.sgemm(false, true, m, n, k, 1.0f, a.data(), k, b.data(), k, 0.0f, peer.data(), n);
            float[] ours = c.toFloatArray(), theirs = peer.toFloatArray();
            double worst = 0;
            for (int i = 0; i < ours.length; i++) {
                worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
            }
            // Sums of K products of values in [-1, 1]: float rounding differences stay far below 1e-3; bf16 operands
            // (8 significant bits) move them by ~sqrt(K)·2^-9, well below 0.2 at K <= 3072.
            if (!(worst < (albert4j.bf16Matmul() ? 0.2 : 1e-3))) {
                throw new IllegalStateException("OpenBLAS and albert4j disagree by " + worst + " at " + m + "x" + nk);
            }
            System.out.printf("# peer OpenBLAS core %s (%s), OPENBLAS_CORETYPE=%s; ours %s; max |diff| %.2e%n",
                    openblas.coreName(), openblas.config(),
                    java.util.Objects.requireNonNullElse(OpenBlasPeer.CORE_TYPE, "unset"), albert4j.description(), worst);
        }
    }

    @Benchmark
    public void gemm(Flops flops) {
        if (impl.startsWith("albert4j")) {
            // OpenMP keeps the thread count per calling thread; make sure this (the measuring) thread has it.
            if (albert4j.numThreads() != threads) {
                albert4j.setNumThreads(threads);
            }
            albert4j.gemm(false, true, m, n, k, 1.0f, a, k, 0, b, k, 0, 0.0f, c, n, 0, 1);
        } else {
            openblas.sgemm(false, true, m, n, k, 1.0f, a.data(), k, b.data(), k, 0.0f, c.data(), n);
        }
        flops.gigaFlops += 2.0 * m * n * k * 1e-9;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a.close();
        b.close();
        c.close();
    }

    private static Tensor random(SplittableRandom random, int rows, int cols) {
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return Tensor.ofFloats(values, rows, cols);
    }
}
