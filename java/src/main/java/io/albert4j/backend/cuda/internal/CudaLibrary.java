package io.albert4j.backend.cuda.internal;

import io.albert4j.backend.NativeKernelException;
import io.albert4j.backend.NativeLibraries;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * libalbert4j_cuda.so: symbol lookup and downcall handles. Loading this class loads the library, so callers check
 * {@link io.albert4j.backend.cuda.CudaBackendProvider#unavailableReason()} first.
 */
public final class CudaLibrary {
    public static final String NAME = "albert4j_cuda";
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup SYMBOLS = NativeLibraries.load(NAME);
    private static final MethodHandle LAST_ERROR = downcall("a4j_last_error", FunctionDescriptor.of(ADDRESS));

    private CudaLibrary() {
    }

    /** A downcall handle; a symbol the library lacks yields a handle that throws UnsupportedOperationException. */
    static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        Optional<MemorySegment> symbol = SYMBOLS.find(name);
        if (symbol.isEmpty()) {
            MethodHandle thrower = MethodHandles.throwException(descriptor.toMethodType().returnType(),
                    UnsupportedOperationException.class);
            thrower = MethodHandles.insertArguments(thrower, 0,
                    new UnsupportedOperationException("kernel " + name + " is not in lib" + NAME + ".so"));
            return MethodHandles.dropArguments(thrower, 0, descriptor.toMethodType().parameterList());
        }
        return LINKER.downcallHandle(symbol.get(), descriptor);
    }

    static FunctionDescriptor status(MemoryLayout... arguments) {
        return FunctionDescriptor.of(JAVA_INT, arguments);
    }

    /** Throws {@link NativeKernelException} naming {@code kernel} when {@code status} is not A4J_OK. */
    static void check(String kernel, int status) {
        if (status != 0) {
            throw new NativeKernelException(kernel, status, lastError());
        }
    }

    /** The thread-local message of the last failed call of this library ("" when none). */
    public static String lastError() {
        try {
            MemorySegment message = (MemorySegment) LAST_ERROR.invokeExact();
            return message.equals(MemorySegment.NULL) ? "" : message.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            return "";
        }
    }
}
