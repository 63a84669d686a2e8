package io.albert4j.backend;

import io.albert4j.tensor.DType;
import io.albert4j.tensor.Device;
import io.albert4j.tensor.Tensor;
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

    /** An I32 tensor's values on the Java heap, copied from its device when it is not on the host. */
    public static int[] hostInts(Tensor t) {
        if (t.device().isCpu()) {
            return t.toIntArray();
        }
        try (Tensor host = Tensor.allocateHost(DType.I32, t.shape())) {
            get(t.device()).copy(t, host);  // a device-to-host copy returns once the data is on the host
            return host.toIntArray();
        }
    }

    /** As {@link #hostInts}, for a floating-point tensor (BF16 is widened). */
    public static float[] hostFloats(Tensor t) {
        if (t.device().isCpu()) {
            return t.toFloatArray();
        }
        try (Tensor host = Tensor.allocateHost(t.dtype(), t.shape())) {
            get(t.device()).copy(t, host);
            return host.toFloatArray();
        }
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
