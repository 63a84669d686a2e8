package io.albert4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.backend.cpu.internal.RuntimeNative;
import io.albert4j.tensor.Tensor;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * a4j_set_num_threads is process-wide (cpu/runtime.cpp): a count set on one Java thread is what kernels called
 * from any other Java thread use, and GEMM gives bit-identical results on 1 and 2 threads.
 */
class NumThreadsTest {
    private static final int M = 200, N = 190, K = 170;
    private int savedThreads;

    @BeforeEach
    void saveThreads() {
        savedThreads = RuntimeNative.numThreads();
    }

    @AfterEach
    void restoreThreads() {
        RuntimeNative.setNumThreads(savedThreads);
    }

    /** Runs task on a fresh platform thread (a new OpenMP initial thread with its own ICVs) and waits for it. */
    private static <T> T onNewThread(Callable<T> task) throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            return executor.submit(task).get();
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void countSetOnOneThreadIsSeenOnEveryThread() throws Exception {
        onNewThread(() -> {
            RuntimeNative.setNumThreads(1);
            return null;
        });
        assertEquals(1, RuntimeNative.numThreads(), "count set to 1 on another Java thread, read on this one");
        assertEquals(1, onNewThread(RuntimeNative::numThreads), "count set to 1, read on a third thread");

        RuntimeNative.setNumThreads(2);
        assertEquals(2, onNewThread(RuntimeNative::numThreads), "count set to 2 on this thread, read on another");
        assertEquals(2, RuntimeNative.numThreads());
    }

    @Test
    void nonPositiveCountMeansDefault() {
        RuntimeNative.setNumThreads(0);
        assertTrue(RuntimeNative.numThreads() >= 1, "default thread count " + RuntimeNative.numThreads());
    }

    @Test
    void gemmIsBitIdenticalOnOneAndTwoThreadsFromDifferentJavaThreads() throws Exception {
        SplittableRandom random = new SplittableRandom(5);
        float[] a = new float[M * K];
        float[] b = new float[K * N];
        for (int i = 0; i < a.length; i++) a[i] = (float) random.nextDouble(-1, 1);
        for (int i = 0; i < b.length; i++) b[i] = (float) random.nextDouble(-1, 1);
        CpuBackend backend = new CpuBackend();

        RuntimeNative.setNumThreads(1);
        float[] oneThread = onNewThread(() -> gemm(backend, a, b));
        RuntimeNative.setNumThreads(2);
        float[] twoThreads = onNewThread(() -> gemm(backend, a, b));
        float[] twoThreadsHere = gemm(backend, a, b);

        assertEquals(2, RuntimeNative.numThreads());
        assertArrayEquals(oneThread, twoThreads, "C on 1 thread vs 2 threads");
        assertArrayEquals(twoThreads, twoThreadsHere, "C on 2 threads from two different Java threads");
        double expected00 = 0;
        for (int p = 0; p < K; p++) expected00 += (double) a[p] * b[p * N];
        assertEquals(expected00, oneThread[0], 1e-4, "C[0][0] against a double dot product");
    }

    private static float[] gemm(CpuBackend backend, float[] a, float[] b) {
        try (Tensor ta = Tensor.ofFloats(a, a.length); Tensor tb = Tensor.ofFloats(b, b.length);
             Tensor tc = Tensor.ofFloats(new float[M * N], M * N)) {
            backend.gemm(false, false, M, N, K, 1.0f, ta, K, 0, tb, N, 0, 0.0f, tc, N, 0, 1);
            return tc.toFloatArray();
        }
    }
}
