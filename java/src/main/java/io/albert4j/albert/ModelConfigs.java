package io.albert4j.albert;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model config by name: a released preset ({@code base}, {@code large-v1}, …), {@code demo} (a small ALBERT that
 * learns within minutes on a laptop CPU), or the path of a {@code config.json} (the CLI's {@code --config}).
 */
public final class ModelConfigs {
    private ModelConfigs() {
    }

    /**
     * @param vocabSize    the tokenizer's, for a preset or {@code demo} (a config.json keeps its own)
     * @param maxSeqLength {@code demo} gets at least this many position embeddings
     */
    public static AlbertConfig resolve(String nameOrPath, int vocabSize, int maxSeqLength) {
        Path file = Path.of(nameOrPath);
        if (nameOrPath.endsWith(".json") || Files.isRegularFile(file)) {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("model config: no such file " + file);
            }
            return AlbertConfig.read(file);
        }
        if ("demo".equals(nameOrPath)) {
            // E=64 factorised embedding, one shared block (H=128) applied twice: 0.2M parameters besides the
            // vocabulary. Chosen by measurement on 2 cores: in 5 minutes it gets furthest from the unigram plateau
            // (README, "The demo, measured"); H=256 or 4 layers run slower and get less far.
            return AlbertConfig.builder().vocabSize(vocabSize).embeddingSize(64).hiddenSize(128)
                    .numHiddenLayers(2).numAttentionHeads(4).intermediateSize(512)
                    .maxPositionEmbeddings(Math.max(128, maxSeqLength)).hiddenAct("gelu_new").build();
        }
        return AlbertConfig.preset(nameOrPath).toBuilder().vocabSize(vocabSize).build();
    }
}
