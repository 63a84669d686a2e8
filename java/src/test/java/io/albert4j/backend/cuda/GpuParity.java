package io.albert4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Device;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import java.util.SplittableRandom;

/** The same inputs on the CPU and on cuda:0: upload, download, compare. Skips (with the reason) without a GPU. */
final class GpuParity implements AutoCloseable {
    final Backend cpu = Backends.cpu();
    final Backend gpu;
    final StepArena hostArena = new StepArena(cpu, 1 << 20);
    final StepArena deviceArena;
    final SplittableRandom random;

    GpuParity(long seed) {
        String reason = new CudaBackendProvider().unavailableReason();
        assumeTrue(reason == null, () -> "skipped, no GPU: " + reason);
        gpu = Backends.get(Device.cuda(0));
        deviceArena = new StepArena(gpu, 1 << 20);
        random = new SplittableRandom(seed);
    }

    float[] floats(int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    int[] ints(int n, int bound) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextInt(bound);
        }
        return v;
    }

    /** A pair: the host tensor and a device copy. */
    record Pair(Tensor host, Tensor device) {
    }

    Pair pair(float[] values, int... shape) {
        Tensor h = hostArena.allocate(DType.F32, shape);
        h.copyFrom(values);
        Tensor d = deviceArena.allocate(DType.F32, shape);
        gpu.copy(h, d);
        return new Pair(h, d);
    }

    Pair pairInts(int[] values, int... shape) {
        Tensor h = hostArena.allocate(DType.I32, shape);
        h.copyFrom(values);
        Tensor d = deviceArena.allocate(DType.I32, shape);
        gpu.copy(h, d);
        return new Pair(h, d);
    }

    Pair zeros(int... shape) {
        return pair(new float[(int) Tensor.numelOf(shape)], shape);
    }

    float[] download(Tensor device) {
        Tensor h = hostArena.allocate(device.dtype(), device.shape());
        gpu.copy(device, h);
        return h.toFloatArray();
    }

    /** Asserts |cpu - gpu| <= atol + rtol*|cpu| elementwise, naming the first mismatch. */
    void assertClose(String what, Pair p, double atol, double rtol) {
        float[] expected = p.host().toFloatArray();
        float[] actual = download(p.device());
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double tolerance = atol + rtol * Math.abs(expected[i]);
            if (!(Math.abs(expected[i] - actual[i]) <= tolerance)) {
                assertEquals(expected[i], actual[i], tolerance, what + "[" + i + "] cpu vs cuda");
            }
        }
    }

    @Override
    public void close() {
        if (deviceArena != null) {
            gpu.synchronize();
            deviceArena.close();
        }
        hostArena.close();
    }
}
