package io.albert4j.backend.cuda;

import io.albert4j.backend.Backend;
import io.albert4j.backend.BackendProvider;
import io.albert4j.backend.internal.NativeLibraries;
import io.albert4j.backend.cuda.internal.CudaLibrary;
import io.albert4j.backend.cuda.internal.RuntimeNative;
import io.albert4j.tensor.Device;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;

/**
 * Registers {@link CudaBackend}. {@link #unavailableReason()} checks, in order and without throwing: the library
 * libalbert4j_cuda.so, the NVIDIA driver (libcuda.so.1), a GPU, and the selected GEMM ({@link CudaGemms}: cuBLAS by
 * default); the first missing piece is reported.
 */
public final class CudaBackendProvider implements BackendProvider {
    private record Probe(String reason, int deviceCount) {
    }

    private static volatile Probe probe;

    @Override
    public Device.Kind kind() {
        return Device.Kind.CUDA;
    }

    @Override
    public String unavailableReason() {
        return probed().reason();
    }

    private static Probe probed() {
        Probe p = probe;
        if (p == null) {
            synchronized (CudaBackendProvider.class) {
                if (probe == null) {
                    probe = probe();
                }
                p = probe;
            }
        }
        return p;
    }

    /** GPUs visible to this process (0 when the backend is unavailable). */
    public static int deviceCount() {
        return probed().deviceCount();
    }

    private static Probe probe() {
        try {
            NativeLibraries.locate(CudaLibrary.NAME);
        } catch (Throwable t) {
            return new Probe("CUDA backend unavailable: lib" + CudaLibrary.NAME + ".so was not built or found ("
                    + t.getMessage() + "); it is built when nvcc is on PATH and ALBERT4J_CUDA is not OFF", 0);
        }
        try {
            SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
        } catch (Throwable t) {
            return new Probe("CUDA backend unavailable: no NVIDIA driver (libcuda.so.1 cannot be loaded)", 0);
        }
        int count;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment out = scratch.allocate(ValueLayout.JAVA_INT);
            RuntimeNative.deviceCount(out);
            count = out.get(ValueLayout.JAVA_INT, 0);
        } catch (Throwable t) {
            return new Probe("CUDA backend unavailable: no usable GPU (" + t.getMessage() + ")", 0);
        }
        if (count <= 0) {
            return new Probe("CUDA backend unavailable: the driver reports no GPU", 0);
        }
        try {
            CudaGemms.provider(CudaGemms.selectedName());
        } catch (RuntimeException e) {
            return new Probe("CUDA backend unavailable: " + e.getMessage(), 0);
        }
        return new Probe(null, count);
    }

    @Override
    public Backend create(Device device) {
        String reason = unavailableReason();
        if (reason != null) {
            throw new IllegalStateException(reason);
        }
        int count = probed().deviceCount();
        if (device.index() >= count) {
            throw new IllegalArgumentException("no device " + device + ": " + count + " GPU(s) visible");
        }
        return new CudaBackend(device);
    }
}
