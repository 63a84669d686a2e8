package io.albert4j.jcuda;

import io.albert4j.tensor.DType;
import io.albert4j.tensor.Device;
import io.albert4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Field;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * JCuda device pointers and albert4j device tensors over the same memory, without a copy either way: an application
 * that allocated with JCuda ({@code cudaMalloc}, {@code cuMemAlloc}) hands its buffers to albert4j ops, and albert4j's
 * tensors go to its JCuda kernels. Whoever allocated the memory frees it; neither side takes ownership.
 *
 * <p>JCuda keeps an address in private fields ({@code nativePointer} plus a {@code byteOffset}) and offers no public
 * constructor from one; they are read and set reflectively (JCuda is not a named module, so its packages are open).
 */
public final class JCudaPointers {
    private static final Field NATIVE_POINTER = field(NativePointerObject.class, "nativePointer");
    private static final Field BYTE_OFFSET = field(Pointer.class, "byteOffset");
    private static final Field BUFFER = field(Pointer.class, "buffer");
    private static final Field POINTERS = field(Pointer.class, "pointers");

    private JCudaPointers() {
    }

    static Field field(Class<?> owner, String name) {
        try {
            Field f = owner.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("this JCuda has no field " + owner.getName() + "." + name
                    + " (albert4j-jcuda was written against JCuda 12.6): " + e, e);
        }
    }

    /** The address a JCuda pointer or handle stands for: its native pointer (plus a pointer's byte offset). */
    public static long address(NativePointerObject pointer) {
        try {
            long address = NATIVE_POINTER.getLong(pointer);
            if (pointer instanceof Pointer p) {
                if (BUFFER.get(p) != null || POINTERS.get(p) != null) {
                    throw new IllegalArgumentException("a JCuda pointer to a Java buffer or array (Pointer.to(...)) is "
                            + "host memory, not a device address");
                }
                address += BYTE_OFFSET.getLong(p);
            }
            return address;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sets the address of a fresh JCuda object (nothing else refers to it yet). */
    static <T extends NativePointerObject> T withAddress(T fresh, long address) {
        try {
            NATIVE_POINTER.setLong(fresh, address);
            return fresh;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A tensor over {@code shape} elements of {@code dtype} at the device address of {@code pointer} (a
     * {@link CUdeviceptr} or a runtime-API device pointer) on CUDA device {@code device}. The caller keeps the
     * memory alive while the tensor is used; {@link Tensor#close()} leaves it alone.
     */
    public static Tensor tensor(NativePointerObject pointer, DType dtype, Device device, int... shape) {
        if (device.kind() != Device.Kind.CUDA) {
            throw new IllegalArgumentException("a JCuda device pointer is CUDA memory; " + device + " is not a CUDA "
                    + "device");
        }
        long address = address(pointer);
        if (address == 0) {
            throw new IllegalArgumentException("a null JCuda pointer (nothing allocated) cannot back a tensor");
        }
        long bytes = Tensor.numelOf(shape) * dtype.byteSize();
        return new Tensor(MemorySegment.ofAddress(address).reinterpret(bytes), dtype, device, shape);
    }

    /** A runtime-API JCuda pointer to {@code tensor}'s device memory (for JCuda, JCublas, ... calls). */
    public static Pointer pointer(Tensor tensor) {
        return withAddress(new Pointer(), deviceAddress(tensor));
    }

    /** A driver-API JCuda pointer to {@code tensor}'s device memory (for {@code cuLaunchKernel} arguments). */
    public static CUdeviceptr devicePointer(Tensor tensor) {
        return withAddress(new CUdeviceptr(), deviceAddress(tensor));
    }

    private static long deviceAddress(Tensor tensor) {
        if (tensor.device().kind() != Device.Kind.CUDA) {
            throw new IllegalArgumentException("JCuda device pointers are for CUDA tensors, got " + tensor.describe());
        }
        if (!tensor.isAlive()) {
            throw new IllegalArgumentException("tensor " + tensor.describe() + " has been freed");
        }
        return tensor.data().address();
    }
}
