package io.albert4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** Which OpenBLAS kernels the GEMM peer asks for, so that each albert4j path meets the peer's matching one. */
class OpenBlasPeerCoreTypeTest {
    @Test
    void anAvx512CpuGetsTheAvx512KernelsUnlessAlbert4jIsForcedToAvx2() {
        assertEquals("SkylakeX", OpenBlasPeer.coreType(null, null, true));
        assertEquals("Haswell", OpenBlasPeer.coreType(null, "avx2", true));
        assertEquals("SkylakeX", OpenBlasPeer.coreType("", "avx512", true));
    }

    @Test
    void anAvx2CpuKeepsOpenBlasOwnChoice() {
        // Forcing SkylakeX there would die with SIGILL; Haswell or Zen is OpenBLAS's own pick.
        assertNull(OpenBlasPeer.coreType(null, null, false));
        assertNull(OpenBlasPeer.coreType(null, "avx2", false));
    }

    @Test
    void anExplicitChoiceWinsAndAutoLeavesItToOpenBlas() {
        assertEquals("Cooperlake", OpenBlasPeer.coreType("Cooperlake", "avx2", true));
        assertNull(OpenBlasPeer.coreType("auto", null, true));
    }
}
