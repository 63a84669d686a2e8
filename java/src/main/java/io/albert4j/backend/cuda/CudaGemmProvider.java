package io.albert4j.backend.cuda;

import java.lang.foreign.MemorySegment;

/**
 * A way to run a {@link CudaBackend}'s matrix products, found with {@link java.util.ServiceLoader} and chosen by
 * {@link #name()} (see {@link CudaGemms}).
 */
public interface CudaGemmProvider {
    /** The name {@link CudaGemms#PROPERTY} selects it by, e.g. "cublas" or "jcublas". */
    String name();

    /** Null when {@link #open} can work on this machine, else why not (a missing library). Never throws. */
    String unavailableReason();

    /** A new handle whose work is queued on {@code stream} (a cudaStream_t of the current device). */
    CudaGemm open(MemorySegment stream);
}
