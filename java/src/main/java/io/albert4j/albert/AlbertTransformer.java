package io.albert4j.albert;

import io.albert4j.nn.ActivationRecomputation;
import io.albert4j.ops.Step;

import io.albert4j.nn.FeedForward;
import io.albert4j.nn.ForwardContext;
import io.albert4j.nn.Linear;
import io.albert4j.nn.Module;
import io.albert4j.nn.ModuleList;
import io.albert4j.nn.SelfAttention;
import io.albert4j.nn.TransformerBlock;
import io.albert4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * ALBERT's encoder (HF {@code AlbertTransformer}): the E→H projection {@code embedding_hidden_mapping_in}, then
 * {@code num_hidden_layers} layer applications over shared blocks.
 *
 * <p>Parameter layout. {@link ParameterSharing#ALL} is HF's: {@code albert_layer_groups.<g>.albert_layers.<k>.*}
 * for {@code g < num_hidden_groups}, {@code k < inner_group_num}; layer {@code l} runs every block of group
 * {@code int(l / (L / G))} in order. The ablations (which require groups = inner = 1) keep the same shape with one
 * group per layer, {@code albert_layer_groups.<l>.albert_layers.0.*}, and a shared half is stored once, under
 * layer 0: with {@code attention} sharing, layers l > 0 hold only {@code full_layer_layer_norm}, {@code ffn},
 * {@code ffn_output}; with {@code ffn} sharing only {@code attention.*}; with {@code none} everything (which is
 * exactly HF's layout for num_hidden_groups = L, so such a checkpoint loads in HF with that config).
 */
public final class AlbertTransformer extends Module {
    private final AlbertConfig config;
    private final Linear embeddingHiddenMappingIn;
    /** For each layer application, the blocks it runs in order. */
    private final List<List<TransformerBlock>> layerBlocks = new ArrayList<>();
    /** Non-null while activation recomputation is on. */
    private ActivationRecomputation recomputation;

    public AlbertTransformer(AlbertConfig config) {
        this.config = config;
        embeddingHiddenMappingIn = child("embedding_hidden_mapping_in",
                new Linear(config.embeddingSize(), config.hiddenSize()));
        ModuleList<LayerGroup> groups = child("albert_layer_groups", new ModuleList<>());
        int layers = config.numHiddenLayers();
        if (config.sharing() == ParameterSharing.ALL) {
            for (int g = 0; g < config.numHiddenGroups(); g++) {
                LayerGroup group = groups.add(new LayerGroup());
                for (int k = 0; k < config.innerGroupNum(); k++) {
                    group.albertLayers.add(new TransformerBlock(newAttention(), newFeedForward()));
                }
            }
            for (int l = 0; l < layers; l++) {
                layerBlocks.add(groups.get(config.groupOfLayer(l)).albertLayers.items());
            }
        } else {
            SelfAttention sharedAttention = config.sharing() == ParameterSharing.ATTENTION ? newAttention() : null;
            FeedForward sharedFeedForward = config.sharing() == ParameterSharing.FFN ? newFeedForward() : null;
            for (int l = 0; l < layers; l++) {
                SelfAttention attention = sharedAttention != null ? sharedAttention : newAttention();
                FeedForward feedForward = sharedFeedForward != null ? sharedFeedForward : newFeedForward();
                LayerGroup group = groups.add(new LayerGroup());
                layerBlocks.add(List.of(group.albertLayers.add(new TransformerBlock(attention, feedForward))));
            }
        }
    }

    private SelfAttention newAttention() {
        return new SelfAttention(config.hiddenSize(), config.numAttentionHeads(), config.layerNormEps(),
                config.attentionProbsDropoutProb(), config.hiddenDropoutProb());
    }

    private FeedForward newFeedForward() {
        return new FeedForward(config.hiddenSize(), config.intermediateSize(), config.activation(),
                config.layerNormEps(), config.hiddenDropoutProb());
    }

    /** embeddings {@code [B, S, E]} → last hidden state {@code [B, S, H]}. */
    public Tensor forward(Tensor embeddings, ForwardContext context) {
        return forward(embeddings, context, null);
    }

    /**
     * As {@link #forward(Tensor, ForwardContext)}, but the last block's output only at {@code rows} (I32 flat
     * indices into {@code B·S}): {@code [R, H]}, equal to those rows of the full last hidden state. Earlier blocks
     * run on every position, since the last one attends over all of them.
     */
    public Tensor forwardAtRows(Tensor embeddings, ForwardContext context, Tensor rows) {
        return forward(embeddings, context, Objects.requireNonNull(rows, "rows"));
    }

    private Tensor forward(Tensor embeddings, ForwardContext context, Tensor lastBlockRows) {
        Tensor hidden = embeddingHiddenMappingIn.forward(embeddings);
        ActivationRecomputation recompute = recomputation;
        boolean replay = recompute != null && context.training() && Step.current().recording(hidden);
        for (int l = 0; l < layerBlocks.size(); l++) {
            List<TransformerBlock> blocks = layerBlocks.get(l);
            for (int i = 0; i < blocks.size(); i++) {
                TransformerBlock block = blocks.get(i);
                if (lastBlockRows != null && l == layerBlocks.size() - 1 && i == blocks.size() - 1) {
                    // Its own activations are small at R rows: nothing to gain from recomputing them.
                    hidden = block.forwardAtRows(hidden, context, lastBlockRows);
                } else {
                    hidden = replay ? recompute.forward(block, hidden, context) : block.forward(hidden, context);
                }
            }
        }
        return hidden;
    }

    /**
     * Training only: keep each layer's output, not its internals, and recompute them in backward (less memory,
     * about one more forward pass of compute). Not for concurrent training steps on one model.
     */
    void setActivationRecomputation(boolean on) {
        if (on && recomputation == null) {
            recomputation = new ActivationRecomputation();
        } else if (!on && recomputation != null) {
            recomputation.close();
            recomputation = null;
        }
    }

    /** HF {@code AlbertLayerGroup}: a list {@code albert_layers} of blocks. */
    static final class LayerGroup extends Module {
        final ModuleList<TransformerBlock> albertLayers = child("albert_layers", new ModuleList<>());
    }
}
