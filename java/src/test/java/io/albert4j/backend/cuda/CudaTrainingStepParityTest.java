package io.albert4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.albert4j.backend.Backends;
import io.albert4j.tensor.Device;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Two full training steps on the CPU and on cuda:0 from the same weights and batch: losses and weights agree. */
@Tag("cuda")
class CudaTrainingStepParityTest {

    @Test
    void twoStepsMatchTheCpu() {
        String reason = new CudaBackendProvider().unavailableReason();
        assumeTrue(reason == null, () -> "skipped, no GPU: " + reason);
        try (TinyTrainingStep cpu = new TinyTrainingStep(Backends.cpu(), 5);
             TinyTrainingStep gpu = new TinyTrainingStep(Backends.get(Device.cuda(0)), 5)) {
            for (int s = 0; s < 2; s++) {
                float lossCpu = cpu.step(100 + s);
                float lossGpu = gpu.step(100 + s);
                assertTrue(Float.isFinite(lossCpu) && lossCpu > 0, "cpu loss " + lossCpu);
                assertEquals(lossCpu, lossGpu, 1e-4 * Math.abs(lossCpu), "loss after step " + s);
            }
            for (int i = 0; i < cpu.params.size(); i++) {
                float[] a = cpu.download(cpu.params.get(i));
                float[] b = gpu.download(gpu.params.get(i));
                for (int j = 0; j < a.length; j++) {
                    assertEquals(a[j], b[j], 1e-5 + 1e-4 * Math.abs(a[j]), "param " + i + "[" + j + "]");
                }
            }
        }
    }
}
