package io.albert4j.backend.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Which {@link CudaGemmProvider} a new {@link CudaBackend} uses: the system property {@value #PROPERTY}, else the
 * environment variable {@value #ENVIRONMENT}, else {@value #DEFAULT} (cuBLAS bound through Panama: it finds
 * libcublas.so.13 or .so.12 at run time, so it follows whatever CUDA the host has).
 */
public final class CudaGemms {
    public static final String PROPERTY = "albert4j.cuda.gemm";
    public static final String ENVIRONMENT = "ALBERT4J_CUDA_GEMM";
    public static final String DEFAULT = "cublas";

    private CudaGemms() {
    }

    /** The name asked for by the property, the environment, or the default, in that order. */
    public static String selectedName() {
        String name = System.getProperty(PROPERTY);
        if (name == null || name.isBlank()) {
            name = System.getenv(ENVIRONMENT);
        }
        return name == null || name.isBlank() ? DEFAULT : name.trim().toLowerCase(Locale.ROOT);
    }

    /** Every provider on the class or module path. */
    public static List<CudaGemmProvider> providers() {
        List<CudaGemmProvider> all = new ArrayList<>();
        ServiceLoader.load(CudaGemmProvider.class, CudaGemms.class.getClassLoader()).forEach(all::add);
        return all;
    }

    /**
     * The provider called {@code name}; an unknown name or an unavailable provider is refused with the names there
     * are, or with the provider's reason.
     */
    public static CudaGemmProvider provider(String name) {
        List<CudaGemmProvider> all = providers();
        for (CudaGemmProvider p : all) {
            if (p.name().equals(name)) {
                String reason = p.unavailableReason();
                if (reason != null) {
                    throw new IllegalStateException("CUDA GEMM '" + name + "' (" + PROPERTY + " / " + ENVIRONMENT
                            + ") is unavailable: " + reason);
                }
                return p;
            }
        }
        List<String> names = all.stream().map(CudaGemmProvider::name).toList();
        throw new IllegalArgumentException("no CUDA GEMM called '" + name + "' (" + PROPERTY + " / " + ENVIRONMENT
                + "); there are " + names + (name.equals("jcublas") ? ": put albert4j-jcuda on the class path" : ""));
    }
}
