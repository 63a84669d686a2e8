package io.albert4j.albert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Names, order, shapes and counts, all without allocating (shapes-only models). */
class AlbertParameterNamesTest {
    private static final String BLOCK = "albert.encoder.albert_layer_groups.0.albert_layers.0.";

    @Test
    void preTrainingKeysAreHuggingFacesInOrder() {
        LinkedHashMap<String, int[]> shapes = AlbertForPreTraining.shapesOnly(AlbertConfig.preset("base"))
                .parameterShapes();
        List<String> expected = new ArrayList<>(List.of(
                "albert.embeddings.word_embeddings.weight", "albert.embeddings.position_embeddings.weight",
                "albert.embeddings.token_type_embeddings.weight", "albert.embeddings.LayerNorm.weight",
                "albert.embeddings.LayerNorm.bias", "albert.encoder.embedding_hidden_mapping_in.weight",
                "albert.encoder.embedding_hidden_mapping_in.bias"));
        for (String suffix : List.of("full_layer_layer_norm.weight", "full_layer_layer_norm.bias",
                "attention.query.weight", "attention.query.bias", "attention.key.weight", "attention.key.bias",
                "attention.value.weight", "attention.value.bias", "attention.dense.weight", "attention.dense.bias",
                "attention.LayerNorm.weight", "attention.LayerNorm.bias", "ffn.weight", "ffn.bias",
                "ffn_output.weight", "ffn_output.bias")) {
            expected.add(BLOCK + suffix);
        }
        expected.addAll(List.of("albert.pooler.weight", "albert.pooler.bias", "predictions.bias",
                "predictions.LayerNorm.weight", "predictions.LayerNorm.bias", "predictions.dense.weight",
                "predictions.dense.bias", "sop_classifier.classifier.weight", "sop_classifier.classifier.bias"));
        assertEquals(expected, new ArrayList<>(shapes.keySet()));

        assertArrayEquals(new int[] {30000, 128}, shapes.get("albert.embeddings.word_embeddings.weight"));
        assertArrayEquals(new int[] {512, 128}, shapes.get("albert.embeddings.position_embeddings.weight"));
        assertArrayEquals(new int[] {2, 128}, shapes.get("albert.embeddings.token_type_embeddings.weight"));
        assertArrayEquals(new int[] {768, 128}, shapes.get("albert.encoder.embedding_hidden_mapping_in.weight"));
        assertArrayEquals(new int[] {3072, 768}, shapes.get(BLOCK + "ffn.weight"));
        assertArrayEquals(new int[] {768, 3072}, shapes.get(BLOCK + "ffn_output.weight"));
        assertArrayEquals(new int[] {30000}, shapes.get("predictions.bias"));
        assertArrayEquals(new int[] {128, 768}, shapes.get("predictions.dense.weight"));
        assertArrayEquals(new int[] {2, 768}, shapes.get("sop_classifier.classifier.weight"));
    }

    @Test
    void parameterCountsMatchTheSpec() {
        assertEquals(11_683_584L, AlbertModel.shapesOnly(AlbertConfig.preset("base")).parameterCount());
        assertEquals(17_683_968L, AlbertModel.shapesOnly(AlbertConfig.preset("large")).parameterCount());
        assertEquals(58_724_864L, AlbertModel.shapesOnly(AlbertConfig.preset("xlarge")).parameterCount());
        assertEquals(222_595_584L, AlbertModel.shapesOnly(AlbertConfig.preset("xxlarge-v1")).parameterCount());
        assertEquals(11_813_810L, AlbertForPreTraining.shapesOnly(AlbertConfig.preset("base")).parameterCount());
        // masked LM = pretraining minus pooler (H²+H) and SOP head (2H+2)
        assertEquals(11_813_810L - (768L * 768 + 768) - (2 * 768 + 2),
                AlbertForMaskedLM.shapesOnly(AlbertConfig.preset("base")).parameterCount());
    }

    @Test
    void groupsAndInnerBlocksUseHuggingFacesIndices() {
        AlbertConfig config = AlbertConfig.preset("base").toBuilder().numHiddenGroups(2).innerGroupNum(3).build();
        LinkedHashMap<String, int[]> shapes = AlbertModel.shapesOnly(config).parameterShapes();
        assertTrue(shapes.containsKey("encoder.albert_layer_groups.1.albert_layers.2.ffn.weight"));
        assertTrue(!shapes.containsKey("encoder.albert_layer_groups.2.albert_layers.0.ffn.weight"));
        long blockParams = 4 * (768L * 768 + 768) + 2 * 768L * 3072 + 3072 + 768 + 4 * 768;
        assertEquals(11_683_584L + 5 * blockParams, AlbertModel.shapesOnly(config).parameterCount());
    }

    @Test
    void sharingAblationsStoreSharedHalvesOnceUnderLayerZero() {
        AlbertConfig base = AlbertConfig.preset("base");
        long attention = 4 * (768L * 768 + 768) + 2 * 768;
        long feedForward = 2 * 768L * 3072 + 3072 + 768 + 2 * 768;
        long all = AlbertModel.shapesOnly(base).parameterCount();
        for (ParameterSharing sharing : ParameterSharing.values()) {
            AlbertModel model = AlbertModel.shapesOnly(base.toBuilder().sharing(sharing).build());
            long extra = switch (sharing) {
                case ALL -> 0;
                case ATTENTION -> 11 * feedForward;
                case FFN -> 11 * attention;
                case NONE -> 11 * (attention + feedForward);
            };
            assertEquals(all + extra, model.parameterCount(), sharing.toString());
        }
        LinkedHashMap<String, int[]> names = AlbertModel.shapesOnly(
                base.toBuilder().sharing(ParameterSharing.ATTENTION).build()).parameterShapes();
        assertTrue(names.containsKey("encoder.albert_layer_groups.0.albert_layers.0.attention.query.weight"));
        assertTrue(names.containsKey("encoder.albert_layer_groups.11.albert_layers.0.ffn.weight"));
        assertTrue(!names.containsKey("encoder.albert_layer_groups.11.albert_layers.0.attention.query.weight"));
        // not-shared is exactly HF's layout for num_hidden_groups = L
        assertEquals(new ArrayList<>(AlbertModel.shapesOnly(base.toBuilder().numHiddenGroups(12).build())
                        .parameterShapes().keySet()),
                new ArrayList<>(AlbertModel.shapesOnly(base.toBuilder().sharing(ParameterSharing.NONE).build())
                        .parameterShapes().keySet()));
    }
}
