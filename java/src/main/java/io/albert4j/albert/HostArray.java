package io.albert4j.albert;

import java.util.Arrays;

/** A result copied to the Java heap: row-major {@code values} with their {@code shape}. Safe to keep and share. */
public record HostArray(int[] shape, float[] values) {
    public HostArray {
        shape = shape.clone();
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException(values.length + " values do not fill shape " + Arrays.toString(shape));
        }
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** The element at a full index, e.g. {@code get(b, s, v)}. */
    public float get(int... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index " + Arrays.toString(index) + " for shape " + Arrays.toString(shape));
        }
        int flat = 0;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " for shape " + Arrays.toString(shape));
            }
            flat = flat * shape[i] + index[i];
        }
        return values[flat];
    }
}
