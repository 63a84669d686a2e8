package io.albert4j.nn;

import io.albert4j.tensor.Tensor;

/**
 * One post-LN Transformer block (HF {@code AlbertLayer}): {@link SelfAttention} then {@link FeedForward}.
 * Parameter names follow HF: {@code full_layer_layer_norm.*}, {@code attention.*}, {@code ffn.*},
 * {@code ffn_output.*} (in HF's order). The two halves may be shared with other blocks (ALBERT's sharing
 * ablations): {@link Module#parameterEntries()} then lists a shared half under the first block that holds it.
 */
public final class TransformerBlock extends Module {
    private final SelfAttention attention;
    private final FeedForward feedForward;

    public TransformerBlock(SelfAttention attention, FeedForward feedForward) {
        this.attention = attention;
        this.feedForward = feedForward;
        child("full_layer_layer_norm", feedForward.fullLayerLayerNorm());
        child("attention", attention);
        child("ffn", feedForward.ffn());
        child("ffn_output", feedForward.ffnOutput());
    }

    public Tensor forward(Tensor x, ForwardContext context) {
        return feedForward.forward(attention.forward(x, context), context);
    }

    /** The block's output at {@code rows} only (see {@link SelfAttention#forwardAtRows}): {@code [R, H]}. */
    public Tensor forwardAtRows(Tensor x, ForwardContext context, Tensor rows) {
        return feedForward.forward(attention.forwardAtRows(x, context, rows), context);
    }

    public SelfAttention attention() {
        return attention;
    }

    public FeedForward feedForward() {
        return feedForward;
    }
}
