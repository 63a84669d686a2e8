package io.albert4j.ops;

import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.util.Arrays;

/**
 * ALBERT's embedding block in one kernel: {@code LayerNorm(word[ids] + position[0..S) + tokenType[types])} for ids
 * {@code [B, S]} → {@code [B, S, E]}. Null type ids mean all zeros (HF's default). The backward runs LayerNorm
 * backward, then scatters into the three tables (padding_idx skipped for the word table only, as HF). Kernels:
 * a4j_embedding_layer_norm_forward/backward in cpu/embedding.cpp.
 */
final class EmbeddingLayerNormOp {
    private static final String OP = "embedding_layer_norm";

    private EmbeddingLayerNormOp() {
    }

    static Tensor apply(Tensor wordIds, Tensor typeIds, Tensor wordTable, Tensor positionTable, Tensor typeTable,
                        Tensor gamma, Tensor beta, float eps, int paddingIdx) {
        Step step = Step.current();
        Backend backend = step.backend();
        OpChecks.require(OP, "wordIds", wordIds, DType.I32, backend.device());
        OpChecks.requireRank(OP, "wordIds", wordIds, 2);
        int batch = wordIds.dim(0);
        int seq = wordIds.dim(1);
        OpChecks.require(OP, "wordTable", wordTable, DType.F32, backend.device());
        OpChecks.requireRank(OP, "wordTable", wordTable, 2);
        int vocab = wordTable.dim(0);
        int dim = wordTable.dim(1);
        String because = "embedding size of 'wordTable' " + Arrays.toString(wordTable.shape());
        OpChecks.require(OP, "positionTable", positionTable, DType.F32, backend.device());
        OpChecks.requireRank(OP, "positionTable", positionTable, 2);
        OpChecks.requireDim(OP, "positionTable", positionTable, 1, dim, because);
        if (seq > positionTable.dim(0)) {
            throw new IllegalArgumentException(OP + ": sequence length " + seq + " exceeds max_position_embeddings "
                    + positionTable.dim(0));
        }
        OpChecks.require(OP, "typeTable", typeTable, DType.F32, backend.device());
        OpChecks.requireRank(OP, "typeTable", typeTable, 2);
        OpChecks.requireDim(OP, "typeTable", typeTable, 1, dim, because);
        OpChecks.require(OP, "gamma", gamma, DType.F32, backend.device());
        OpChecks.requireShape(OP, "gamma", gamma, because, dim);
        OpChecks.require(OP, "beta", beta, DType.F32, backend.device());
        OpChecks.requireShape(OP, "beta", beta, because, dim);
        if (!(eps >= 0.0f) || !Float.isFinite(eps)) {
            throw new IllegalArgumentException(OP + ": 'eps' must be finite and >= 0, got " + eps);
        }
        if (paddingIdx < -1 || paddingIdx >= vocab) {
            throw new IllegalArgumentException(OP + ": 'paddingIdx' " + paddingIdx + " is out of range [-1, " + vocab
                    + ")");
        }
        OpChecks.requireIdsInRange(OP, "wordIds", wordIds, vocab, 0);
        Tensor types;
        if (typeIds == null) {
            types = step.allocateZeroed(DType.I32, batch, seq);
        } else {
            types = OpChecks.require(OP, "typeIds", typeIds, DType.I32, backend.device());
            OpChecks.requireSameShape(OP, "wordIds", wordIds, "typeIds", typeIds);
            OpChecks.requireIdsInRange(OP, "typeIds", typeIds, typeTable.dim(0), 0);
        }
        int tokens = batch * seq;
        Tensor out = step.allocate(DType.F32, batch, seq, dim);
        Tensor sum = step.allocate(DType.F32, batch, seq, dim);
        Tensor mean = step.allocate(DType.F32, tokens);
        Tensor rstd = step.allocate(DType.F32, tokens);
        backend.embeddingLayerNormForward(wordIds, types, wordTable, positionTable, typeTable, gamma, beta, out, sum,
                mean, rstd, batch, seq, dim, eps);
        step.record(OP, out, (gradOut, tape) -> {
            Tensor dword = tape.gradFor(wordTable);
            Tensor dpos = tape.gradFor(positionTable);
            Tensor dtype = tape.gradFor(typeTable);
            Tensor dgamma = tape.gradFor(gamma);
            Tensor dbeta = tape.gradFor(beta);
            if (dword != null || dpos != null || dtype != null || dgamma != null || dbeta != null) {
                backend.embeddingLayerNormBackward(gradOut, wordIds, types, sum, mean, rstd, gamma, dword, dpos, dtype,
                        dgamma, dbeta, batch, seq, dim, paddingIdx);
            }
        }, wordTable, positionTable, typeTable, gamma, beta);
        return out;
    }
}
