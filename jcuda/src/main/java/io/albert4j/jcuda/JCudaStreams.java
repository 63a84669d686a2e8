package io.albert4j.jcuda;

import io.albert4j.backend.cuda.CudaBackend;
import io.albert4j.tensor.Device;
import java.lang.foreign.MemorySegment;
import jcuda.NativePointerObject;
import jcuda.driver.CUstream;
import jcuda.runtime.cudaStream_t;

/**
 * JCuda streams and albert4j backends on the same stream, so work queued by either runs in one order without a
 * device-wide synchronization: albert4j on the application's stream, or the application on albert4j's.
 */
public final class JCudaStreams {
    private JCudaStreams() {
    }

    /**
     * A backend that queues every kernel and GEMM on {@code stream} (a {@link cudaStream_t} or {@link CUstream} of
     * {@code device}; the legacy default stream is a null one). The application keeps and finally destroys the
     * stream, after closing the backend.
     */
    public static CudaBackend backendOn(Device device, NativePointerObject stream) {
        return new CudaBackend(device, MemorySegment.ofAddress(JCudaPointers.address(stream)));
    }

    /** The stream {@code backend} queues its work on, as a runtime-API JCuda stream (the backend keeps it). */
    public static cudaStream_t stream(CudaBackend backend) {
        return JCudaPointers.withAddress(new cudaStream_t(), backend.stream().address());
    }

    /** The same stream as a driver-API JCuda stream. */
    public static CUstream driverStream(CudaBackend backend) {
        return JCudaPointers.withAddress(new CUstream(), backend.stream().address());
    }

    /** A runtime-API JCuda stream at {@code address} (a cudaStream_t some other library handed out). */
    static cudaStream_t stream(long address) {
        return JCudaPointers.withAddress(new cudaStream_t(), address);
    }
}
