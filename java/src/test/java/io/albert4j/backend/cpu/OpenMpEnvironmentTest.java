package io.albert4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.albert4j.backend.internal.NativeEnvironment;
import io.albert4j.backend.cpu.internal.RuntimeNative;
import org.junit.jupiter.api.Test;

/**
 * Loading the CPU library sets libgomp's spin count through libc (CpuLibrary): the JVM's own environment is a
 * snapshot that libgomp never reads. A value the user set is left alone.
 */
class OpenMpEnvironmentTest {
    @Test
    void loadingTheCpuLibrarySetsASpinCountUnlessTheUserChoseOne() {
        assumeTrue(System.getenv("GOMP_SPINCOUNT") == null && System.getenv("OMP_WAIT_POLICY") == null,
                "the user's own GOMP_SPINCOUNT/OMP_WAIT_POLICY is in force");
        RuntimeNative.numThreads();  // loads libalbert4j_cpu.so, and libgomp with it
        assertEquals("10000", NativeEnvironment.get("GOMP_SPINCOUNT"));
    }

    @Test
    void setKeepsAnExistingValueUnlessToldToOverwrite() {
        String name = "ALBERT4J_TEST_" + ProcessHandle.current().pid();
        assertNull(NativeEnvironment.get(name));
        NativeEnvironment.set(name, "first", false);
        NativeEnvironment.set(name, "second", false);
        assertEquals("first", NativeEnvironment.get(name));
        NativeEnvironment.set(name, "third", true);
        assertEquals("third", NativeEnvironment.get(name));
    }
}
