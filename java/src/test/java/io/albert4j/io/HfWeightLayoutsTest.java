package io.albert4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import io.albert4j.testing.TestResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every weight layout of an HF folder loads the same tensors: single and sharded safetensors, F16/BF16, bins. */
class HfWeightLayoutsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static Map<String, Tensor> zerosLike(Map<String, Tensor> p) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        p.forEach((k, v) -> out.put(k, Tensor.ofFloats(new float[(int) v.numel()], v.shape())));
        return out;
    }

    /** Writes {@code tensors} as {@code shards} safetensors files plus model.safetensors.index.json. */
    private Path sharded(Path folder, Map<String, Tensor> tensors, int shards) throws IOException {
        Files.createDirectories(folder);
        List<String> names = new ArrayList<>(tensors.keySet());
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", 0);
        ObjectNode weightMap = index.putObject("weight_map");
        for (int s = 0; s < shards; s++) {
            String shard = String.format("model-%05d-of-%05d.safetensors", s + 1, shards);
            Map<String, Tensor> part = new LinkedHashMap<>();
            for (int i = s; i < names.size(); i += shards) {
                part.put(names.get(i), tensors.get(names.get(i)));
                weightMap.put(names.get(i), shard);
            }
            SafetensorsWriter.write(folder.resolve(shard), part, Map.of("format", "pt"));
        }
        Files.writeString(folder.resolve(HfModelDirectory.SAFETENSORS_INDEX_FILE), index.toString());
        return folder;
    }

    @Test
    void shardedSafetensorsLoadAsOneCheckpoint() throws IOException {
        Map<String, Tensor> saved = HfModelDirectoryTest.parameters(new SplittableRandom(3));
        Path folder = sharded(dir.resolve("m"), saved, 3);
        Map<String, Tensor> loaded = zerosLike(saved);
        HfModelDirectory.LoadReport report = HfModelDirectory.loadWeights(folder, loaded, false);
        assertEquals(saved.size(), report.sources().size());
        saved.forEach((k, v) -> assertArrayEquals(v.toFloatArray(), loaded.get(k).toFloatArray(), k));
        try (CheckpointReader reader = HfModelDirectory.openWeights(folder)) {
            assertTrue(reader instanceof ShardedCheckpointReader);
            List<String> mapOrder = new ArrayList<>();
            JSON.readTree(folder.resolve(HfModelDirectory.SAFETENSORS_INDEX_FILE).toFile()).get("weight_map")
                    .fieldNames().forEachRemaining(mapOrder::add);
            assertEquals(mapOrder, List.copyOf(reader.names()), "the weight map's order");
            assertTrue(reader.stored("albert.pooler.weight").file().getFileName().toString()
                    .startsWith("model-0000"), "a tensor's file is its shard");
        }
    }

    @Test
    void halfAndBfloat16WeightsWidenToF32() throws IOException {
        // F16 0x3c00 = 1.0, 0xc000 = -2.0; BF16 0x3fc0 = 1.5.
        byte[] data = new byte[6];
        java.nio.ByteBuffer.wrap(data).order(java.nio.ByteOrder.LITTLE_ENDIAN).putShort((short) 0x3c00)
                .putShort((short) 0xc000).putShort((short) 0x3fc0);
        Path folder = Files.createDirectories(dir.resolve("half"));
        Files.write(folder.resolve(HfModelDirectory.WEIGHTS_FILE), RawSafetensors.file(
                "{\"albert.pooler.bias\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                        + "\"albert.pooler.weight\":{\"dtype\":\"BF16\",\"shape\":[1,1],\"data_offsets\":[4,6]}}", data));
        Map<String, Tensor> p = new LinkedHashMap<>();
        p.put("albert.pooler.bias", Tensor.ofFloats(new float[2], 2));
        p.put("albert.pooler.weight", Tensor.ofFloats(new float[1], 1, 1));
        HfModelDirectory.loadWeights(folder, p, false);
        assertArrayEquals(new float[] {1f, -2f}, p.get("albert.pooler.bias").toFloatArray());
        assertArrayEquals(new float[] {1.5f}, p.get("albert.pooler.weight").toFloatArray());
    }

    @Test
    void aBadShardIndexNamesTheIndexTheShardAndTheTensor() throws IOException {
        Map<String, Tensor> saved = HfModelDirectoryTest.parameters(new SplittableRandom(4));
        Path folder = sharded(dir.resolve("m"), saved, 2);
        Path index = folder.resolve(HfModelDirectory.SAFETENSORS_INDEX_FILE);
        String text = Files.readString(index);

        Files.delete(folder.resolve("model-00002-of-00002.safetensors"));
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> HfModelDirectory.loadWeights(folder, zerosLike(saved), false));
        assertTrue(e.getMessage().startsWith(index.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("shard 'model-00002-of-00002.safetensors' (for tensor "
                + "'albert.embeddings.LayerNorm.weight' and 2 more) is missing"), e.getMessage());

        Files.writeString(index, text.replace("model-00002-of-00002.safetensors", "../../etc/passwd"));
        e = assertThrows(CheckpointException.class, () -> HfModelDirectory.openWeights(folder).close());
        assertTrue(e.getMessage().contains("is not a file name in the index's folder"), e.getMessage());

        // albert.pooler.weight is in the second shard; an index that says the first is lying.
        sharded(folder, saved, 2);
        ObjectNode lying = (ObjectNode) JSON.readTree(index.toFile());
        ((ObjectNode) lying.get("weight_map")).put("albert.pooler.weight", "model-00001-of-00002.safetensors");
        Files.writeString(index, lying.toString());
        e = assertThrows(CheckpointException.class, () -> HfModelDirectory.openWeights(folder).close());
        assertTrue(e.getMessage().contains("tensor 'albert.pooler.weight' is mapped to shard "
                + "'model-00001-of-00002.safetensors', which does not hold it"), e.getMessage());

        Files.writeString(index, "{\"weight_map\": [1, 2]}");
        e = assertThrows(CheckpointException.class, () -> HfModelDirectory.openWeights(folder).close());
        assertTrue(e.getMessage().contains("no \"weight_map\" object"), e.getMessage());
        Files.writeString(index, "{\"weight_map\": {");
        e = assertThrows(CheckpointException.class, () -> HfModelDirectory.openWeights(folder).close());
        assertTrue(e.getMessage().contains("is not valid JSON"), e.getMessage());
    }

    @Test
    void pytorchBinFoldersLoadPlainAndSharded() {
        Path expected = TestResources.file("/fixtures/torch/albert_pretraining_f32.expected.safetensors");
        Path plain = TestResources.folder("/fixtures/torch/albert_pretraining_f32", "config.json", "pytorch_model.bin");
        Path sharded = TestResources.folder("/fixtures/torch/albert_sharded", "config.json",
                "pytorch_model.bin.index.json", "pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin");
        try (SafetensorsReader reference = SafetensorsReader.open(expected)) {
            for (Path folder : List.of(plain, sharded)) {
                Map<String, Tensor> parameters = new LinkedHashMap<>();
                for (String name : reference.names()) {
                    if (!name.endsWith("position_ids")) {
                        parameters.put(name, Tensor.allocateHost(DType.F32, reference.info(name).shape()));
                    }
                }
                HfModelDirectory.LoadReport report = HfModelDirectory.loadWeights(folder, parameters, false);
                for (Map.Entry<String, Tensor> p : parameters.entrySet()) {
                    assertArrayEquals(reference.readF32(p.getKey()).toFloatArray(), p.getValue().toFloatArray(),
                            folder.getFileName() + ": " + p.getKey());
                }
                assertTrue(report.ignored().contains("albert.embeddings.position_ids"), report.ignored().toString());
            }
        }
    }

    @Test
    void safetensorsWinsOverABinAndAFolderWithoutWeightsIsNamed() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("both"));
        Files.writeString(folder.resolve(HfModelDirectory.TORCH_WEIGHTS_FILE), "never read");
        Map<String, Tensor> saved = HfModelDirectoryTest.parameters(new SplittableRandom(5));
        SafetensorsWriter.write(folder.resolve(HfModelDirectory.WEIGHTS_FILE), saved, Map.of());
        assertEquals(folder.resolve(HfModelDirectory.WEIGHTS_FILE), HfModelDirectory.weightsFile(folder).orElseThrow());
        HfModelDirectory.loadWeights(folder, zerosLike(saved), false);

        Path empty = Files.createDirectories(dir.resolve("empty"));
        Files.writeString(empty.resolve("config.json"), "{}");
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> HfModelDirectory.loadWeights(empty, zerosLike(saved), false));
        assertTrue(e.getMessage().contains("no weights: the folder has none of [model.safetensors, "
                + "model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json]"), e.getMessage());
    }

    @Test
    void headParametersTheCheckpointLacksAreReportedNotFailed() throws IOException {
        Map<String, Tensor> saved = HfModelDirectoryTest.parameters(new SplittableRandom(6));
        saved.remove("albert.pooler.weight");
        saved.remove("albert.pooler.bias");
        saved.put("sop_classifier.classifier.bias", Tensor.ofFloats(new float[] {1, 2}, 2));
        Path folder = Files.createDirectories(dir.resolve("mlm"));
        SafetensorsWriter.write(folder.resolve(HfModelDirectory.WEIGHTS_FILE), saved, Map.of());
        Map<String, Tensor> wanted = zerosLike(HfModelDirectoryTest.parameters(new SplittableRandom(6)));
        float[] poolerBefore = wanted.get("albert.pooler.weight").toFloatArray();
        try (CheckpointReader reader = HfModelDirectory.openWeights(folder)) {
            HfModelDirectory.LoadReport report = HfModelDirectory.loadWeights(reader, wanted,
                    name -> name.startsWith("albert.pooler."), true);
            assertEquals(List.of("albert.pooler.weight", "albert.pooler.bias"), report.initialized());
            assertEquals(List.of("sop_classifier.classifier.bias"), report.unexpected());
            assertArrayEquals(poolerBefore, wanted.get("albert.pooler.weight").toFloatArray(), "left as it was");
            List<String> warnings = report.warnings("AlbertModel", folder);
            assertEquals(2, warnings.size());
            assertEquals("Some weights of AlbertModel were not initialized from the model checkpoint at " + folder
                    + " and are newly initialized: [albert.pooler.weight, albert.pooler.bias]", warnings.get(0));
            assertTrue(warnings.get(1).endsWith("were not used when initializing AlbertModel: "
                    + "[sop_classifier.classifier.bias]"), warnings.get(1));
        }
        // Not an allowed head: still an error.
        try (CheckpointReader reader = HfModelDirectory.openWeights(folder)) {
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> HfModelDirectory.loadWeights(reader, zerosLike(wanted), name -> false, true));
            assertTrue(e.getMessage().contains("2 parameter(s) missing: [albert.pooler.weight, albert.pooler.bias]"),
                    e.getMessage());
        }
    }
}
