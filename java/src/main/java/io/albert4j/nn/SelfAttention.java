package io.albert4j.nn;

import io.albert4j.ops.Ops;
import io.albert4j.tensor.Tensor;

/**
 * The attention half of a post-LN block (HF {@code AlbertAttention}): q, k, v projections (one GEMM), fused multi-head
 * attention (scale, additive mask, softmax, probability dropout, ·V), output projection, dropout, then
 * {@code LayerNorm(x + out)} with the residual sum fused into the LayerNorm kernel.
 */
public final class SelfAttention extends Module {
    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final Linear dense;
    private final LayerNorm layerNorm;
    private final int heads;
    private final float attentionDropoutProb;
    private final float outputDropoutProb;

    public SelfAttention(int hiddenSize, int heads, float layerNormEps, float attentionDropoutProb,
                         float outputDropoutProb) {
        // HF registration order: query, key, value, dense, LayerNorm.
        query = child("query", new Linear(hiddenSize, hiddenSize));
        key = child("key", new Linear(hiddenSize, hiddenSize));
        value = child("value", new Linear(hiddenSize, hiddenSize));
        dense = child("dense", new Linear(hiddenSize, hiddenSize));
        layerNorm = child("LayerNorm", new LayerNorm(hiddenSize, layerNormEps));
        this.heads = heads;
        this.attentionDropoutProb = attentionDropoutProb;
        this.outputDropoutProb = outputDropoutProb;
    }

    /** x {@code [B, S, H]} → {@code [B, S, H]}. */
    public Tensor forward(Tensor x, ForwardContext context) {
        return project(attend(x, context), x, context);
    }

    /**
     * As {@link #forward}, but the output only at {@code rows} (I32 flat indices into {@code B·S}): {@code [R, H]}.
     * Every position is still a key and a value; only the output projection and LayerNorm shrink to R rows. Used
     * where nothing reads the other rows (the last layer in pretraining, whose heads read the masked positions and
     * the first token), it gives those rows exactly, for about 2H² fewer multiply-adds per skipped row.
     */
    public Tensor forwardAtRows(Tensor x, ForwardContext context, Tensor rows) {
        int width = x.dim(-1);
        int cells = Math.toIntExact(x.numel() / width);
        Tensor attended = Ops.gatherRows(Ops.reshape(attend(x, context), cells, width), rows);
        return project(attended, Ops.gatherRows(Ops.reshape(x, cells, width), rows), context);
    }

    /** q, k and v as one GEMM into [B, S, 3H] (the three weights stacked once per step), then fused attention. */
    private Tensor attend(Tensor x, ForwardContext context) {
        Tensor qkv = Ops.linearStacked(x,
                new Tensor[] {query.weight().tensor(), key.weight().tensor(), value.weight().tensor()},
                new Tensor[] {query.bias().tensor(), key.bias().tensor(), value.bias().tensor()});
        float p = context.dropoutP(attentionDropoutProb);
        return Ops.attentionPacked(qkv, context.attentionMaskAdd(), heads, p, p > 0 ? context.nextSeed() : 0L);
    }

    /** {@code LayerNorm(residual + dropout(dense(attended)))}. */
    private Tensor project(Tensor attended, Tensor residual, ForwardContext context) {
        Tensor projected = context.dropout(dense.forward(attended), outputDropoutProb);
        return layerNorm.forward(projected, residual);
    }
}
