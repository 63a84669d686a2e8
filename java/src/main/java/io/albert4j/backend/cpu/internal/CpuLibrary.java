package io.albert4j.backend.cpu.internal;

import io.albert4j.backend.NativeKernelException;
import io.albert4j.backend.internal.NativeEnvironment;
import io.albert4j.backend.internal.NativeLibrary;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.invoke.MethodHandle;

/** libalbert4j_cpu.so: symbol lookup and downcall handles shared by the per-op binding classes. */
public final class CpuLibrary {
    public static final String NAME = "albert4j_cpu";
    /** libgomp's spin before a waiting thread sleeps, unless the user set GOMP_SPINCOUNT or OMP_WAIT_POLICY. */
    static final String GOMP_SPINCOUNT = "10000";
    private static final NativeLibrary LIBRARY = load();

    private CpuLibrary() {
    }

    private static NativeLibrary load() {
        // libgomp reads its settings once, when it is loaded with this library. By default a waiting thread spins
        // 300,000 times before it sleeps, which keeps both cores of a 2-core machine spinning while another process
        // wants them: two demo-sized trainings side by side ran at 4.4k tokens/s each, and at 7.4k with 10,000
        // spins. Alone, one run went from 21.1k to 20.3k tokens/s (within run-to-run noise).
        if (NativeEnvironment.get("GOMP_SPINCOUNT") == null && NativeEnvironment.get("OMP_WAIT_POLICY") == null) {
            NativeEnvironment.set("GOMP_SPINCOUNT", GOMP_SPINCOUNT, false);
        }
        return NativeLibrary.load(NAME);
    }

    /** See {@link NativeLibrary#downcall}: a missing symbol throws only when called. */
    public static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return LIBRARY.downcall(name, descriptor, options);
    }

    /** Throws {@link NativeKernelException} naming {@code kernel} when {@code status} is not A4J_OK. */
    public static void check(String kernel, int status) {
        LIBRARY.check(kernel, status);
    }

    static FunctionDescriptor status(MemoryLayout... arguments) {
        return NativeLibrary.status(arguments);
    }
}
