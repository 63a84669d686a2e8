package io.albert4j.backend;

import io.albert4j.tensor.Device;

/** Service-provider interface: a jar that implements a device registers one in META-INF/services. */
public interface BackendProvider {
    Device.Kind kind();

    /** Why this provider cannot run here (no driver, no GPU...), or null when it can. */
    String unavailableReason();

    Backend create(Device device);
}
