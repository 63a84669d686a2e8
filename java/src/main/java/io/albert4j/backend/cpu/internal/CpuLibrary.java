package io.albert4j.backend.cpu.internal;

import io.albert4j.backend.NativeEnvironment;
import io.albert4j.backend.NativeKernelException;
import io.albert4j.backend.NativeLibraries;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** libalbert4j_cpu.so: symbol lookup and downcall handles shared by the per-op binding classes. */
public final class CpuLibrary {
    public static final String NAME = "albert4j_cpu";
    private static final Linker LINKER = Linker.nativeLinker();
    /** libgomp's spin before a waiting thread sleeps, unless the user set GOMP_SPINCOUNT or OMP_WAIT_POLICY. */
    static final String GOMP_SPINCOUNT = "10000";
    private static final SymbolLookup SYMBOLS = load();
    private static final MethodHandle LAST_ERROR = downcall("a4j_last_error", FunctionDescriptor.of(ADDRESS));

    private CpuLibrary() {
    }

    private static SymbolLookup load() {
        // libgomp reads its settings once, when it is loaded with this library. By default a waiting thread spins
        // 300,000 times before it sleeps, which keeps both cores of a 2-core machine spinning while another process
        // wants them: two demo-sized trainings side by side ran at 4.4k tokens/s each, and at 7.4k with 10,000
        // spins. Alone, one run went from 21.1k to 20.3k tokens/s (within run-to-run noise).
        if (NativeEnvironment.get("GOMP_SPINCOUNT") == null && NativeEnvironment.get("OMP_WAIT_POLICY") == null) {
            NativeEnvironment.set("GOMP_SPINCOUNT", GOMP_SPINCOUNT, false);
        }
        return NativeLibraries.load(NAME);
    }

    /**
     * A downcall handle for {@code name}. A symbol the library lacks yields a handle that throws
     * {@link UnsupportedOperationException} when called, so one missing kernel does not break the others.
     */
    public static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Optional<MemorySegment> symbol = SYMBOLS.find(name);
        if (symbol.isEmpty()) {
            MethodHandle thrower = MethodHandles.throwException(descriptor.toMethodType().returnType(),
                    UnsupportedOperationException.class);
            thrower = MethodHandles.insertArguments(thrower, 0,
                    new UnsupportedOperationException("kernel " + name + " is not in lib" + NAME + ".so"));
            return MethodHandles.dropArguments(thrower, 0, descriptor.toMethodType().parameterList());
        }
        return LINKER.downcallHandle(symbol.get(), descriptor, options);
    }

    /** Throws {@link NativeKernelException} naming {@code kernel} when {@code status} is not A4J_OK. */
    public static void check(String kernel, int status) {
        if (status != 0) {
            throw new NativeKernelException(kernel, status, lastError());
        }
    }

    static String lastError() {
        try {
            MemorySegment message = (MemorySegment) LAST_ERROR.invokeExact();
            return message.equals(MemorySegment.NULL) ? "" : message.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            return "";
        }
    }

    static FunctionDescriptor status(java.lang.foreign.MemoryLayout... arguments) {
        return FunctionDescriptor.of(JAVA_INT, arguments);
    }
}
