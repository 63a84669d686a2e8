package io.albert4j.backend.cpu;

import io.albert4j.backend.Backend;
import io.albert4j.backend.BackendProvider;
import io.albert4j.tensor.Device;

/** Registers {@link CpuBackend} with the {@link java.util.ServiceLoader}. */
public final class CpuBackendProvider implements BackendProvider {
    @Override
    public Device.Kind kind() {
        return Device.Kind.CPU;
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    @Override
    public Backend create(Device device) {
        return new CpuBackend();
    }
}
