package io.albert4j.backend.cpu;

import io.albert4j.backend.cpu.internal.RuntimeNative;
import io.albert4j.backend.internal.NativeLibraries;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The loops the compiler vectorises carry an AVX-512 clone that the loader picks by the CPU alone, out of
 * {@code ALBERT4J_ISA}'s reach. The kernels-avx2 run (java/pom.xml, {@code ALBERT4J_EXPECT_AVX2_ONLY=1}) therefore
 * loads the build without those clones, so that an AVX-512 machine tests their AVX2 code; a run that silently loaded
 * the release library would test the AVX-512 clones twice. The release build, loaded everywhere else, must keep them.
 */
class Avx2OnlyLibraryTest {
    private static boolean avx2Run() {
        return "1".equals(System.getenv("ALBERT4J_EXPECT_AVX2_ONLY"));
    }

    @Test
    void theAvx2RunLoadsTheBuildWithoutAvx512ClonesOnTheAvx2Kernels() throws Exception {
        assumeTrue(avx2Run(), "not the kernels-avx2 run");
        assertFalse(RuntimeNative.avx512Clones(), "the kernels-avx2 run loaded a library with AVX-512 clones");
        assertEquals(1, RuntimeNative.isa(), "ALBERT4J_ISA=avx2 should select the AVX2 micro-kernels");
        Path library = NativeLibraries.locate("albert4j_cpu").toRealPath();
        Path expected = Path.of(System.getenv(NativeLibraries.ENV_DIR)).toRealPath();
        assertTrue(library.startsWith(expected), library + " is not from " + expected);
    }

    @Test
    void theReleaseBuildCarriesTheAvx512Clones() {
        assumeTrue(!avx2Run(), "the kernels-avx2 run loads the build without them");
        assertTrue(RuntimeNative.avx512Clones(), "libalbert4j_cpu.so was built without the AVX-512 clones "
                + "(-DALBERT4J_AVX2_ONLY) but loaded as the release library");
    }
}
