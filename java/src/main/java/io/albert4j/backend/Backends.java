package io.albert4j.backend;

import io.albert4j.tensor.DType;
import io.albert4j.tensor.Device;
import io.albert4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;
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

    // ---- host <-> device: the one place that knows a host tensor is read in place and a device one is copied ----

    /**
     * Copies {@code values} into the I32 tensor {@code target}: in place on the host, else through a host tensor and
     * {@code backend}'s copy (a host-to-device copy returns once the host side has been read).
     */
    public static void upload(Backend backend, int[] values, Tensor target) {
        if (target.device().isCpu()) {
            target.copyFrom(values);
            return;
        }
        try (Tensor host = Tensor.ofInts(values, target.shape())) {
            backend.copy(host, target);
        }
    }

    /** As {@link #upload(Backend, int[], Tensor)} for an F32 tensor. */
    public static void upload(Backend backend, float[] values, Tensor target) {
        if (target.device().isCpu()) {
            target.copyFrom(values);
            return;
        }
        try (Tensor host = Tensor.ofFloats(values, target.shape())) {
            backend.copy(host, target);
        }
    }

    /** Element 0 of an F32 tensor (a loss, a norm), read in place on the host, else copied from its device. */
    public static float hostScalar(Tensor t) {
        if (t.device().isCpu()) {
            return t.getFloat(0);
        }
        try (Tensor host = Tensor.allocateHost(DType.F32, 1)) {
            get(t.device()).copy(t.view(1), host);
            return host.getFloat(0);
        }
    }

    /**
     * The bytes of {@code t} where the host can read them: the tensor's own memory on the host (no copy), else a
     * copy on the Java heap, aligned for any element type.
     */
    public static MemorySegment hostSegment(Tensor t) {
        if (t.device().isCpu()) {
            return t.data().asSlice(0, t.byteSize());
        }
        MemorySegment heap = MemorySegment.ofArray(new long[Math.toIntExact((t.byteSize() + 7) / 8)])
                .asSlice(0, t.byteSize());
        try (Tensor host = Tensor.allocateHost(t.dtype(), t.shape())) {
            get(t.device()).copy(t, host);
            MemorySegment.copy(host.data(), 0, heap, 0, t.byteSize());
        }
        return heap;
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
