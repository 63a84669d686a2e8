package io.albert4j.jcuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.backend.cuda.CudaGemmProvider;
import io.albert4j.backend.cuda.CudaGemms;
import io.albert4j.tensor.DType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the JCublas GEMM is found and refused; its products need a GPU (JCublasGemmGpuTest). */
class JCublasGemmProviderTest {
    @Test
    void bothGemmsAreFoundByName() {
        List<String> names = CudaGemms.providers().stream().map(CudaGemmProvider::name).toList();
        assertTrue(names.contains("cublas") && names.contains("jcublas"), names.toString());
        assertEquals(JCublasGemmProvider.class, CudaGemms.providers().stream()
                .filter(p -> p.name().equals("jcublas")).findFirst().orElseThrow().getClass());
    }

    @Test
    void whereJCublasCannotLoadItSaysWhatItNeeds() {
        String reason = new JCublasGemmProvider().unavailableReason();
        // On a host with CUDA 12's cuBLAS it loads (null); everywhere else the reason names what to install.
        assertTrue(reason == null || reason.contains("libcublas.so.12"), reason);
        if (reason != null) {
            var e = assertThrows(IllegalStateException.class, () -> CudaGemms.provider("jcublas"));
            assertTrue(e.getMessage().contains("'jcublas'") && e.getMessage().contains("libcublas.so.12"),
                    e.getMessage());
        }
    }

    @Test
    void cublasTypesAndSizesAreChecked() {
        assertEquals(jcuda.cudaDataType.CUDA_R_16BF, JCublasGemm.dataType(DType.BF16));
        assertEquals(jcuda.cudaDataType.CUDA_R_32F, JCublasGemm.dataType(DType.F32));
        assertThrows(IllegalArgumentException.class, () -> JCublasGemm.dataType(DType.I32));
        var e = assertThrows(IllegalArgumentException.class, () -> JCublasGemm.toInt(1L << 31, "lda"));
        assertTrue(e.getMessage().contains("lda"), e.getMessage());
    }
}
