package io.albert4j.backend.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The process environment as native code sees it. {@link System#getenv} is a snapshot taken when the JVM started,
 * but libraries such as libgomp and OpenBLAS read their settings with libc's {@code getenv} when they are loaded:
 * settings for them must go through libc, and before the load.
 */
public final class NativeEnvironment {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SETENV = LINKER.downcallHandle(
            LINKER.defaultLookup().find("setenv").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS,
                    JAVA_INT));
    private static final MethodHandle GETENV = LINKER.downcallHandle(
            LINKER.defaultLookup().find("getenv").orElseThrow(), FunctionDescriptor.of(ADDRESS, ADDRESS));

    private NativeEnvironment() {
    }

    /** libc {@code setenv}; with {@code overwrite} false a value already set (by the user) is kept. */
    public static void set(String name, String value, boolean overwrite) {
        try (Arena arena = Arena.ofConfined()) {
            int status = (int) SETENV.invokeExact(arena.allocateFrom(name), arena.allocateFrom(value),
                    overwrite ? 1 : 0);
            if (status != 0) {
                throw new IllegalStateException("setenv(" + name + ") failed with " + status);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("setenv(" + name + ")", t);
        }
    }

    /** libc {@code getenv}: the value native code sees now, or null. */
    public static String get(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = (MemorySegment) GETENV.invokeExact(arena.allocateFrom(name));
            return value.equals(MemorySegment.NULL) ? null : value.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("getenv(" + name + ")", t);
        }
    }
}
