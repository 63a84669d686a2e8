package io.albert4j.backend.cpu.internal;

import io.albert4j.backend.internal.Downcalls;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static io.albert4j.backend.cpu.internal.CpuLibrary.check;
import static io.albert4j.backend.cpu.internal.CpuLibrary.downcall;
import static io.albert4j.backend.cpu.internal.CpuLibrary.status;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Bindings of cpu/optimizer.cpp: fused AdamW and LAMB updates. */
public final class OptimizerNative {
    private static final MethodHandle ADAMW = downcall("a4j_adamw_update", status(ADDRESS, ADDRESS, ADDRESS, ADDRESS,
            JAVA_LONG, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT, ADDRESS));
    private static final MethodHandle LAMB = downcall("a4j_lamb_update", status(ADDRESS, ADDRESS, ADDRESS, ADDRESS,
            JAVA_LONG, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT, JAVA_INT, JAVA_FLOAT, ADDRESS, ADDRESS));

    private static final MethodHandle ADAMW_MULTI = downcall("a4j_adamw_update_multi", status(JAVA_INT, ADDRESS,
            ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT, ADDRESS, JAVA_FLOAT,
            ADDRESS));
    private static final MethodHandle LAMB_MULTI = downcall("a4j_lamb_update_multi", status(JAVA_INT, ADDRESS,
            ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT, ADDRESS, ADDRESS,
            JAVA_FLOAT, ADDRESS, ADDRESS));

    private OptimizerNative() {
    }

    public static void adamw(MemorySegment param, MemorySegment grad, MemorySegment m, MemorySegment v, long n,
                             float lr, float beta1, float beta2, float eps, float weightDecay, float gradScale) {
        try {
            check("a4j_adamw_update", (int) ADAMW.invokeExact(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay,
                    gradScale, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void lamb(MemorySegment param, MemorySegment grad, MemorySegment m, MemorySegment v, long n, float lr,
                            float beta1, float beta2, float eps, float weightDecay, boolean useTrustRatio,
                            float gradScale, MemorySegment trustRatioOut) {
        try {
            check("a4j_lamb_update", (int) LAMB.invokeExact(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay,
                    useTrustRatio ? 1 : 0, gradScale, trustRatioOut, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void adamwMulti(int count, MemorySegment params, MemorySegment grads, MemorySegment m,
                                  MemorySegment v, MemorySegment sizes, float lr, float beta1, float beta2, float eps,
                                  MemorySegment weightDecay, float gradScale) {
        try {
            check("a4j_adamw_update_multi", (int) ADAMW_MULTI.invokeExact(count, params, grads, m, v, sizes, lr,
                    beta1, beta2, eps, weightDecay, gradScale, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void lambMulti(int count, MemorySegment params, MemorySegment grads, MemorySegment m,
                                 MemorySegment v, MemorySegment sizes, float lr, float beta1, float beta2, float eps,
                                 MemorySegment weightDecay, MemorySegment useTrustRatio, float gradScale,
                                 MemorySegment trustRatiosOut) {
        try {
            check("a4j_lamb_update_multi", (int) LAMB_MULTI.invokeExact(count, params, grads, m, v, sizes, lr, beta1,
                    beta2, eps, weightDecay, useTrustRatio, gradScale, trustRatiosOut, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }
}
