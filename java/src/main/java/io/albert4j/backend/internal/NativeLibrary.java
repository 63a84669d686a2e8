package io.albert4j.backend.internal;

import io.albert4j.backend.NativeKernelException;
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
 * One of albert4j's native libraries once loaded: downcall handles for its functions and the translation of their
 * {@code int} status into {@link NativeKernelException} with the library's {@code a4j_last_error} text. Both
 * libraries implement the C ABI of {@code cmake/include/albert4j.h}, so the CPU and CUDA bindings share this.
 */
public final class NativeLibrary {
    private static final Linker LINKER = Linker.nativeLinker();

    private final String name;
    private final SymbolLookup symbols;
    private final MethodHandle lastError;

    private NativeLibrary(String name, SymbolLookup symbols) {
        this.name = name;
        this.symbols = symbols;
        this.lastError = downcall("a4j_last_error", FunctionDescriptor.of(ADDRESS));
    }

    /** Loads {@code libNAME.so} through {@link NativeLibraries#load}. */
    public static NativeLibrary load(String name) {
        return new NativeLibrary(name, NativeLibraries.load(name));
    }

    /** A4J_API functions return an {@code int} status: the descriptor of one taking {@code arguments}. */
    public static FunctionDescriptor status(MemoryLayout... arguments) {
        return FunctionDescriptor.of(JAVA_INT, arguments);
    }

    /**
     * A downcall handle for {@code function}. A symbol the library lacks yields a handle that throws
     * {@link UnsupportedOperationException} when called, so one missing kernel does not break the others.
     */
    public MethodHandle downcall(String function, FunctionDescriptor descriptor, Linker.Option... options) {
        Optional<MemorySegment> symbol = symbols.find(function);
        if (symbol.isEmpty()) {
            MethodHandle thrower = MethodHandles.throwException(descriptor.toMethodType().returnType(),
                    UnsupportedOperationException.class);
            thrower = MethodHandles.insertArguments(thrower, 0,
                    new UnsupportedOperationException("kernel " + function + " is not in lib" + name + ".so"));
            return MethodHandles.dropArguments(thrower, 0, descriptor.toMethodType().parameterList());
        }
        return LINKER.downcallHandle(symbol.get(), descriptor, options);
    }

    /** Throws {@link NativeKernelException} naming {@code kernel} when {@code status} is not A4J_OK. */
    public void check(String kernel, int status) {
        if (status != 0) {
            throw new NativeKernelException(kernel, status, lastError());
        }
    }

    /** The thread-local message of this library's last failed call ("" when none). */
    public String lastError() {
        try {
            MemorySegment message = (MemorySegment) lastError.invokeExact();
            return message.equals(MemorySegment.NULL) ? "" : message.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            return "";
        }
    }
}
