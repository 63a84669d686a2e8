package io.albert4j.tensor;

/** Element types a {@link Tensor} can hold. F32 for master weights and CPU math, BF16 for GPU activations, I32 for ids. */
public enum DType {
    F32(4),
    BF16(2),
    I32(4);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    public int byteSize() {
        return byteSize;
    }
}
