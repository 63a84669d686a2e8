package io.albert4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.backend.Backend;
import io.albert4j.backend.BackendProvider;
import io.albert4j.backend.Backends;
import io.albert4j.tensor.Device;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Runs everywhere: without a GPU the provider explains why; with one, Device.cuda(0) selects the CUDA backend. */
class CudaBackendAvailabilityTest {

    @Test
    void providerIsRegistered() {
        boolean found = ServiceLoader.load(BackendProvider.class).stream()
                .anyMatch(p -> p.type() == CudaBackendProvider.class);
        assertTrue(found, "CudaBackendProvider missing from META-INF/services");
    }

    @Test
    void reportsWhyItIsUnavailableOrCreatesTheBackend() {
        CudaBackendProvider provider = new CudaBackendProvider();
        String reason = assertDoesNotThrow(provider::unavailableReason);
        if (reason != null) {
            assertTrue(reason.startsWith("CUDA backend unavailable: "), reason);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.get(Device.cuda(0)));
            assertTrue(e.getMessage().contains(reason), "message should name the reason: " + e.getMessage());
            assertEquals(false, Backends.isAvailable(Device.Kind.CUDA));
            assertEquals(0, CudaBackendProvider.deviceCount());
        } else {
            Backend backend = Backends.get(Device.cuda(0));
            assertNotNull(backend);
            assertEquals(Device.cuda(0), backend.device());
            assertTrue(backend.description().startsWith("cuda:0"), backend.description());
        }
    }

    @Test
    void cpuStaysTheDefault() {
        assertEquals(Device.CPU, Backends.cpu().device());
        assertEquals(Device.cuda(0), Device.parse("cuda"));
    }
}
