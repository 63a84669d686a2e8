package io.albert4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * libalbert4j_cuda.so is built whenever nvcc is on PATH (and ALBERT4J_CUDA is not OFF), and exports every function
 * of albert4j.h except a4j_gemm (GEMMs go to cuBLAS) and the host-math test hook a4j_math_eval plus every function of cuda/albert4j_cuda.h. Needs no GPU.
 */
class CudaLibrarySymbolsTest {
    private static final Pattern FUNCTION = Pattern.compile("A4J_API\\s+[\\w\\s*]+?\\b(a4j_\\w+)\\s*\\(");
    private static final Path ROOT = Path.of(System.getProperty("albert4j.sourceRoot", "..")).toAbsolutePath().normalize();

    @Test
    void buildProducesTheLibraryWhenNvccIsPresent() {
        assumeTrue(nvccOnPath(), "nvcc is not on PATH: the CUDA library is not built here");
        assumeTrue(!"OFF".equalsIgnoreCase(System.getenv("ALBERT4J_CUDA")),
                "ALBERT4J_CUDA=OFF: the CUDA library was deliberately skipped");
        assumeTrue(Files.isRegularFile(ROOT.resolve("java/pom.xml")),
                "not running inside the Maven build of a source checkout (e.g. from the GPU bundle)");
        String resource = "native/linux-x86_64/libalbert4j_cuda.so";
        assertTrue(getClass().getClassLoader().getResource(resource) != null,
                "nvcc is on PATH but the build did not pack " + resource + " into the albert4j jar/classes");
    }

    @Test
    void exportsEveryKernelOfTheCAbiExceptGemm() throws IOException {
        Path lib = findLibrary();
        assumeTrue(lib != null, "libalbert4j_cuda.so was not built (no nvcc, or ALBERT4J_CUDA=OFF); set "
                + "ALBERT4J_NATIVE_DIR to a directory holding it to check its symbols");
        Set<String> expected = new TreeSet<>(declared(ROOT.resolve("cmake/include/albert4j.h")));
        expected.remove("a4j_gemm");
        // A CPU-side test hook: evaluates the shared __host__ __device__ math (a4j_math.h) on the host.
        expected.remove("a4j_math_eval");
        // The CPU GEMM's own levers: opt-in bf16 products (AVX512_BF16; cuBLAS's precision is set through cuBLAS)
        // and B packed once for many GEMMs (cuBLAS reads plain matrices at full speed).
        for (String cpuOnly : List.of("a4j_set_gemm_bf16", "a4j_get_gemm_bf16", "a4j_gemm_packed_b_bytes",
                "a4j_gemm_pack_b", "a4j_gemm_packed_b", "a4j_gemm_bias_activation")) {
            expected.remove(cpuOnly);
        }
        assertTrue(expected.size() > 30, "parsed only " + expected.size() + " functions from albert4j.h");
        Path cudaHeader = ROOT.resolve("cuda/albert4j_cuda.h");
        if (Files.isRegularFile(cudaHeader)) {
            expected.addAll(declared(cudaHeader));
        }
        Set<String> exported = ElfDynamicSymbols.definedFunctions(lib);
        List<String> missing = new ArrayList<>();
        for (String name : expected) {
            if (!exported.contains(name)) {
                missing.add(name);
            }
        }
        assertEquals(List.of(), missing, "functions declared but not exported by " + lib);
        // Nothing else leaks: internal helpers stay hidden (-fvisibility=hidden).
        for (String name : exported) {
            assertTrue(name.startsWith("a4j_") || !name.contains("a4j"), "internal symbol exported: " + name);
        }
    }

    private static Set<String> declared(Path header) throws IOException {
        String text = Files.readString(header).replaceAll("(?s)/\\*.*?\\*/", "");
        Set<String> names = new TreeSet<>();
        Matcher m = FUNCTION.matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static Path findLibrary() {
        List<Path> candidates = new ArrayList<>();
        String dir = System.getProperty("albert4j.native.dir", System.getenv("ALBERT4J_NATIVE_DIR"));
        if (dir != null && !dir.isBlank()) {
            candidates.add(Path.of(dir, "libalbert4j_cuda.so"));
        }
        candidates.add(ROOT.resolve("java/target/classes/native/linux-x86_64/libalbert4j_cuda.so"));
        candidates.add(ROOT.resolve("java/target/native-build/libalbert4j_cuda.so"));
        return candidates.stream().filter(Files::isRegularFile).findFirst().orElse(null);
    }

    private static boolean nvccOnPath() {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(":")).anyMatch(p -> Files.isExecutable(Path.of(p, "nvcc")));
    }
}
