package io.albert4j.bench;

import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The fused residual + LayerNorm kernel on ALBERT-base hidden states (4096 tokens × 768), in GB/s of compulsory
 * traffic (the "gigabytes" counter): forward reads x and the residual and writes the saved sum and out; backward
 * reads dout and the sum and updates dinput. Run: {@code java -jar benchmarks/target/benchmarks.jar LayerNormBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LayerNormBench {
    private static final int ROWS = 4096;
    private static final int COLS = 768;

    private Backend backend;
    private Tensor x;
    private Tensor residual;
    private Tensor gamma;
    private Tensor beta;
    private Tensor out;
    private Tensor sum;
    private Tensor mean;
    private Tensor rstd;
    private Tensor dout;
    private Tensor dinput;
    private Tensor dgamma;
    private Tensor dbeta;

    @Setup
    public void setup() {
        backend = Backends.cpu();
        SplittableRandom random = new SplittableRandom(2);
        x = BiasGeluBench.filled(random, ROWS, COLS);
        residual = BiasGeluBench.filled(random, ROWS, COLS);
        gamma = BiasGeluBench.filled(random, COLS);
        beta = BiasGeluBench.filled(random, COLS);
        out = Tensor.allocateHost(DType.F32, ROWS, COLS);
        sum = Tensor.allocateHost(DType.F32, ROWS, COLS);
        mean = Tensor.allocateHost(DType.F32, ROWS);
        rstd = Tensor.allocateHost(DType.F32, ROWS);
        dout = BiasGeluBench.filled(random, ROWS, COLS);
        dinput = Tensor.allocateHost(DType.F32, ROWS, COLS);
        dgamma = Tensor.allocateHost(DType.F32, COLS);
        dbeta = Tensor.allocateHost(DType.F32, COLS);
        backend.layerNormForward(x, residual, gamma, beta, out, sum, mean, rstd, ROWS, COLS, 1e-12f);
    }

    @Benchmark
    public void forwardWithResidual(KernelBytes bytes) {
        backend.layerNormForward(x, residual, gamma, beta, out, sum, mean, rstd, ROWS, COLS, 1e-12f);
        bytes.add(4L * ROWS * COLS * Float.BYTES);
    }

    @Benchmark
    public void backward(KernelBytes bytes) {
        backend.layerNormBackward(dout, sum, mean, rstd, gamma, dinput, dgamma, dbeta, ROWS, COLS);
        bytes.add(4L * ROWS * COLS * Float.BYTES);
    }

    @TearDown
    public void close() {
        for (Tensor t : new Tensor[] {x, residual, gamma, beta, out, sum, mean, rstd, dout, dinput, dgamma, dbeta}) {
            t.close();
        }
    }
}
