package io.albert4j.nn;

import io.albert4j.backend.Activation;
import io.albert4j.tensor.Tensor;

/**
 * The feed-forward half of a post-LN block (HF {@code AlbertLayer.ffn/ffn_output/full_layer_layer_norm}):
 * {@code LayerNorm(x + dropout(ffn_output(act(ffn(x)))))}, the activation fused into the first GEMM's epilogue.
 * The dropout is GR's ({@code attention_ffn_block}); HF declares it but does not apply it — identical at p = 0,
 * which every released v2 model and all of HF's configs for v1 inference use.
 */
public final class FeedForward extends Module {
    private final LayerNorm fullLayerLayerNorm;
    private final Linear ffn;
    private final Linear ffnOutput;
    private final Activation activation;
    private final float dropoutProb;

    /**
     * Registers nothing itself: HF keeps these modules directly on {@code AlbertLayer}, so the owning
     * {@link TransformerBlock} registers them under its own names.
     */
    public FeedForward(int hiddenSize, int intermediateSize, Activation activation, float layerNormEps,
                       float dropoutProb) {
        fullLayerLayerNorm = new LayerNorm(hiddenSize, layerNormEps);
        ffn = new Linear(hiddenSize, intermediateSize);
        ffnOutput = new Linear(intermediateSize, hiddenSize);
        this.activation = activation;
        this.dropoutProb = dropoutProb;
    }

    LayerNorm fullLayerLayerNorm() {
        return fullLayerLayerNorm;
    }

    Linear ffn() {
        return ffn;
    }

    Linear ffnOutput() {
        return ffnOutput;
    }

    /** x {@code [B, S, H]} → {@code [B, S, H]}. */
    public Tensor forward(Tensor x, ForwardContext context) {
        Tensor inner = ffn.forward(x, activation);
        Tensor out = context.dropout(ffnOutput.forward(inner), dropoutProb);
        return fullLayerLayerNorm.forward(out, x);
    }
}
