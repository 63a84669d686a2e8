package io.albert4j.ops;

import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Row gather {@code table[ids]} for I32 ids of any shape → {@code [...ids, dim]}; also {@link Ops#gatherRows}. The
 * backward scatter-adds into the table's gradient, skipping {@code paddingIdx} (-1: none) as HF's padding_idx does.
 * Kernels: a4j_embedding_forward/backward in cpu/embedding.cpp.
 */
final class EmbeddingOp {
    private static final String OP = "embedding";

    private EmbeddingOp() {
    }

    static Tensor apply(Tensor ids, Tensor table, int paddingIdx) {
        Step step = Step.current();
        Backend backend = step.backend();
        OpChecks.require(OP, "ids", ids, DType.I32, backend.device());
        OpChecks.require(OP, "table", table, DType.F32, backend.device());
        OpChecks.requireRank(OP, "table", table, 2);
        int vocab = table.dim(0);
        int dim = table.dim(1);
        if (paddingIdx < -1 || paddingIdx >= vocab) {
            throw new IllegalArgumentException(OP + ": 'paddingIdx' " + paddingIdx + " is out of range [-1, " + vocab
                    + ")");
        }
        // Every id must address a row; nothing outside [0, vocab) is allowed (0 is already inside).
        OpChecks.requireIdsInRange(OP, "ids", ids, vocab, 0);
        int[] outShape = Arrays.copyOf(ids.shape(), ids.rank() + 1);
        outShape[ids.rank()] = dim;
        long n = ids.numel();
        Tensor out = step.allocate(DType.F32, outShape);
        backend.embeddingForward(ids, table, out, n, vocab, dim);
        step.record(OP, out, (gradOut, tape) -> {
            Tensor dtable = tape.gradFor(table);
            if (dtable != null) {
                backend.embeddingBackward(ids, gradOut, dtable, n, vocab, dim, paddingIdx);
            }
        }, table);
        return out;
    }
}
