package io.albert4j.backend.cpu.internal;

import io.albert4j.backend.internal.Downcalls;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static io.albert4j.backend.cpu.internal.CpuLibrary.check;
import static io.albert4j.backend.cpu.internal.CpuLibrary.downcall;
import static io.albert4j.backend.cpu.internal.CpuLibrary.status;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Bindings of cpu/runtime.cpp. */
public final class RuntimeNative {
    private static final MethodHandle SET_NUM_THREADS = downcall("a4j_set_num_threads", status(JAVA_INT));
    private static final MethodHandle GET_NUM_THREADS = downcall("a4j_get_num_threads", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle CPU_ISA = downcall("a4j_cpu_isa", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle AVX512_CLONES = downcall("a4j_avx512_clones", FunctionDescriptor.of(JAVA_INT));

    private RuntimeNative() {
    }

    public static void setNumThreads(int threads) {
        try {
            check("a4j_set_num_threads", (int) SET_NUM_THREADS.invokeExact(threads));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static int numThreads() {
        try {
            return (int) GET_NUM_THREADS.invokeExact();
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /**
     * Whether the library's auto-vectorised loops carry AVX-512 clones (chosen by the loader on CPUs that have
     * AVX-512); false for the AVX2-only build (cmake -DALBERT4J_AVX2_ONLY=ON).
     */
    public static boolean avx512Clones() {
        try {
            return (int) AVX512_CLONES.invokeExact() != 0;
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** 2 = AVX-512 kernels, 1 = AVX2. */
    public static int isa() {
        try {
            return (int) CPU_ISA.invokeExact();
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }
}
