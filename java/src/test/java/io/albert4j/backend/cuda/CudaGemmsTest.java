package io.albert4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which GEMM a CUDA backend would use, and the errors for a wrong choice; no GPU needed. */
class CudaGemmsTest {
    @Test
    void thePropertyChoosesElseTheDefaultPanamaCublas() {
        String before = System.getProperty(CudaGemms.PROPERTY);
        try {
            System.clearProperty(CudaGemms.PROPERTY);
            if (System.getenv(CudaGemms.ENVIRONMENT) == null) {
                assertEquals("cublas", CudaGemms.selectedName());
            }
            System.setProperty(CudaGemms.PROPERTY, " JCublas ");
            assertEquals("jcublas", CudaGemms.selectedName(), "trimmed, any case");
        } finally {
            if (before == null) {
                System.clearProperty(CudaGemms.PROPERTY);
            } else {
                System.setProperty(CudaGemms.PROPERTY, before);
            }
        }
    }

    @Test
    void theBuiltInGemmIsRegisteredAndAnUnknownNameListsTheOthers() {
        List<String> names = CudaGemms.providers().stream().map(CudaGemmProvider::name).toList();
        assertTrue(names.contains("cublas"), names.toString());
        var e = assertThrows(IllegalArgumentException.class, () -> CudaGemms.provider("magma"));
        assertTrue(e.getMessage().contains("'magma'") && e.getMessage().contains("cublas"), e.getMessage());
        if (!names.contains("jcublas")) {
            e = assertThrows(IllegalArgumentException.class, () -> CudaGemms.provider("jcublas"));
            assertTrue(e.getMessage().contains("albert4j-jcuda"), e.getMessage());
        }
    }
}
