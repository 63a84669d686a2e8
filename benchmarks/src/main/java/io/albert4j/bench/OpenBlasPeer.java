package io.albert4j.bench;

import io.albert4j.backend.internal.NativeEnvironment;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The GEMM peer: OpenBLAS's {@code cblas_sgemm} from the org.bytedeco:openblas jar on Maven Central, called through
 * Panama (no JavaCPP). The native libraries are copied out of the jar into a temporary directory and opened there.
 * On a CPU with AVX-512, {@code OPENBLAS_CORETYPE=SkylakeX} is set with libc's setenv before the library loads, so
 * that OpenBLAS runs its AVX-512 kernels on CPUs its dispatcher does not recognise (such as AMD Zen 4/5). Without
 * AVX-512 OpenBLAS keeps its own choice (Haswell or Zen kernels): forcing SkylakeX there dies with SIGILL. With
 * {@code ALBERT4J_ISA=avx2} (albert4j's AVX2 kernels on an AVX-512 CPU) the peer takes OpenBLAS's AVX2 Haswell
 * kernels, so the two AVX2 paths meet as they would on an AVX2-only machine. {@code PEER_OPENBLAS_CORETYPE} chooses
 * any other core type ({@code auto}: OpenBLAS's own choice).
 */
final class OpenBlasPeer {
    private static final String RESOURCE_DIR = "org/bytedeco/openblas/linux-x86_64/";
    // Load order: dependencies before the library that needs them, so the loader finds them by soname.
    private static final String[] LIBRARIES = {"libgcc_s.so.1", "libquadmath.so.0", "libgfortran.so.5", "libopenblas.so.0"};
    private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;
    /** The OPENBLAS_CORETYPE this process sets, or null where OpenBLAS's own dispatch is right. */
    static final String CORE_TYPE = coreType(System.getenv("PEER_OPENBLAS_CORETYPE"), System.getenv("ALBERT4J_ISA"),
            cpuHasAvx512());

    private static OpenBlasPeer instance;

    private final MethodHandle sgemm;
    private final MethodHandle setNumThreads;
    private final String coreName;
    private final String config;

    private OpenBlasPeer() {
        Linker linker = Linker.nativeLinker();
        if (CORE_TYPE != null) {
            NativeEnvironment.set("OPENBLAS_CORETYPE", CORE_TYPE, true);
        }
        Path dir = extract();
        SymbolLookup lookup = null;
        for (String library : LIBRARIES) {
            lookup = SymbolLookup.libraryLookup(dir.resolve(library), Arena.global());
        }
        SymbolLookup openblas = lookup;
        sgemm = linker.downcallHandle(openblas.find("cblas_sgemm").orElseThrow(), FunctionDescriptor.ofVoid(JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT,
                JAVA_FLOAT, ADDRESS, JAVA_INT));
        setNumThreads = linker.downcallHandle(openblas.find("openblas_set_num_threads").orElseThrow(),
                FunctionDescriptor.ofVoid(JAVA_INT));
        coreName = string(linker, openblas, "openblas_get_corename");
        config = string(linker, openblas, "openblas_get_config");
    }

    /** Whether /proc/cpuinfo lists the AVX-512 subsets OpenBLAS's SkylakeX kernels use (F, BW, DQ, VL). */
    /** The core type to set: the explicit choice, else AVX2 kernels where albert4j is forced to AVX2, else AVX-512's. */
    static String coreType(String explicit, String albertIsa, boolean avx512) {
        if (explicit != null && !explicit.isBlank()) {
            return explicit.equals("auto") ? null : explicit;
        }
        if (!avx512) {
            return null;
        }
        return "avx2".equals(albertIsa) ? "Haswell" : "SkylakeX";
    }

    static boolean cpuHasAvx512() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    String flags = " " + line.substring(line.indexOf(':') + 1).trim() + " ";
                    return flags.contains(" avx512f ") && flags.contains(" avx512bw ") && flags.contains(" avx512dq ")
                            && flags.contains(" avx512vl ");
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    static synchronized OpenBlasPeer get() {
        if (instance == null) {
            instance = new OpenBlasPeer();
        }
        return instance;
    }

    /** Which kernel family OpenBLAS picked, e.g. "SkylakeX". */
    String coreName() {
        return coreName;
    }

    String config() {
        return config;
    }

    void setNumThreads(int threads) {
        try {
            setNumThreads.invokeExact(threads);
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_set_num_threads", t);
        }
    }

    /** Row-major C[m, n] = alpha·op(A)·op(B) + beta·C. */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, MemorySegment a, int lda,
               MemorySegment b, int ldb, float beta, MemorySegment c, int ldc) {
        try {
            sgemm.invokeExact(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, alpha, a, lda, b,
                    ldb, beta, c, ldc);
        } catch (Throwable t) {
            throw new IllegalStateException("cblas_sgemm", t);
        }
    }

    private static Path extract() {
        try {
            Path dir = Files.createTempDirectory("albert4j-openblas-");
            // deleteOnExit runs in reverse order of registration: the directory goes first so that it is deleted
            // last, once the libraries in it are gone.
            dir.toFile().deleteOnExit();
            for (String library : LIBRARIES) {
                try (InputStream in = OpenBlasPeer.class.getClassLoader().getResourceAsStream(RESOURCE_DIR + library)) {
                    if (in == null) {
                        throw new IllegalStateException(RESOURCE_DIR + library + " is not on the class path: the "
                                + "benchmarks need org.bytedeco:openblas (classifier linux-x86_64)");
                    }
                    Files.copy(in, dir.resolve(library), StandardCopyOption.REPLACE_EXISTING);
                }
                dir.resolve(library).toFile().deleteOnExit();
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("extracting OpenBLAS", e);
        }
    }

    private static String string(Linker linker, SymbolLookup lookup, String function) {
        MethodHandle handle = linker.downcallHandle(lookup.find(function).orElseThrow(), FunctionDescriptor.of(ADDRESS));
        try {
            MemorySegment text = (MemorySegment) handle.invokeExact();
            return text.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            throw new IllegalStateException(function, t);
        }
    }
}
