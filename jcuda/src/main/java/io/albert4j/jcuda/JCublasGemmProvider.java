package io.albert4j.jcuda;

import io.albert4j.backend.cuda.CudaGemm;
import io.albert4j.backend.cuda.CudaGemmProvider;
import java.lang.foreign.MemorySegment;
import jcuda.jcublas.JCublas2;

/**
 * Registers {@link JCublasGemm} as the CUDA GEMM "jcublas" ({@code -Dalbert4j.cuda.gemm=jcublas} or
 * {@code ALBERT4J_CUDA_GEMM=jcublas}). It is available where JCublas's native library loads, which needs CUDA 12's
 * libcublas.so.12 and libcudart.so.12 on the library path (a GPU host's PyTorch wheels often ship them).
 */
public final class JCublasGemmProvider implements CudaGemmProvider {
    static final String JCUDA_VERSION = "12.6.0";
    private static volatile String reason;

    @Override
    public String name() {
        return "jcublas";
    }

    @Override
    public String unavailableReason() {
        String r = reason;
        if (r == null) {
            synchronized (JCublasGemmProvider.class) {
                if (reason == null) {
                    reason = probe();
                }
                r = reason;
            }
        }
        return r.isEmpty() ? null : r;
    }

    /** "" when JCublas loads, else why not. */
    private static String probe() {
        try {
            JCublas2.setExceptionsEnabled(false);
            JCublas2.initialize();
            return "";
        } catch (Throwable t) {  // UnsatisfiedLinkError from JCuda's loader, with the libraries it tried
            return "JCublas " + JCUDA_VERSION + " cannot load its native library (it needs CUDA 12's libcublas.so.12 "
                    + "and libcudart.so.12 on LD_LIBRARY_PATH): " + t;
        }
    }

    @Override
    public CudaGemm open(MemorySegment stream) {
        String r = unavailableReason();
        if (r != null) {
            throw new IllegalStateException(r);
        }
        return new JCublasGemm(stream);
    }
}
