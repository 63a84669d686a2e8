package io.albert4j.ops;

import io.albert4j.backend.Activation;
import io.albert4j.tensor.Tensor;

/**
 * Every differentiable op of the engine, in one facade. Each runs on the current {@link Step}'s backend, allocates
 * its output from the step's arena, checks its arguments before any native call, and records its backward on the
 * step's tape when an input needs a gradient. The op's code is in {@code <Name>Op}; its kernels are
 * {@code a4j_<name>_forward/backward} in {@code cpu/<name>.cpp} and {@code cuda/<name>.cu}.
 *
 * <p>Layouts: activations are row-major {@code [batch, seq, features]}; weights use HuggingFace's
 * {@code nn.Linear} layout {@code [out, in]}; ids and labels are I32.
 */
public final class Ops {
    private Ops() {
    }

    // ---- dense layers (LinearOp, MatmulOp; kernel a4j_gemm in cpu/gemm.cpp) ----------------------------------

    /** {@code x·weightᵀ + bias}: x {@code [..., in]}, weight {@code [out, in]}, bias {@code [out]} or null. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return LinearOp.apply(x, weight, bias, Activation.IDENTITY);
    }

    /** {@code act(x·weightᵀ + bias)} with the bias and activation fused into one pass (a4j_bias_gelu). */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias, Activation activation) {
        return LinearOp.apply(x, weight, bias, activation);
    }

    /**
     * Several dense layers of one input as one GEMM: {@code x·[W₁; W₂; …]ᵀ + [b₁; b₂; …]}, layer i's output the i-th
     * block of the last dim (StackedLinearOp). Weights {@code [out_i, in]}; biases {@code [out_i]} each, or null.
     */
    public static Tensor linearStacked(Tensor x, Tensor[] weights, Tensor[] biases) {
        return StackedLinearOp.apply(x, weights, biases);
    }

    /** {@code op(a)·op(b)} for 2-D tensors, or batched over the first dim for 3-D ones. */
    public static Tensor matmul(Tensor a, boolean transA, Tensor b, boolean transB) {
        return MatmulOp.apply(a, transA, b, transB);
    }

    // ---- element-wise (BiasGeluOp in gelu.cpp; TanhOp, AddOp, ScaleOp in elementwise.cpp) ----------------------

    /** {@code act(x + bias)} over the last dim; bias {@code [cols]} or null. */
    public static Tensor biasActivation(Tensor x, Tensor bias, Activation activation) {
        return BiasGeluOp.apply(x, bias, activation);
    }

    /** Element-wise tanh. */
    public static Tensor tanh(Tensor x) {
        return TanhOp.apply(x);
    }

    /** {@code a + b}, same shape. */
    public static Tensor add(Tensor a, Tensor b) {
        return AddOp.apply(a, b);
    }

    /** {@code alpha·x}. */
    public static Tensor scale(Tensor x, float alpha) {
        return ScaleOp.apply(x, alpha);
    }

    /** The same values with another shape of equal size (gradient flows back unchanged). */
    public static Tensor reshape(Tensor x, int... shape) {
        return ReshapeOp.apply(x, shape);
    }

    // ---- normalisation (LayerNormOp; layer_norm.cpp) -----------------------------------------------------------

    /** {@code LayerNorm(x + residual)} over the last dim; residual may be null. Post-LN blocks use the fused form. */
    public static Tensor layerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float eps) {
        return LayerNormOp.apply(x, residual, gamma, beta, eps);
    }

    // ---- embeddings (EmbeddingOp, EmbeddingLayerNormOp; embedding.cpp) -----------------------------------------

    /** Rows of {@code table [vocab, dim]} for I32 {@code ids} of any shape → {@code [...ids, dim]};
     *  the gradient skips rows equal to {@code paddingIdx} (-1: none), as HF's padding_idx does. */
    public static Tensor embedding(Tensor ids, Tensor table, int paddingIdx) {
        return EmbeddingOp.apply(ids, table, paddingIdx);
    }

    /** Rows {@code indices} (I32 {@code [m]}) of a 2-D {@code x [n, d]} → {@code [m, d]} (e.g. [CLS] rows, masked positions). */
    public static Tensor gatherRows(Tensor x, Tensor indices) {
        return EmbeddingOp.apply(indices, x, -1);
    }

    /** ALBERT's embedding block: {@code LayerNorm(word[ids] + position[0..S) + tokenType[types])}; ids {@code [B, S]}. */
    public static Tensor embeddingLayerNorm(Tensor wordIds, Tensor typeIds, Tensor wordTable, Tensor positionTable,
                                            Tensor typeTable, Tensor gamma, Tensor beta, float eps, int paddingIdx) {
        return EmbeddingLayerNormOp.apply(wordIds, typeIds, wordTable, positionTable, typeTable, gamma, beta, eps,
                paddingIdx);
    }

    // ---- attention (AttentionOp; attention.cpp) ----------------------------------------------------------------

    /** Fused multi-head self-attention: q, k, v {@code [B, S, H]}, additive key mask {@code [B, S]} or null. */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor maskAdd, int heads, float dropoutP, long seed) {
        return AttentionOp.apply(q, k, v, maskAdd, heads, dropoutP, seed);
    }

    /** As {@link #attention} with q, k, v the three column blocks of one {@code [B, S, 3H]} projection. */
    public static Tensor attentionPacked(Tensor qkv, Tensor maskAdd, int heads, float dropoutP, long seed) {
        return AttentionOp.applyPacked(qkv, maskAdd, heads, dropoutP, seed);
    }

    /** HF's extended attention mask: I32 {@code [B, S]} of 1/0 → F32 additive {@code [B, S]} of 0/-10000 (no gradient). */
    public static Tensor additiveMask(Tensor attentionMask) {
        return AttentionOp.additiveMask(attentionMask);
    }

    // ---- regularisation (DropoutOp; dropout.cpp) ---------------------------------------------------------------

    /** Inverted dropout with the counter RNG (mask recomputed in backward, never stored); identity when p == 0. */
    public static Tensor dropout(Tensor x, float p, long seed) {
        return DropoutOp.apply(x, p, seed);
    }

    // ---- losses and reductions (SoftmaxXentOp; softmax_xent.cpp; SumOp; reduce.cpp) ----------------------------

    /** Mean softmax cross-entropy of {@code logits [N, C]} against I32 {@code labels [N]}, skipping {@code ignoreIndex}. */
    public static Tensor softmaxCrossEntropy(Tensor logits, Tensor labels, int ignoreIndex) {
        return SoftmaxXentOp.apply(logits, labels, ignoreIndex);
    }

    /** The log-sum-exp of each row of {@code logits [..., C]} → {@code [rows]}, no gradient (for metrics: a row's
     * cross-entropy is {@code lse - logit[label]}; SoftmaxXentOp, its forward kernel). */
    public static Tensor rowLogSumExp(Tensor logits) {
        return SoftmaxXentOp.rowLogSumExp(logits);
    }

    /** PyTorch {@code MSELoss()}: mean of {@code (input - target)²} over equal shapes → {@code [1]} (MseLossOp). */
    public static Tensor mseLoss(Tensor input, Tensor target) {
        return MseLossOp.apply(input, target);
    }

    /** PyTorch {@code BCEWithLogitsLoss()}: mean of {@code softplus(x) - x·y}, targets in [0, 1] → {@code [1]} (BceWithLogitsOp). */
    public static Tensor bceWithLogits(Tensor logits, Tensor targets) {
        return BceWithLogitsOp.apply(logits, targets);
    }

    /** Sum of all elements → shape {@code [1]}. */
    public static Tensor sum(Tensor x) {
        return SumOp.apply(x, 1.0f);
    }

    /** Mean of all elements → shape {@code [1]}. */
    public static Tensor mean(Tensor x) {
        return SumOp.apply(x, 1.0f / Math.max(1, x.numel()));
    }
}
