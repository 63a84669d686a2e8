package io.albert4j.io.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.albert.AlbertConfig;
import io.albert4j.albert.AlbertForPreTraining;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** GR's variable names against HF's, as HF's load_tf_weights_in_albert renames them (albert-spec.md §2). */
class GoogleResearchNamesTest {
    @Test
    void theSpecsTableMapsWithItsTransposes() {
        assertEquals(Optional.of(new GoogleResearchNames.HfName(
                        "albert.encoder.albert_layer_groups.0.albert_layers.0.ffn_output.weight", true)),
                GoogleResearchNames.toHf("bert/encoder/transformer/group_0/inner_group_0/ffn_1/intermediate/output/dense/kernel"));
        assertEquals(Optional.of(new GoogleResearchNames.HfName(
                        "albert.encoder.albert_layer_groups.1.albert_layers.0.full_layer_layer_norm.weight", false)),
                GoogleResearchNames.toHf("bert/encoder/transformer/group_1/inner_group_0/LayerNorm_1/gamma"));
        assertEquals(Optional.of(new GoogleResearchNames.HfName(
                        "albert.encoder.albert_layer_groups.0.albert_layers.0.attention.LayerNorm.bias", false)),
                GoogleResearchNames.toHf("bert/encoder/transformer/group_0/inner_group_0/LayerNorm/beta"));
        assertEquals(Optional.of(new GoogleResearchNames.HfName("sop_classifier.classifier.weight", false)),
                GoogleResearchNames.toHf("cls/seq_relationship/output_weights"), "output_weights are [2, H] already");
        assertEquals(Optional.of(new GoogleResearchNames.HfName("albert.embeddings.word_embeddings.weight", false)),
                GoogleResearchNames.toHf("module/bert/embeddings/word_embeddings"), "TF-Hub's module/ prefix");
        assertTrue(GoogleResearchNames.toHf("bert/encoder/transformer/group_0/inner_group_0/unknown/kernel").isEmpty());
        assertTrue(GoogleResearchNames.isOptimizerState("bert/pooler/dense/kernel/adam_m"));
        assertTrue(GoogleResearchNames.isOptimizerState("global_step"));
        assertFalse(GoogleResearchNames.isOptimizerState("bert/pooler/dense/kernel"));
    }

    @Test
    void everyPretrainingParameterOfAGroupedModelHasAGrNameThatMapsBack() {
        AlbertConfig config = AlbertConfig.builder().vocabSize(20).embeddingSize(8).hiddenSize(16).numHiddenLayers(4)
                .numHiddenGroups(2).innerGroupNum(2).numAttentionHeads(2).intermediateSize(24).build();
        int kernels = 0;
        for (String name : AlbertForPreTraining.shapesOnly(config).parameterShapes().keySet()) {
            String tf = GoogleResearchNames.toTf(name).orElseThrow(() -> new AssertionError("no GR name for " + name));
            GoogleResearchNames.HfName back = GoogleResearchNames.toHf(tf).orElseThrow();
            assertEquals(name, back.name());
            assertEquals(tf.endsWith("/kernel"), back.transposed(), tf);
            kernels += back.transposed() ? 1 : 0;
        }
        assertEquals(1 + 2 * 2 * 6 + 1 + 1, kernels, "projection, 6 per block, pooler, MLM dense");
    }
}
