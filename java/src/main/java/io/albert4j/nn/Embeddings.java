package io.albert4j.nn;

import io.albert4j.ops.Ops;
import io.albert4j.ops.Step;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;

/**
 * ALBERT's input embeddings (HF {@code AlbertEmbeddings}): {@code LayerNorm(word[ids] + position[0..S) +
 * tokenType[types])} in one fused kernel, then dropout. All tables have width E (embedding_size).
 */
public final class Embeddings extends Module {
    private final Embedding wordEmbeddings;
    private final Embedding positionEmbeddings;
    private final Embedding tokenTypeEmbeddings;
    private final LayerNorm layerNorm;
    private final float dropoutProb;

    public Embeddings(int vocabSize, int maxPositions, int typeVocabSize, int embeddingSize, int padTokenId,
                      float layerNormEps, float dropoutProb) {
        wordEmbeddings = child("word_embeddings", new Embedding(vocabSize, embeddingSize, padTokenId));
        positionEmbeddings = child("position_embeddings", new Embedding(maxPositions, embeddingSize, -1));
        tokenTypeEmbeddings = child("token_type_embeddings", new Embedding(typeVocabSize, embeddingSize, -1));
        layerNorm = child("LayerNorm", new LayerNorm(embeddingSize, layerNormEps));
        this.dropoutProb = dropoutProb;
    }

    /**
     * @param inputIds     I32 {@code [B, S]}
     * @param tokenTypeIds I32 {@code [B, S]}, or null for all zeros (HF default)
     * @return F32 {@code [B, S, E]}
     */
    public Tensor forward(Tensor inputIds, Tensor tokenTypeIds, ForwardContext context) {
        if (inputIds.rank() != 2) {
            throw new IllegalArgumentException("embeddings: input_ids must be [batch, seq], got " + inputIds.describe());
        }
        int maxPositions = positionEmbeddings.weight().shape()[0];
        if (inputIds.dim(1) > maxPositions) {
            throw new IllegalArgumentException("embeddings: sequence length " + inputIds.dim(1)
                    + " exceeds max_position_embeddings " + maxPositions);
        }
        Tensor types = tokenTypeIds != null ? tokenTypeIds
                : Step.current().allocateZeroed(DType.I32, inputIds.dim(0), inputIds.dim(1));
        Tensor x = Ops.embeddingLayerNorm(inputIds, types, wordEmbeddings.weight().tensor(),
                positionEmbeddings.weight().tensor(), tokenTypeEmbeddings.weight().tensor(),
                layerNorm.weight().tensor(), layerNorm.bias().tensor(), layerNorm.eps(), wordEmbeddings.paddingIdx());
        return context.dropout(x, dropoutProb);
    }

    public Embedding positionEmbeddings() {
        return positionEmbeddings;
    }

    public Embedding wordEmbeddings() {
        return wordEmbeddings;
    }
}
