package io.albert4j.io;

import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;

/** Walks everything a {@link CheckpointReader} offers, as a user loading it would: every tensor's entry and bytes. */
public final class CheckpointContents {
    private CheckpointContents() {
    }

    /** Reads every tensor in the type albert4j would load it as (F32 for floats, I32 for integers). */
    public static void readAll(CheckpointReader reader) {
        for (String name : reader.names()) {
            StoredTensor stored = reader.stored(name);
            DType as = StoredElements.converts(stored.dtype(), DType.F32) ? DType.F32 : DType.I32;
            try (Tensor t = reader.read(name, as)) {
                if (t.numel() != stored.numel()) {
                    throw new AssertionError(name + ": read " + t.numel() + " elements, stored says " + stored.numel());
                }
            }
        }
    }
}
