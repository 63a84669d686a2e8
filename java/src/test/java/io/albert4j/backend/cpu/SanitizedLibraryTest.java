package io.albert4j.backend.cpu;

import io.albert4j.backend.cpu.internal.RuntimeNative;
import io.albert4j.backend.internal.NativeLibraries;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The kernels-sanitized run (java/pom.xml, {@code ALBERT4J_EXPECT_SANITIZED=1}) really tests the ASan + UBSan build:
 * a run that silently loaded the release library, or a JVM without the sanitizer runtime, would pass every op test
 * and prove nothing. Skipped in the other runs.
 */
class SanitizedLibraryTest {
    @Test
    void theSanitizedRunLoadsTheSanitizedLibraryUnderTheSanitizerRuntime() throws Exception {
        assumeTrue("1".equals(System.getenv("ALBERT4J_EXPECT_SANITIZED")), "not the kernels-sanitized run");
        RuntimeNative.numThreads();  // loads libalbert4j_cpu.so
        Path library = NativeLibraries.locate("albert4j_cpu").toRealPath();
        List<String> maps = Files.readAllLines(Path.of("/proc/self/maps"));
        assertTrue(maps.stream().anyMatch(line -> line.endsWith(library.toString())), library + " is not mapped");
        assertTrue(maps.stream().anyMatch(line -> line.matches(".*/libasan\\.so[.0-9]*$")), "libasan is not mapped");
        assertTrue(maps.stream().anyMatch(line -> line.matches(".*/libubsan\\.so[.0-9]*$")), "libubsan is not mapped");
        // The library itself links the sanitizer runtimes (the release build does not).
        String dynamic = new String(Files.readAllBytes(library), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(dynamic.contains("libasan.so") && dynamic.contains("__asan_init"),
                library + " is not built with -fsanitize=address");
    }
}
