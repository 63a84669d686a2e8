package io.albert4j.backend;

import io.albert4j.tensor.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/** Finds backends through {@link ServiceLoader}; one shared instance per device. */
public final class Backends {
    private static final Map<Device, Backend> SHARED = new ConcurrentHashMap<>();

    private Backends() {
    }

    /** The process-wide backend for {@code device}, created on first use. */
    public static Backend get(Device device) {
        return SHARED.computeIfAbsent(device, Backends::create);
    }

    public static Backend cpu() {
        return get(Device.CPU);
    }

    private static Backend create(Device device) {
        List<String> reasons = new ArrayList<>();
        for (BackendProvider provider : ServiceLoader.load(BackendProvider.class)) {
            if (provider.kind() != device.kind()) {
                continue;
            }
            String reason = provider.unavailableReason();
            if (reason == null) {
                return provider.create(device);
            }
            reasons.add(reason);
        }
        throw new IllegalStateException("no backend for device " + device
                + (reasons.isEmpty() ? ": none is installed" : ": " + String.join("; ", reasons)));
    }

    /** Whether a backend for {@code kind} is installed and usable here (e.g. a GPU and its driver are present). */
    public static boolean isAvailable(Device.Kind kind) {
        for (BackendProvider provider : ServiceLoader.load(BackendProvider.class)) {
            if (provider.kind() == kind && provider.unavailableReason() == null) {
                return true;
            }
        }
        return false;
    }
}
