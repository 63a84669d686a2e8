package io.albert4j.bench;

import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.backend.cpu.CpuBackend;
import io.albert4j.ops.Ops;
import io.albert4j.ops.Step;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Fused self-attention (cpu/attention.cpp through {@code Ops.attention}) at ALBERT-base's shape: batch 8, 12 heads,
 * head dim 64. Throughput mode; the {@code gflop} counter's rate is GFLOP/s of useful work:
 * forward {@code 4·B·heads·S²·d} (Q·Kᵀ and P·V), backward {@code 10·B·heads·S²·d} (the recomputed Q·Kᵀ, dO·Vᵀ, dV,
 * dK, dQ), so {@code forwardBackward} counts {@code 14·B·heads·S²·d}. Read the {@code :gflop} rows as GFLOP/s.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar AttentionBench -f 1 -wi 2 -i 3 -p threads=2</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class AttentionBench {
    private static final int BATCH = 8;
    private static final int HEADS = 12;
    private static final int HEAD_DIM = 64;
    private static final int HIDDEN = HEADS * HEAD_DIM;

    @Param({"128", "512"})
    public int seq;

    /** 0.1: ALBERT's attention_probs_dropout_prob in pretraining; 0 for inference / fine-tuning without it. */
    @Param({"0.0", "0.1"})
    public float dropout;

    /** Kernel (OpenMP) threads. */
    @Param({"2"})
    public int threads;

    private Backend backend;
    private StepArena arena;
    private Tensor q;
    private Tensor k;
    private Tensor v;
    private Tensor maskAdd;
    private Tensor gradOut;
    private long seed;

    /** GFLOP done; JMH reports its rate, i.e. GFLOP/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Gflop {
        public double gflop;
    }

    @Setup(Level.Trial)
    public void setUp() {
        backend = Backends.cpu();
        if (backend instanceof CpuBackend cpu) {
            cpu.setNumThreads(threads);
        }
        arena = new StepArena(backend, 64L << 20);
        SplittableRandom random = new SplittableRandom(1);
        q = randomHost(random, BATCH, seq, HIDDEN).setRequiresGrad(true);
        k = randomHost(random, BATCH, seq, HIDDEN).setRequiresGrad(true);
        v = randomHost(random, BATCH, seq, HIDDEN).setRequiresGrad(true);
        gradOut = randomHost(random, BATCH, seq, HIDDEN);
        // The last eighth of every sequence is padding, as in a padded batch.
        float[] mask = new float[BATCH * seq];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = i % seq >= seq - seq / 8 ? -10000f : 0f;
        }
        maskAdd = Tensor.ofFloats(mask, BATCH, seq);
    }

    private static Tensor randomHost(SplittableRandom random, int... shape) {
        Tensor t = Tensor.allocateHost(DType.F32, shape);
        float[] values = new float[(int) t.numel()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextDouble() * 2 - 1);
        }
        t.copyFrom(values);
        return t;
    }

    private double forwardGflop() {
        return 4.0 * BATCH * HEADS * (double) seq * seq * HEAD_DIM / 1e9;
    }

    @Benchmark
    public Tensor forward(Gflop counter) {
        try (Step step = Step.inference(backend, arena)) {
            Tensor out = Ops.attention(q, k, v, maskAdd, HEADS, dropout, seed++);
            counter.gflop += forwardGflop();
            return out;
        }
    }

    @Benchmark
    public Tensor forwardBackward(Gflop counter) {
        try (Step step = Step.training(backend, arena)) {
            Tensor out = Ops.attention(q, k, v, maskAdd, HEADS, dropout, seed++);
            step.tape().backward(out, gradOut);
            counter.gflop += 3.5 * forwardGflop();
            return gradOut;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
        for (Tensor t : new Tensor[] {q, k, v, maskAdd, gradOut}) {
            t.close();
        }
    }
}
