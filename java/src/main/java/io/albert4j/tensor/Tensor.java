package io.albert4j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Objects;

/**
 * A dense, row-major block of off-heap memory with a shape and an element type.
 *
 * <p>Host tensors are 64-byte aligned {@link MemorySegment}s; device tensors carry the device address in a
 * segment that is never dereferenced on the host. The segment's scope is the tensor's lifetime: a tensor from a
 * step arena dies when the step ends, and any later use fails with {@link IllegalStateException} instead of
 * touching freed memory. Ops live in {@code io.albert4j.ops.Ops}, not here.
 */
public final class Tensor implements AutoCloseable {
    private final MemorySegment data;
    private final int[] shape;
    private final long numel;
    private final DType dtype;
    private final Device device;
    /** Set only for tensors that own their memory (created with {@link #allocateHost}); closed by {@link #close}. */
    private final Arena ownedArena;
    private String name;
    // Autograd state. A leaf (parameter) owns a persistent gradient buffer; activations get theirs from the tape.
    private boolean requiresGrad;
    private Tensor grad;

    public Tensor(MemorySegment data, DType dtype, Device device, int... shape) {
        this(data, dtype, device, null, shape);
    }

    private Tensor(MemorySegment data, DType dtype, Device device, Arena ownedArena, int... shape) {
        this.data = Objects.requireNonNull(data, "data");
        this.dtype = Objects.requireNonNull(dtype, "dtype");
        this.device = Objects.requireNonNull(device, "device");
        this.shape = shape.clone();
        this.numel = numelOf(this.shape);
        this.ownedArena = ownedArena;
        if (data.byteSize() < numel * dtype.byteSize()) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " " + dtype + " needs "
                    + numel * dtype.byteSize() + " bytes, segment has " + data.byteSize());
        }
    }

    /** A host tensor that owns its memory; {@link #close()} frees it. */
    public static Tensor allocateHost(DType dtype, int... shape) {
        Arena arena = Arena.ofShared();
        MemorySegment segment = arena.allocate(Math.max(1, numelOf(shape) * dtype.byteSize()), 64);
        return new Tensor(segment, dtype, Device.CPU, arena, shape);
    }

    /** A host F32 tensor holding a copy of {@code values}. */
    public static Tensor ofFloats(float[] values, int... shape) {
        Tensor t = allocateHost(DType.F32, shape);
        if (values.length != t.numel) {
            t.close();
            throw new IllegalArgumentException(values.length + " values do not fill shape " + Arrays.toString(shape));
        }
        MemorySegment.copy(values, 0, t.data, ValueLayout.JAVA_FLOAT, 0, values.length);
        return t;
    }

    /** A host I32 tensor holding a copy of {@code values}. */
    public static Tensor ofInts(int[] values, int... shape) {
        Tensor t = allocateHost(DType.I32, shape);
        if (values.length != t.numel) {
            t.close();
            throw new IllegalArgumentException(values.length + " values do not fill shape " + Arrays.toString(shape));
        }
        MemorySegment.copy(values, 0, t.data, ValueLayout.JAVA_INT, 0, values.length);
        return t;
    }

    public static long numelOf(int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public MemorySegment data() {
        return data;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int dim(int axis) {
        return shape[axis < 0 ? shape.length + axis : axis];
    }

    public int rank() {
        return shape.length;
    }

    public long numel() {
        return numel;
    }

    public long byteSize() {
        return numel * dtype.byteSize();
    }

    public DType dtype() {
        return dtype;
    }

    public Device device() {
        return device;
    }

    /** False once the arena that owns the memory has been reset or closed. */
    public boolean isAlive() {
        return data.scope().isAlive();
    }

    public String name() {
        return name;
    }

    public Tensor withName(String name) {
        this.name = name;
        return this;
    }

    /** The same memory seen with another shape of equal element count. */
    public Tensor view(int... newShape) {
        if (numelOf(newShape) != numel) {
            throw new IllegalArgumentException("view: cannot view " + describe() + " as " + Arrays.toString(newShape));
        }
        return new Tensor(data, dtype, device, newShape);
    }

    /** Rows {@code [start, end)} of the first dimension, sharing memory. */
    public Tensor slice(int start, int end) {
        if (shape.length == 0 || start < 0 || end > shape[0] || start > end) {
            throw new IndexOutOfBoundsException("slice [" + start + ", " + end + ") of " + describe());
        }
        long rowElements = shape[0] == 0 ? 0 : numel / shape[0];
        int[] newShape = shape.clone();
        newShape[0] = end - start;
        long bytes = rowElements * dtype.byteSize();
        return new Tensor(data.asSlice(start * bytes, (end - start) * bytes), dtype, device, newShape);
    }

    // ---- autograd state (used by io.albert4j.autograd) -------------------------------------------------

    public boolean requiresGrad() {
        return requiresGrad;
    }

    public Tensor setRequiresGrad(boolean requiresGrad) {
        this.requiresGrad = requiresGrad;
        return this;
    }

    /** The persistent gradient buffer of a leaf (parameter), or null. */
    public Tensor grad() {
        return grad;
    }

    public void setGrad(Tensor grad) {
        if (grad != null && (!Arrays.equals(grad.shape, shape) || grad.dtype != DType.F32 || !grad.device.equals(device))) {
            throw new IllegalArgumentException("gradient " + grad.describe() + " does not match " + describe());
        }
        this.grad = grad;
    }

    // ---- host access (tests, I/O, small results) -------------------------------------------------------

    public float[] toFloatArray() {
        requireHost("toFloatArray");
        return switch (dtype) {
            case F32 -> data.asSlice(0, byteSize()).toArray(ValueLayout.JAVA_FLOAT);
            case BF16 -> {
                short[] raw = data.asSlice(0, byteSize()).toArray(ValueLayout.JAVA_SHORT);
                float[] out = new float[raw.length];
                for (int i = 0; i < raw.length; i++) {
                    out[i] = Float.intBitsToFloat((raw[i] & 0xffff) << 16);
                }
                yield out;
            }
            case I32 -> throw new IllegalStateException("toFloatArray on I32 tensor " + describe());
        };
    }

    public int[] toIntArray() {
        requireHost("toIntArray");
        if (dtype != DType.I32) {
            throw new IllegalStateException("toIntArray on " + describe());
        }
        return data.asSlice(0, byteSize()).toArray(ValueLayout.JAVA_INT);
    }

    public float getFloat(long index) {
        requireHost("getFloat");
        Objects.checkIndex(index, numel);
        return data.getAtIndex(ValueLayout.JAVA_FLOAT, index);
    }

    public void setFloat(long index, float value) {
        requireHost("setFloat");
        Objects.checkIndex(index, numel);
        data.setAtIndex(ValueLayout.JAVA_FLOAT, index, value);
    }

    public void copyFrom(float[] values) {
        requireHost("copyFrom");
        if (dtype != DType.F32 || values.length != numel) {
            throw new IllegalArgumentException("copyFrom: " + values.length + " floats into " + describe());
        }
        MemorySegment.copy(values, 0, data, ValueLayout.JAVA_FLOAT, 0, values.length);
    }

    public void copyFrom(int[] values) {
        requireHost("copyFrom");
        if (dtype != DType.I32 || values.length != numel) {
            throw new IllegalArgumentException("copyFrom: " + values.length + " ints into " + describe());
        }
        MemorySegment.copy(values, 0, data, ValueLayout.JAVA_INT, 0, values.length);
    }

    private void requireHost(String what) {
        if (!device.isCpu()) {
            throw new IllegalStateException(what + ": " + describe() + " lives on " + device + "; copy it to the host first");
        }
        if (!isAlive()) {
            throw new IllegalStateException(what + ": " + describe() + " was freed (its arena was reset or closed)");
        }
    }

    /** "'name' [2, 3] F32 on cpu" for error messages. */
    public String describe() {
        return (name == null ? "tensor" : "'" + name + "'") + " " + Arrays.toString(shape) + " " + dtype + " on " + device;
    }

    @Override
    public String toString() {
        return "Tensor" + describe().substring(describe().indexOf(' '));
    }

    /** Frees memory this tensor owns; tensors from an arena are freed with the arena and ignore this. */
    @Override
    public void close() {
        if (ownedArena != null && ownedArena.scope().isAlive()) {
            ownedArena.close();
        }
    }
}
