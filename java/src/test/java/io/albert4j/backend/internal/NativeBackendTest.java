package io.albert4j.backend.internal;

import io.albert4j.backend.Activation;
import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Device;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The memory-safety guards every native backend runs before a downcall (written once, in {@link NativeBackend}),
 * exercised through the CPU backend: what the kernel would read out of bounds, or from the wrong device, dtype or
 * freed memory, is refused in Java with the kernel and argument named, and nothing reaches the library.
 */
class NativeBackendTest {
    private final Backend cpu = Backends.cpu();

    private static <T extends Throwable> void refused(Class<T> type, Executable call, String... parts) {
        T e = assertThrows(type, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' not in: " + e.getMessage());
        }
    }

    @Test
    void aTensorTooSmallForTheKernelsExtentIsRefused() {
        try (Tensor x = Tensor.allocateHost(DType.F32, 2, 3);
             Tensor gamma = Tensor.allocateHost(DType.F32, 3);
             Tensor beta = Tensor.allocateHost(DType.F32, 3);
             Tensor out = Tensor.allocateHost(DType.F32, 2, 3);
             Tensor mean = Tensor.allocateHost(DType.F32, 1);
             Tensor rstd = Tensor.allocateHost(DType.F32, 2);
             Tensor square = Tensor.allocateHost(DType.F32, 3, 3)) {
            // Two rows need two means: the kernel would write past the end of a one-element buffer.
            refused(IllegalArgumentException.class, () -> cpu.layerNormForward(x, null, gamma, beta, out, null, mean,
                    rstd, 2, 3, 1e-12f), "layer_norm", "'mean'", "holds 1 elements, the kernel reads 2");
            // GEMM extents come from the leading dimensions and batch strides, not from the shapes.
            refused(IllegalArgumentException.class, () -> cpu.gemm(false, false, 2, 3, 3, 1f, x, 3, 0, square, 3, 0,
                    0f, out, 3, 6, 2), "gemm", "'c'", "the kernel reads 12");
            refused(IllegalArgumentException.class, () -> cpu.gemm(false, false, 2, 3, 3, 1f, x, 2, 0, square, 3, 0,
                    0f, out, 3, 0, 1), "gemm: leading dimension too small (lda 2 < 3");
        }
    }

    @Test
    void wrongDtypeDeviceOrAFreedTensorIsRefused() {
        try (Tensor ids = Tensor.allocateHost(DType.I32, 4);
             Tensor table = Tensor.allocateHost(DType.F32, 10, 2);
             Tensor out = Tensor.allocateHost(DType.F32, 4, 2);
             Tensor bf16 = Tensor.allocateHost(DType.BF16, 4, 2);
             Arena arena = Arena.ofConfined()) {
            refused(IllegalArgumentException.class, () -> cpu.embeddingForward(table, table, out, 4, 10, 2),
                    "embedding", "'ids' must be I32");
            // The CPU library has no bf16 activations: bias+GELU takes F32 input only.
            refused(IllegalArgumentException.class, () -> cpu.biasGeluForward(bf16, null, out, 4, 2, Activation.GELU_TANH),
                    "bias_gelu", "'x' must be F32");
            Tensor elsewhere = new Tensor(arena.allocate(32), DType.F32, Device.cuda(0), 4, 2);
            refused(IllegalArgumentException.class, () -> cpu.embeddingForward(ids, table, elsewhere, 4, 10, 2),
                    "'out'", "is not on cpu");
            refused(NullPointerException.class, () -> cpu.embeddingForward(ids, null, out, 4, 10, 2),
                    "embedding: argument 'table' is null");
        }
        try (StepArena arena = new StepArena(cpu, 1 << 16)) {
            Tensor kept = arena.allocate(DType.F32, 8);
            arena.reset();
            refused(IllegalStateException.class, () -> cpu.fill(1f, kept), "fill", "was freed");
        }
    }

    @Test
    void optionalArgumentsMayBeAbsentAndWellFormedCallsRun() {
        try (Tensor x = Tensor.ofFloats(new float[] {1, -2, 3, -4}, 2, 2);
             Tensor out = Tensor.allocateHost(DType.F32, 2, 2)) {
            cpu.biasGeluForward(x, null, out, 2, 2, Activation.RELU);
            assertArrayEquals(new float[] {1, 0, 3, 0}, out.toFloatArray());
            cpu.axpy(2f, x, out);
            assertEquals(9f, out.getFloat(2));
        }
    }
}
