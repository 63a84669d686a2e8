package io.albert4j.cli;

import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.backend.cpu.CpuBackend;
import io.albert4j.backend.cuda.CudaBackend;
import io.albert4j.tensor.Device;

/** The backend a command runs on, set up from its {@code --device}, {@code --threads}, {@code --tf32} and {@code --bf16}. */
final class BackendSetup {
    private BackendSetup() {
    }

    /**
     * @param threads CPU kernel threads, 0 for all cores (ignored on a GPU)
     * @param tf32    fp32 matrix products on TF32 tensor cores; refused on the CPU, which has none
     * @param bf16    CPU matrix products on bf16 operands (AVX512_BF16); refused elsewhere, with the reason
     */
    static Backend open(Device device, int threads, boolean tf32, boolean bf16) {
        Backend backend = Backends.get(device);  // names why (no driver, no GPU, library not built) when it cannot
        if (threads > 0 && backend instanceof CpuBackend cpu) {
            cpu.setNumThreads(threads);
        }
        if (tf32) {
            if (!(backend instanceof CudaBackend cuda)) {
                throw new IllegalArgumentException("--tf32 needs a cuda device, got " + device);
            }
            cuda.setTf32Matmul(true);
        }
        if (backend instanceof CpuBackend cpu) {
            if (bf16) {
                cpu.setBf16Matmul(true);
            } else if (cpu.bf16Matmul()) {
                cpu.setBf16Matmul(false);  // process-wide: an earlier command in this JVM may have turned it on
            }
        } else if (bf16) {
            throw new IllegalArgumentException("--bf16 is for the cpu device (AVX512_BF16); on " + device
                    + " use --tf32");
        }
        return backend;
    }
}
