package io.albert4j.bench;

import io.albert4j.backend.Activation;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The fused bias + GELU kernel on an ALBERT-base FFN activation (4096 tokens × 3072), forward and backward, in
 * GB/s of compulsory traffic (the "gigabytes" counter): forward reads x and writes out; backward reads dout and x
 * and updates dx. Run: {@code java -jar benchmarks/target/benchmarks.jar BiasGeluBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class BiasGeluBench {
    private static final int ROWS = 4096;
    private static final int COLS = 3072;

    @Param({"GELU_TANH", "GELU_ERF"})
    public Activation activation;

    private Backend backend;
    private Tensor x;
    private Tensor bias;
    private Tensor out;
    private Tensor dout;
    private Tensor dx;
    private Tensor dbias;

    @Setup
    public void setup() {
        backend = Backends.cpu();
        SplittableRandom random = new SplittableRandom(1);
        x = filled(random, ROWS, COLS);
        bias = filled(random, COLS);
        out = Tensor.allocateHost(DType.F32, ROWS, COLS);
        dout = filled(random, ROWS, COLS);
        dx = Tensor.allocateHost(DType.F32, ROWS, COLS);
        dbias = Tensor.allocateHost(DType.F32, COLS);
    }

    static Tensor filled(SplittableRandom random, int... shape) {
        float[] values = new float[Math.toIntExact(Tensor.numelOf(shape))];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextDouble() * 6 - 3);
        }
        return Tensor.ofFloats(values, shape);
    }

    @Benchmark
    public void forward(KernelBytes bytes) {
        backend.biasGeluForward(x, bias, out, ROWS, COLS, activation);
        bytes.add(2L * ROWS * COLS * Float.BYTES);
    }

    @Benchmark
    public void backward(KernelBytes bytes) {
        backend.biasGeluBackward(dout, x, bias, dx, dbias, ROWS, COLS, activation);
        bytes.add(4L * ROWS * COLS * Float.BYTES);
    }

    @TearDown
    public void close() {
        for (Tensor t : new Tensor[] {x, bias, out, dout, dx, dbias}) {
            t.close();
        }
    }
}
