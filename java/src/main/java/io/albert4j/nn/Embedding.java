package io.albert4j.nn;

import io.albert4j.ops.Ops;
import io.albert4j.tensor.Tensor;

/** PyTorch's {@code nn.Embedding}: a table {@code weight [count, dim]} (normal init). */
public final class Embedding extends Module {
    private final Parameter weight;
    private final int paddingIdx;

    /** @param paddingIdx the row that gets no gradient from lookups (HF padding_idx), or -1 */
    public Embedding(int count, int dim, int paddingIdx) {
        weight = parameter("weight", Init.NORMAL, count, dim);
        this.paddingIdx = paddingIdx;
    }

    public Tensor forward(Tensor ids) {
        return Ops.embedding(ids, weight.tensor(), paddingIdx);
    }

    public Parameter weight() {
        return weight;
    }

    public int paddingIdx() {
        return paddingIdx;
    }
}
