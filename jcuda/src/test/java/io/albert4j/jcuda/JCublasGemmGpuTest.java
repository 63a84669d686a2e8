package io.albert4j.jcuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.backend.cuda.CudaBackend;
import io.albert4j.backend.cuda.CudaBackendProvider;
import io.albert4j.backend.cuda.CudaGemms;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Device;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import java.util.SplittableRandom;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaStream_t;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Needs a GPU with CUDA 12's cuBLAS (skipped without): a backend on a stream JCuda created, its GEMMs through
 * JCublas, and a JCuda-side read of albert4j's result, against the CPU backend.
 */
@Tag("cuda")
class JCublasGemmGpuTest {
    @Test
    void aBackendOnAJCudaStreamMultipliesThroughJCublas() {
        String gpu = new CudaBackendProvider().unavailableReason();
        assumeTrue(gpu == null, () -> "skipped, no GPU: " + gpu);
        String jcublas = new JCublasGemmProvider().unavailableReason();
        assumeTrue(jcublas == null, () -> "skipped: " + jcublas);
        int m = 37, n = 29, k = 45;
        SplittableRandom random = new SplittableRandom(5);
        float[] a = new float[m * k];
        float[] b = new float[n * k];
        for (int i = 0; i < a.length; i++) a[i] = (float) random.nextDouble(-1, 1);
        for (int i = 0; i < b.length; i++) b[i] = (float) random.nextDouble(-1, 1);
        Backend cpu = Backends.cpu();
        String before = System.getProperty(CudaGemms.PROPERTY);
        System.setProperty(CudaGemms.PROPERTY, "jcublas");
        cudaStream_t stream = new cudaStream_t();
        assertEquals(0, JCuda.cudaStreamCreate(stream));
        try (CudaBackend backend = JCudaStreams.backendOn(Device.cuda(0), stream);
             StepArena host = new StepArena(cpu, 1 << 16);
             StepArena device = new StepArena(backend, 1 << 16)) {
            assertTrue(backend.description().contains("JCublas"), backend.description());
            assertEquals(JCudaPointers.address(stream), JCudaPointers.address(JCudaStreams.stream(backend)),
                    "albert4j queues on the application's stream");
            Tensor ha = host.allocate(DType.F32, m, k);
            ha.copyFrom(a);
            Tensor hb = host.allocate(DType.F32, n, k);
            hb.copyFrom(b);
            Tensor hc = host.allocateZeroed(DType.F32, m, n);
            Tensor da = device.allocate(DType.F32, m, k);
            Tensor db = device.allocate(DType.F32, n, k);
            Tensor dc = device.allocateZeroed(DType.F32, m, n);
            backend.copy(ha, da);
            backend.copy(hb, db);
            cpu.gemm(false, true, m, n, k, 1f, ha, k, 0, hb, k, 0, 0f, hc, n, 0, 1);
            backend.gemm(false, true, m, n, k, 1f, da, k, 0, db, k, 0, 0f, dc, n, 0, 1);
            Tensor back = host.allocate(DType.F32, m, n);
            backend.copy(dc, back);
            float[] expected = hc.toFloatArray();
            float[] actual = back.toFloatArray();
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-4 + 1e-4 * Math.abs(expected[i]), "C[" + i + "]");
            }
            // The same device memory seen from JCuda: copy C to the host with cudaMemcpy, no albert4j call.
            float[] viaJCuda = new float[m * n];
            backend.synchronize();
            assertEquals(0, JCuda.cudaMemcpy(jcuda.Pointer.to(viaJCuda), JCudaPointers.pointer(dc),
                    (long) m * n * Float.BYTES, jcuda.runtime.cudaMemcpyKind.cudaMemcpyDeviceToHost));
            assertEquals(actual[m * n - 1], viaJCuda[m * n - 1]);
        } finally {
            JCuda.cudaStreamDestroy(stream);
            if (before == null) {
                System.clearProperty(CudaGemms.PROPERTY);
            } else {
                System.setProperty(CudaGemms.PROPERTY, before);
            }
        }
    }
}
