package io.albert4j.backend.cuda.internal;

import io.albert4j.backend.cuda.CudaGemm;
import io.albert4j.backend.cuda.CudaGemmProvider;
import java.lang.foreign.MemorySegment;

/** The default {@link CudaGemmProvider}: {@link Cublas}, cuBLAS bound through Panama. */
public final class CublasGemmProvider implements CudaGemmProvider {
    @Override
    public String name() {
        return "cublas";
    }

    @Override
    public String unavailableReason() {
        return Cublas.unavailableReason();
    }

    @Override
    public CudaGemm open(MemorySegment stream) {
        return new Cublas(stream);
    }
}
