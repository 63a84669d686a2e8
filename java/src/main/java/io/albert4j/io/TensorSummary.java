package io.albert4j.io;

import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One tensor of a checkpoint as TF's {@code inspect_checkpoint} shows it: name, stored type, shape and its first
 * values (all of them for a scalar). Reading the values reads the tensor, so its checks run (a bundle's CRC32C, a
 * pickle's strides): an inspection is also a verification.
 *
 * @param values the first values in row-major order; empty for element types albert4j does not read
 */
public record TensorSummary(String name, String dtype, int[] shape, long numel, List<Double> values, Path file) {
    public TensorSummary {
        shape = shape.clone();
        values = List.copyOf(values);
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** Every tensor of {@code reader}, with at most {@code first} values each. */
    public static List<TensorSummary> of(CheckpointReader reader, int first) {
        List<TensorSummary> out = new ArrayList<>();
        for (String name : reader.names()) {
            out.add(of(reader, name, first));
        }
        return out;
    }

    public static TensorSummary of(CheckpointReader reader, String name, int first) {
        StoredTensor stored = reader.stored(name);
        List<Double> values = new ArrayList<>();
        DType as = StoredElements.converts(stored.dtype(), DType.F32) ? DType.F32
                : StoredElements.converts(stored.dtype(), DType.I32) ? DType.I32 : null;
        if (as != null) {
            try (Tensor t = reader.read(name, as)) {
                long n = Math.min(first, t.numel());
                for (long i = 0; i < n; i++) {
                    values.add(as == DType.F32 ? (double) t.getFloat(i)
                            : (double) t.data().getAtIndex(ValueLayout.JAVA_INT, i));
                }
            }
        }
        return new TensorSummary(name, stored.dtype().name(), stored.shape(), stored.numel(), values, stored.file());
    }
}
