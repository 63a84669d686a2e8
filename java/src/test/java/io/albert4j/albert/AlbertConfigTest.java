package io.albert4j.albert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.backend.Activation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlbertConfigTest {
    @Test
    void presetsFollowTheReleasedConfigs() {
        AlbertConfig base = AlbertConfig.preset("base");
        assertEquals(768, base.hiddenSize());
        assertEquals(128, base.embeddingSize());
        assertEquals(12, base.numHiddenLayers());
        assertEquals(30000, base.vocabSize());
        assertEquals("gelu_new", base.hiddenAct());
        assertEquals(0f, base.hiddenDropoutProb());
        assertEquals(base, AlbertConfig.preset("albert-base-v2"));

        AlbertConfig baseV1 = AlbertConfig.preset("base-v1");
        assertEquals("gelu", baseV1.hiddenAct());
        assertEquals(Activation.GELU_ERF, baseV1.activation());
        assertEquals(0.1f, baseV1.hiddenDropoutProb());
        assertEquals(0.1f, baseV1.attentionProbsDropoutProb());
        assertEquals(0f, AlbertConfig.preset("xxlarge-v1").hiddenDropoutProb(), "v1 xxlarge has no dropout");
        assertEquals(64, AlbertConfig.preset("xxlarge").numAttentionHeads());
        assertEquals(16384, AlbertConfig.preset("xxlarge").intermediateSize());
        assertEquals(24, AlbertConfig.preset("large-v1").numHiddenLayers());
        assertEquals(2048, AlbertConfig.preset("xlarge").hiddenSize());
        assertEquals(12, AlbertConfig.presetNames().size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AlbertConfig.preset("huge"));
        assertTrue(e.getMessage().contains("huge"), e.getMessage());
    }

    @Test
    void jsonRoundTripKeepsUnknownKeys(@TempDir Path dir) throws Exception {
        String hubJson = """
                {"architectures": ["AlbertForMaskedLM"], "attention_probs_dropout_prob": 0.1, "bos_token_id": 2,
                 "classifier_dropout_prob": 0.1, "down_scale_factor": 1, "embedding_size": 128, "eos_token_id": 3,
                 "gap_size": 0, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "hidden_size": 768,
                 "initializer_range": 0.02, "inner_group_num": 1, "intermediate_size": 3072, "layer_norm_eps": 1e-12,
                 "max_position_embeddings": 512, "model_type": "albert", "net_structure_type": 0,
                 "num_attention_heads": 12, "num_hidden_groups": 1, "num_hidden_layers": 12, "num_memory_blocks": 0,
                 "pad_token_id": 0, "type_vocab_size": 2, "vocab_size": 30000}""";
        AlbertConfig config = AlbertConfig.fromJson(hubJson);
        assertEquals(AlbertConfig.preset("base-v1"), config.toBuilder().extra(java.util.Map.of()).build());
        assertEquals(List.of("AlbertForMaskedLM"), config.extra().get("architectures"));
        assertEquals(0, config.extra().get("net_structure_type"));
        Path file = dir.resolve("config.json");
        config.write(file);
        AlbertConfig back = AlbertConfig.read(file);
        assertEquals(config, back);
        assertTrue(Files.readString(file).contains("\"gap_size\""));
        assertTrue(!Files.readString(file).contains("sharing"), "the default sharing is not written (HF layout)");

        AlbertConfig ablation = config.toBuilder().sharing(ParameterSharing.FFN).build();
        assertEquals(ParameterSharing.FFN, AlbertConfig.fromJson(ablation.toJson()).sharing());
    }

    @Test
    void hfDefaultsFillMissingKeys() {
        AlbertConfig config = AlbertConfig.fromJson("{\"hidden_size\": 64, \"num_attention_heads\": 4, "
                + "\"intermediate_size\": 128}");
        assertEquals(30000, config.vocabSize());
        assertEquals("gelu_new", config.hiddenAct());
        assertEquals(1e-12f, config.layerNormEps());
        assertEquals(1e-12f, config.mlmLayerNormEps(), "spec: MLM LayerNorm uses layer_norm_eps, not 1e-5");
        assertEquals(0.1f, config.classifierDropoutProb());
    }

    @Test
    void invalidConfigsFailWithClearMessages() {
        assertMessage(AlbertConfig.builder().hiddenSize(100).numAttentionHeads(12),
                "hidden_size 100 is not a multiple of num_attention_heads 12");
        assertMessage(AlbertConfig.builder().numHiddenLayers(2).numHiddenGroups(3),
                "num_hidden_groups 3 > num_hidden_layers 2");
        assertMessage(AlbertConfig.builder().vocabSize(0), "vocab_size must be > 0, got 0");
        assertMessage(AlbertConfig.builder().intermediateSize(-5), "intermediate_size must be > 0, got -5");
        assertMessage(AlbertConfig.builder().hiddenAct("swish"), "unsupported hidden_act 'swish'");
        assertMessage(AlbertConfig.builder().hiddenDropoutProb(1.5f), "hidden_dropout_prob must be in [0, 1)");
        assertMessage(AlbertConfig.builder().layerNormEps(0f), "layer_norm_eps must be > 0");
        assertMessage(AlbertConfig.builder().padTokenId(30000), "pad_token_id 30000 is outside the vocabulary");
        assertMessage(AlbertConfig.builder().positionEmbeddingType("relative_key"), "'relative_key' is not supported");
        assertMessage(AlbertConfig.builder().sharing(ParameterSharing.NONE).numHiddenGroups(2),
                "sharing 'none' needs num_hidden_groups = 1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AlbertConfig.fromJson("{\"hidden_size\": \"big\"}"));
        assertTrue(e.getMessage().contains("'hidden_size' must be an integer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AlbertConfig.fromJson("{\"sharing\": \"half\"}"));
        assertTrue(e.getMessage().contains("unknown sharing 'half'"), e.getMessage());
    }

    @Test
    void aTokenizerWithMorePiecesThanTheVocabularyIsRefused() {
        AlbertConfig config = AlbertConfig.builder().vocabSize(100).build();
        config.requireTokenizerFits(100, "spiece.model");  // equal: every id has its row
        config.requireTokenizerFits(90, "spiece.model");   // smaller: a padded vocabulary, as HF's often are
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> config.requireTokenizerFits(113, "run/spiece.model"));
        assertTrue(e.getMessage().startsWith("run/spiece.model: the tokenizer has 113 pieces but the model's "
                + "vocab_size is 100"), e.getMessage());
    }

    @Test
    void groupMappingIsHuggingFaces() {
        AlbertConfig config = AlbertConfig.builder().hiddenSize(64).numAttentionHeads(4).intermediateSize(128)
                .numHiddenLayers(3).numHiddenGroups(2).build();
        // int(l / (3 / 2)) = int(l / 1.5): 0, 0, 1
        assertEquals(List.of(0, 0, 1), List.of(config.groupOfLayer(0), config.groupOfLayer(1), config.groupOfLayer(2)));
        AlbertConfig twelve = config.toBuilder().numHiddenLayers(12).numHiddenGroups(4).build();
        assertEquals(3, twelve.groupOfLayer(11));
        assertEquals(1, twelve.groupOfLayer(3));
    }

    private static void assertMessage(AlbertConfig.Builder builder, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }

    @Test
    void aMissingConfigOrAFolderInItsPlaceIsNamedAsSuch(@TempDir Path folder) throws Exception {
        Path config = folder.resolve("config.json");
        var e = assertThrows(java.io.UncheckedIOException.class, () -> AlbertConfig.read(config));
        assertEquals(config + ": no such file (a model folder holds its config.json beside the weights)",
                e.getMessage());
        Files.createDirectory(config);
        e = assertThrows(java.io.UncheckedIOException.class, () -> AlbertConfig.read(config));
        assertTrue(e.getMessage().contains("is a folder, not a config file"), e.getMessage());
    }
}
