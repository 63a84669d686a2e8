package io.albert4j.cli;

import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.ops.Ops;
import io.albert4j.ops.Step;
import io.albert4j.tensor.Device;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code albert info}: which backends are usable here, and a smoke run of the engine on each. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show the native backends and run a quick engine check.")
final class InfoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        Backend cpu = Backends.cpu();
        System.out.println("albert4j 0.1.0 on Java " + Runtime.version());
        System.out.println("cpu backend : " + cpu.description());
        System.out.println("cuda backend: " + (Backends.isAvailable(Device.Kind.CUDA) ? "available" : "not available"));
        try (StepArena arena = new StepArena(cpu, 1 << 20); Step step = Step.inference(cpu, arena)) {
            Tensor x = arena.allocate(io.albert4j.tensor.DType.F32, 3);
            x.copyFrom(new float[] {-1f, 0f, 1f});
            float[] y = Ops.tanh(x).toFloatArray();
            System.out.printf("engine check: tanh(-1, 0, 1) = (%.4f, %.4f, %.4f)%n", y[0], y[1], y[2]);
        }
        return 0;
    }
}
