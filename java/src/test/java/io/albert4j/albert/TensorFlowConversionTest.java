package io.albert4j.albert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.albert4j.cli.AlbertCli;
import io.albert4j.io.CheckpointException;
import io.albert4j.io.HfModelDirectory;
import io.albert4j.io.tf.GoogleResearchNames;
import io.albert4j.io.tf.TensorBundleWriter;
import io.albert4j.tensor.Tensor;
import io.albert4j.testing.TestResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A GR-named TensorFlow bundle of an albert4j model (kernels stored [in, out], Adam slots, global_step) converts
 * into an HF folder whose model predicts exactly what the original does.
 */
class TensorFlowConversionTest {
    private static final int[][] IDS = {{2, 7, 9, 11, 3, 0}, {2, 5, 3, 0, 0, 0}};
    private static final int[][] MASK = {{1, 1, 1, 1, 1, 0}, {1, 1, 1, 0, 0, 0}};
    private static final int[][] TYPES = {{0, 0, 0, 1, 1, 0}, {0, 0, 1, 0, 0, 0}};
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** The model's parameters under GR's names (kernels transposed back), as run_pretraining.py saves them. */
    static Map<String, TensorBundleWriter.Tensor> googleResearchBundle(Map<String, Tensor> parameters,
                                                                     boolean withOptimizerState) {
        Map<String, TensorBundleWriter.Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : parameters.entrySet()) {
            String tf = GoogleResearchNames.toTf(e.getKey()).orElseThrow(() -> new AssertionError(e.getKey()));
            int[] shape = e.getValue().shape();
            float[] values = e.getValue().toFloatArray();
            long[] tfShape;
            if (GoogleResearchNames.toHf(tf).orElseThrow().transposed()) {
                float[] kernel = new float[values.length];
                for (int o = 0; o < shape[0]; o++) {
                    for (int i = 0; i < shape[1]; i++) {
                        kernel[i * shape[0] + o] = values[o * shape[1] + i];
                    }
                }
                values = kernel;
                tfShape = new long[] {shape[1], shape[0]};
            } else {
                tfShape = java.util.Arrays.stream(shape).asLongStream().toArray();
            }
            tensors.put(tf, TensorBundleWriter.Tensor.floats(tfShape, values));
            if (withOptimizerState) {
                tensors.put(tf + "/adam_m", TensorBundleWriter.Tensor.floats(tfShape, new float[values.length]));
                tensors.put(tf + "/adam_v", TensorBundleWriter.Tensor.floats(tfShape, new float[values.length]));
            }
        }
        if (withOptimizerState) {
            tensors.put("global_step", new TensorBundleWriter.Tensor(io.albert4j.io.tf.proto.DataType.DT_INT64,
                    new long[0], new byte[8]));
        }
        return tensors;
    }

    /** GR's albert_config.json for {@code config}: GR's keys, "gelu" meaning the tanh approximation. */
    private Path grConfig(AlbertConfig config) throws IOException {
        ObjectNode gr = JSON.createObjectNode();
        gr.put("attention_probs_dropout_prob", 0).put("hidden_act", "gelu").put("hidden_dropout_prob", 0)
                .put("embedding_size", config.embeddingSize()).put("hidden_size", config.hiddenSize())
                .put("initializer_range", 0.02).put("intermediate_size", config.intermediateSize())
                .put("max_position_embeddings", config.maxPositionEmbeddings())
                .put("num_attention_heads", config.numAttentionHeads())
                .put("num_hidden_layers", config.numHiddenLayers()).put("num_hidden_groups", 1)
                .put("net_structure_type", 0).put("gap_size", 0).put("num_memory_blocks", 0)
                .put("inner_group_num", 1).put("down_scale_factor", 1).put("type_vocab_size", 2)
                .put("vocab_size", config.vocabSize());
        return Files.writeString(dir.resolve("albert_config.json"), gr.toString());
    }

    @Test
    void aGoogleResearchCheckpointConvertsToTheSameModel() throws IOException {
        AlbertConfig config = AlbertModelTest.TINY.toBuilder().hiddenAct("gelu_new").build();
        Path prefix = dir.resolve("model.ckpt-1000");
        AlbertForPreTraining.Prediction expected;
        try (AlbertForPreTraining original = AlbertForPreTraining.create(config, 11)) {
            new TensorBundleWriter().shards(2).write(prefix, googleResearchBundle(original.namedParameters(), true));
            expected = original.predict(IDS, MASK, TYPES);
        }
        Path spiece = TestResources.file("/tokenizer/sotu8k.model");
        Path out = dir.resolve("hf");
        TensorFlowConversion.Result result = TensorFlowConversion.convert(prefix, grConfig(config), spiece, out, false);
        assertTrue(result.report().initialized().isEmpty(), result.report().initialized().toString());
        assertTrue(result.report().unexpected().isEmpty(), result.report().unexpected().toString());
        assertTrue(result.skipped().contains("global_step") && result.skipped().size() > 2, result.skipped().toString());
        assertEquals("gelu_new", result.config().hiddenAct(), "GR's gelu is the tanh approximation");

        ObjectNode written = HfModelDirectory.readConfig(out);
        assertEquals("albert", written.get("model_type").asText());
        assertEquals(0, written.get("net_structure_type").asInt(), "GR-only keys are kept");
        assertTrue(Files.isRegularFile(out.resolve("tokenizer_config.json")));
        try (AlbertForPreTraining converted = AlbertForPreTraining.load(out)) {
            AlbertForPreTraining.Prediction actual = converted.predict(IDS, MASK, TYPES);
            assertArrayEquals(expected.predictionLogits().values(), actual.predictionLogits().values());
            assertArrayEquals(expected.sopLogits().values(), actual.sopLogits().values());
        }
    }

    @Test
    void withoutAProjectionTheEncoderGetsTheIdentityAndMissingHeadsAreNamed() throws IOException {
        // E = H: GR makes no embedding_hidden_mapping_in; a checkpoint without the pooler and SOP head (an MLM
        // export) gets them initialised and named.
        AlbertConfig config = AlbertModelTest.TINY.toBuilder().embeddingSize(16).hiddenAct("gelu_new").build();
        Path prefix = dir.resolve("model.ckpt-5");
        AlbertForPreTraining.Prediction expected;
        try (AlbertForPreTraining original = AlbertForPreTraining.create(config, 12)) {
            Map<String, Tensor> values = new LinkedHashMap<>(original.namedParameters());
            float[] identity = new float[16 * 16];
            for (int i = 0; i < 16; i++) {
                identity[i * 16 + i] = 1f;
            }
            values.put("albert.encoder.embedding_hidden_mapping_in.weight", Tensor.ofFloats(identity, 16, 16));
            values.put("albert.encoder.embedding_hidden_mapping_in.bias", Tensor.ofFloats(new float[16], 16));
            original.loadParameters(values);
            expected = original.predict(IDS, MASK, TYPES);
            Map<String, Tensor> exported = new LinkedHashMap<>(values);
            exported.keySet().removeIf(k -> k.startsWith("albert.encoder.embedding_hidden_mapping_in")
                    || k.startsWith("albert.pooler") || k.startsWith("sop_classifier"));
            new TensorBundleWriter().write(prefix, googleResearchBundle(exported, false));
        }
        Path out = dir.resolve("hf");
        assertEquals(0, AlbertCli.run("convert", "--from-tf", prefix + ".index", "--config",
                grConfig(config).toString(), "--out", out.toString()));
        try (AlbertForPreTraining converted = AlbertForPreTraining.load(out)) {
            assertArrayEquals(expected.predictionLogits().values(),
                    converted.predict(IDS, MASK, TYPES).predictionLogits().values());
        }
        TensorFlowConversion.Result again = TensorFlowConversion.convert(prefix, dir.resolve("albert_config.json"),
                null, out, false);
        assertEquals(List.of("albert.encoder.embedding_hidden_mapping_in.weight",
                "albert.encoder.embedding_hidden_mapping_in.bias"), again.synthesized());
        assertEquals(List.of("albert.pooler.weight", "albert.pooler.bias", "sop_classifier.classifier.weight",
                "sop_classifier.classifier.bias"), again.report().initialized());
    }

    @Test
    void anUnpackedReleaseFolderConvertsWithItsConfigAndTokenizer() throws IOException {
        // GR's tarball layout: albert_base/{albert_config.json, model.ckpt-best.*, 30k-clean.model, checkpoint}.
        AlbertConfig config = AlbertModelTest.TINY.toBuilder().hiddenAct("gelu_new").build();
        Path release = Files.createDirectories(dir.resolve("albert_base"));
        try (AlbertForPreTraining original = AlbertForPreTraining.create(config, 14)) {
            new TensorBundleWriter().write(release.resolve("model.ckpt-best"),
                    googleResearchBundle(original.namedParameters(), false));
            new TensorBundleWriter().write(release.resolve("model.ckpt-10"),
                    googleResearchBundle(original.namedParameters(), false));
        }
        Files.move(grConfig(config), release.resolve("albert_config.json"));
        Files.copy(TestResources.file("/tokenizer/sotu8k.model"), release.resolve("30k-clean.model"));
        IllegalArgumentException two = assertThrows(IllegalArgumentException.class,
                () -> TensorFlowConversion.convert(release, null, null, dir.resolve("out"), false));
        assertTrue(two.getMessage().contains("holds 2 checkpoints"), two.getMessage());
        Files.writeString(release.resolve("checkpoint"), "model_checkpoint_path: \"model.ckpt-best\"\n"
                + "all_model_checkpoint_paths: \"model.ckpt-best\"\n");
        assertEquals(0, AlbertCli.run("convert", "--from-tf", release.toString(), "--out", dir.resolve("out").toString()));
        assertTrue(Files.isRegularFile(dir.resolve("out/spiece.model")), "30k-clean.model became spiece.model");
        assertEquals(release.resolve("model.ckpt-best"), TensorFlowConversion.checkpointIn(release));
    }

    @Test
    void aCheckpointThatDoesNotFitItsConfigNamesTheTensor() throws IOException {
        AlbertConfig config = AlbertModelTest.TINY;
        Path prefix = dir.resolve("model.ckpt-1");
        try (AlbertForPreTraining original = AlbertForPreTraining.create(config, 13)) {
            new TensorBundleWriter().write(prefix, googleResearchBundle(original.namedParameters(), false));
        }
        Path wider = grConfig(config.toBuilder().intermediateSize(32).build());
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> TensorFlowConversion.convert(prefix, wider, null, dir.resolve("out"), false));
        assertTrue(e.getMessage().contains("tensor 'albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight'"
                + " (for ") || e.getMessage().contains("ffn.weight' has shape [24, 16], config says [32, 16]"),
                e.getMessage());
        assertTrue(Files.notExists(dir.resolve("out")), "nothing written");
    }
}
