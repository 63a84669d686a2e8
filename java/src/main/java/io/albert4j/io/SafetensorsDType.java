package io.albert4j.io;

import io.albert4j.tensor.DType;
import java.util.Optional;

/**
 * Element types of the safetensors format (names as in the header's "dtype" field). Only some can be turned into
 * albert4j tensors; the rest are still recognised so a file holding them is reported precisely.
 */
public enum SafetensorsDType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U64(8), U32(4), U16(2), U8(1), BOOL(1),
    F8_E4M3(1), F8_E5M2(1);

    private final int byteSize;

    SafetensorsDType(int byteSize) {
        this.byteSize = byteSize;
    }

    public int byteSize() {
        return byteSize;
    }

    /** The header name, or empty when {@code name} is not a safetensors dtype. */
    public static Optional<SafetensorsDType> parse(String name) {
        for (SafetensorsDType t : values()) {
            if (t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    public static SafetensorsDType of(DType dtype) {
        return switch (dtype) {
            case F32 -> F32;
            case BF16 -> BF16;
            case I32 -> I32;
        };
    }
}
