package io.albert4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.backend.Backends;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The hand-written kernels dispatch to the best instruction set the CPU has, and {@code ALBERT4J_ISA=avx2} forces
 * the AVX2 path ({@code avx512}: AVX-512 without AMX). The build runs the kernel tests again in forks with each
 * (java/pom.xml: the {@code kernels-avx2} and {@code kernels-avx512} executions), so on an AVX-512 machine both
 * micro-kernels, and on an AMX machine both bf16 paths, are checked against their references.
 */
class KernelIsaTest {
    @Test
    void dispatchFollowsTheCpuUnlessForced() throws IOException {
        CpuBackend backend = (CpuBackend) Backends.cpu();
        boolean forcedAvx2 = "avx2".equals(System.getenv("ALBERT4J_ISA"));
        boolean cpuHasAvx512 = hasAll(cpuFlags(), "avx512f", "avx512dq", "avx512bw", "avx512vl");
        String expected = !forcedAvx2 && cpuHasAvx512 ? "AVX-512" : "AVX2";
        assertEquals(expected, backend.instructionSet(),
                "ALBERT4J_ISA=" + System.getenv("ALBERT4J_ISA") + ", CPU has AVX-512: " + cpuHasAvx512);
        assertTrue(backend.description().contains(expected), backend.description());
    }

    @Test
    void bf16GemmsTakeAmxTilesWhereTheCpuHasThemUnlessForcedOff() throws IOException {
        CpuBackend backend = (CpuBackend) Backends.cpu();
        String isa = System.getenv("ALBERT4J_ISA");
        boolean forcedOff = "avx2".equals(isa) || "avx512".equals(isa);
        // Linux lists amx_tile only where it lets processes use the tiles (it then grants ARCH_REQ_XCOMP_PERM).
        boolean cpuHasAmx = hasAll(cpuFlags(), "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_bf16", "amx_tile",
                "amx_bf16");
        assertEquals(!forcedOff && cpuHasAmx, backend.amxTiles(), "ALBERT4J_ISA=" + isa + ", CPU has AMX: " + cpuHasAmx);
        if (backend.amxTiles()) {
            backend.setBf16Matmul(true);
            try {
                assertTrue(backend.description().contains("AMX"), backend.description());
            } finally {
                backend.setBf16Matmul(false);
            }
        }
    }

    private static boolean hasAll(String flags, String... names) {
        for (String name : names) {
            if (!(" " + flags + " ").contains(" " + name + " ")) {
                return false;
            }
        }
        return true;
    }

    /** The first "flags" line of /proc/cpuinfo (x86 Linux, which is what the CPU library is built for). */
    private static String cpuFlags() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("flags")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return "";
    }
}
