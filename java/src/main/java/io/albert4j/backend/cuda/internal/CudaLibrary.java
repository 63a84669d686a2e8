package io.albert4j.backend.cuda.internal;

import io.albert4j.backend.NativeKernelException;
import io.albert4j.backend.internal.NativeLibrary;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.invoke.MethodHandle;

/**
 * libalbert4j_cuda.so: symbol lookup and downcall handles shared by the per-file binding classes (one per
 * {@code cuda/*.cu}, as {@code backend.cpu.internal} has one per {@code cpu/*.cpp}). Loading this class loads the
 * library, so callers check {@link io.albert4j.backend.cuda.CudaBackendProvider#unavailableReason()} first.
 */
public final class CudaLibrary {
    public static final String NAME = "albert4j_cuda";
    private static final NativeLibrary LIBRARY = NativeLibrary.load(NAME);

    private CudaLibrary() {
    }

    /** See {@link NativeLibrary#downcall}: a missing symbol throws only when called. */
    static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        return LIBRARY.downcall(name, descriptor);
    }

    static FunctionDescriptor status(MemoryLayout... arguments) {
        return NativeLibrary.status(arguments);
    }

    /** Throws {@link NativeKernelException} naming {@code kernel} when {@code status} is not A4J_OK. */
    static void check(String kernel, int status) {
        LIBRARY.check(kernel, status);
    }

    /** The thread-local message of the last failed call of this library ("" when none). */
    public static String lastError() {
        return LIBRARY.lastError();
    }
}
