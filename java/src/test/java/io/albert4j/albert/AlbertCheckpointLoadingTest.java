package io.albert4j.albert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.io.CheckpointException;
import io.albert4j.io.HfModelDirectory;
import io.albert4j.io.SafetensorsReader;
import io.albert4j.io.SafetensorsWriter;
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

/** Models load from folders as HF's from_pretrained does: any weight layout, any head subset. */
class AlbertCheckpointLoadingTest {
    private static final int[][] IDS = {{2, 7, 9, 11, 3}, {2, 5, 3, 0, 0}};
    private static final int[][] MASK = {{1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}};
    private static final int[][] TYPES = {{0, 0, 0, 1, 1}, {0, 0, 0, 0, 0}};

    @TempDir
    Path dir;

    private static Path fixtureFolder(String name) {
        return name.equals("albert_sharded")
                ? TestResources.folder("/fixtures/torch/" + name, "config.json", "pytorch_model.bin.index.json",
                        "pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin")
                : TestResources.folder("/fixtures/torch/" + name, "config.json", "pytorch_model.bin");
    }

    @Test
    void aMaskedLmFolderLoadsIntoPretrainingWithTheMissingHeadsInitialisedAndNamed() {
        Path mlm = fixtureFolder("albert_mlm_f16");
        try (AlbertForPreTraining model = AlbertForPreTraining.load(mlm);
             SafetensorsReader expected = SafetensorsReader.open(
                     TestResources.file("/fixtures/torch/albert_mlm_f16.expected.safetensors"))) {
            HfModelDirectory.LoadReport report = model.loadReport().orElseThrow();
            assertEquals(List.of("albert.pooler.weight", "albert.pooler.bias", "sop_classifier.classifier.weight",
                    "sop_classifier.classifier.bias"), report.initialized());
            assertTrue(report.unexpected().isEmpty(), report.unexpected().toString());
            Map<String, Tensor> parameters = model.namedParameters();
            assertArrayEquals(expected.readF32("albert.encoder.embedding_hidden_mapping_in.weight").toFloatArray(),
                    parameters.get("albert.encoder.embedding_hidden_mapping_in.weight").toFloatArray(),
                    "read from the F16 bin");
            float[] pooler = parameters.get("albert.pooler.weight").toFloatArray();
            assertTrue(pooler[0] != 0f && Math.abs(pooler[0]) < 0.2f, "initialised as HF does (normal, std 0.02)");
            assertEquals(2, model.predict(IDS, MASK, TYPES).sopLogits().shape()[1]);
            try (AlbertForPreTraining again = AlbertForPreTraining.load(mlm)) {
                assertArrayEquals(pooler, again.namedParameters().get("albert.pooler.weight").toFloatArray(),
                        "the same folder loads into the same model");
            }
        }
        try (AlbertForMaskedLM model = AlbertForMaskedLM.load(mlm)) {
            assertTrue(model.loadReport().orElseThrow().initialized().isEmpty());
        }
    }

    @Test
    void aPretrainingBinLoadsTheSameModelAsItsSafetensorsTwin() throws IOException {
        Path bin = fixtureFolder("albert_pretraining_f32");
        Path twin = Files.createDirectories(dir.resolve("twin"));
        Files.copy(bin.resolve("config.json"), twin.resolve("config.json"));
        Files.copy(TestResources.file("/fixtures/torch/albert_pretraining_f32.expected.safetensors"),
                twin.resolve("model.safetensors"));
        try (AlbertForPreTraining fromBin = AlbertForPreTraining.load(bin);
             AlbertForPreTraining fromSafetensors = AlbertForPreTraining.load(twin)) {
            assertTrue(fromBin.loadReport().orElseThrow().initialized().isEmpty());
            AlbertForPreTraining.Prediction a = fromBin.predict(IDS, MASK, TYPES);
            AlbertForPreTraining.Prediction b = fromSafetensors.predict(IDS, MASK, TYPES);
            assertArrayEquals(b.predictionLogits().values(), a.predictionLogits().values());
            assertArrayEquals(b.sopLogits().values(), a.sopLogits().values());
        }
        try (AlbertForPreTraining sharded = AlbertForPreTraining.load(fixtureFolder("albert_sharded"));
             AlbertForPreTraining plain = AlbertForPreTraining.load(bin)) {
            assertArrayEquals(plain.predict(IDS, MASK, TYPES).predictionLogits().values(),
                    sharded.predict(IDS, MASK, TYPES).predictionLogits().values());
        }
    }

    @Test
    void fineTuningStartsFromAFolderWithoutAPooler() throws IOException {
        AlbertConfig config = AlbertModelTest.TINY;
        Path saved = dir.resolve("mlm");
        try (AlbertForMaskedLM mlm = AlbertForMaskedLM.create(config, 3)) {
            mlm.save(saved, null);
        }
        try (var head = AlbertForSequenceClassification.fromPretrained(saved, 3, 1L)) {
            List<String> initialized = head.loadReport().orElseThrow().initialized();
            assertEquals(List.of("albert.pooler.weight", "albert.pooler.bias", "classifier.weight",
                    "classifier.bias"), initialized);
            assertEquals(3, head.predict(IDS, MASK, TYPES).shape()[1]);
        }
    }

    @Test
    void unexpectedTensorsAreReportedAndIgnoredButAMissingEncoderTensorIsAnError() throws IOException {
        AlbertConfig config = AlbertModelTest.TINY;
        Path folder = dir.resolve("m");
        try (AlbertForPreTraining model = AlbertForPreTraining.create(config, 5)) {
            model.save(folder, null);
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (SafetensorsReader reader = SafetensorsReader.open(folder.resolve("model.safetensors"))) {
            for (String name : reader.names()) {
                tensors.put(name, Tensor.ofFloats(reader.readF32(name).toFloatArray(), reader.info(name).shape()));
            }
        }
        tensors.put("classifier.weight", Tensor.ofFloats(new float[32], 2, 16));
        SafetensorsWriter.write(folder.resolve("model.safetensors"), tensors, Map.of());
        try (AlbertForPreTraining model = AlbertForPreTraining.load(folder)) {
            assertEquals(List.of("classifier.weight"), model.loadReport().orElseThrow().unexpected());
        }
        tensors.remove("albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight");
        SafetensorsWriter.write(folder.resolve("model.safetensors"), tensors, Map.of());
        CheckpointException e = assertThrows(CheckpointException.class, () -> AlbertForPreTraining.load(folder));
        assertTrue(e.getMessage().contains("1 parameter(s) missing: "
                + "[albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight]"), e.getMessage());
        assertFalse(e.getMessage().contains("pooler"), e.getMessage());
    }
}
