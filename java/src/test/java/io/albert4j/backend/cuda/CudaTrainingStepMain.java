package io.albert4j.backend.cuda;

import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.tensor.Device;

/**
 * Runs {@link TinyTrainingStep} twice on cuda:0 and prints the losses: the program scripts/gpu-verify.sh runs under
 * compute-sanitizer (memcheck, racecheck) so every kernel of a training step is checked for out-of-bounds access.
 */
public final class CudaTrainingStepMain {
    private CudaTrainingStepMain() {
    }

    public static void main(String[] args) {
        Backend gpu = Backends.get(Device.cuda(0));
        System.out.println("backend: " + gpu.description());
        try (TinyTrainingStep step = new TinyTrainingStep(gpu, 5)) {
            for (int i = 0; i < 2; i++) {
                System.out.printf("step %d loss %.6f%n", i, step.step(100 + i));
            }
        }
        gpu.close();
    }
}
