package io.albert4j.io;

import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * Turns the raw little-endian elements of a checkpoint tensor into an albert4j host tensor, converting where the
 * types differ: F16, BF16 and F64 widen or narrow to F32; I64 narrows to I32 with a range check (an id that does
 * not fit is an error, not a wrapped number). Shared by every checkpoint reader.
 */
public final class StoredElements {
    private StoredElements() {
    }

    /** True when {@link #decode} turns {@code stored} elements into {@code as} tensors. */
    public static boolean converts(SafetensorsDType stored, DType as) {
        return switch (as) {
            case F32 -> stored == SafetensorsDType.F32 || stored == SafetensorsDType.F16
                    || stored == SafetensorsDType.BF16 || stored == SafetensorsDType.F64;
            case I32 -> stored == SafetensorsDType.I32 || stored == SafetensorsDType.I64;
            case BF16 -> stored == SafetensorsDType.BF16;
        };
    }

    /**
     * A new host tensor of type {@code as} holding {@code bytes} (exactly numel(shape) elements of {@code stored});
     * {@code file} and {@code name} go into the error when the types do not convert.
     */
    public static Tensor decode(Path file, String name, MemorySegment bytes, SafetensorsDType stored, int[] shape,
                                DType as) {
        if (!converts(stored, as)) {
            throw new CheckpointException(file, "tensor '" + name + "' is stored as " + stored + "; albert4j reads "
                    + readable(as) + " as " + as);
        }
        long n = Tensor.numelOf(shape);
        if (bytes.byteSize() != n * stored.byteSize()) {
            throw new CheckpointException(file, "tensor '" + name + "': " + bytes.byteSize() + " bytes for "
                    + n + " " + stored + " elements");
        }
        Tensor out = Tensor.allocateHost(as, shape);
        MemorySegment dst = out.data();
        if (stored.byteSize() == as.byteSize()) {
            // F32 -> F32, I32 -> I32, BF16 -> BF16: the bytes as they are.
            MemorySegment.copy(bytes, 0, dst, 0, bytes.byteSize());
            return out.withName(name);
        }
        for (long i = 0; i < n; i++) {
            switch (stored) {
                case F16 -> dst.setAtIndex(ValueLayout.JAVA_FLOAT, i,
                        Float.float16ToFloat(bytes.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i)));
                case BF16 -> dst.setAtIndex(ValueLayout.JAVA_FLOAT, i, Float.intBitsToFloat(
                        (bytes.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i) & 0xffff) << 16));
                case F64 -> dst.setAtIndex(ValueLayout.JAVA_FLOAT, i,
                        (float) bytes.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i));
                case I64 -> {
                    long value = bytes.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i);
                    if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
                        out.close();
                        throw new CheckpointException(file, "tensor '" + name + "': I64 value " + value
                                + " at index " + i + " does not fit in I32");
                    }
                    dst.setAtIndex(ValueLayout.JAVA_INT, i, (int) value);
                }
                default -> throw new AssertionError(stored + " -> " + as);
            }
        }
        return out.withName(name);
    }

    private static String readable(DType as) {
        return switch (as) {
            case F32 -> "F32, F16, BF16 or F64";
            case I32 -> "I32 or I64";
            case BF16 -> "BF16";
        };
    }
}
