package io.albert4j.io;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * What a checkpoint says about one tensor before it is read: its name, element type as stored (safetensors'
 * names, which every reader uses), shape, and the file its bytes are in (a shard, a data file of a bundle).
 */
public record StoredTensor(String name, SafetensorsDType dtype, int[] shape, Path file) {
    public StoredTensor {
        shape = shape.clone();
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public long numel() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredTensor t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && file.equals(t.file);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape) + " in " + file;
    }
}
