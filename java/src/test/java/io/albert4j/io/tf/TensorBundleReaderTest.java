package io.albert4j.io.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.albert4j.io.CheckpointException;
import io.albert4j.io.SafetensorsDType;
import io.albert4j.io.tf.proto.BundleEntryProto;
import io.albert4j.io.tf.proto.DataType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TensorBundleReader} on two bundles TensorFlow wrote, and on bundles of {@link TensorBundleWriter}. */
class TensorBundleReaderTest {
    @TempDir
    Path dir;

    private static Path shared(String name) {
        Path bundle = Path.of(System.getProperty("albert4j.sharedData", "../shared/data"), "tf-checkpoints", name,
                "variables");
        assumeTrue(Files.isRegularFile(bundle.resolveSibling("variables.index")),
                "shared/data/tf-checkpoints is absent: the real TensorFlow bundles are not checked");
        return bundle;
    }

    @Test
    void halfPlusTwoReadsBackAsTensorFlowWroteIt() {
        try (TensorBundleReader reader = TensorBundleReader.open(shared("saved_model_half_plus_two_cpu"))) {
            assertEquals(List.of("a", "a2", "b", "c", "c2"), List.copyOf(reader.names()));
            float[] expected = {0.5f, 0.5f, 2.0f, 3.0f, 3.0f};
            int i = 0;
            for (String name : reader.names()) {
                assertEquals(SafetensorsDType.F32, reader.stored(name).dtype());
                assertArrayEquals(new int[0], reader.stored(name).shape(), name + " is a scalar");
                assertArrayEquals(new float[] {expected[i++]}, reader.readF32(name).toFloatArray(), name);
            }
        }
    }

    @Test
    void counterReadsBackFromItsUncompressedBlock() {
        // This bundle's one data block is stored raw (Snappy would not save an eighth), half_plus_two's compressed.
        try (TensorBundleReader reader = TensorBundleReader.open(shared("saved_model_counter"))) {
            assertEquals(List.of("counter"), List.copyOf(reader.names()));
            assertArrayEquals(new float[] {0f}, reader.readF32("counter").toFloatArray());
            assertTrue(reader.otherEntries().isEmpty());
        }
    }

    @Test
    void aStringEntryLikeTf2sObjectGraphIsListedApart() throws IOException {
        Map<String, TensorBundleWriter.Tensor> tensors = new LinkedHashMap<>();
        tensors.put("_CHECKPOINTABLE_OBJECT_GRAPH", new TensorBundleWriter.Tensor(DataType.DT_STRING, new long[0],
                new byte[] {3, 'a', 'b', 'c'}));
        tensors.put("w", TensorBundleWriter.Tensor.floats(new long[] {1}, 7f));
        Path prefix = dir.resolve("graph");
        new TensorBundleWriter().write(prefix, tensors);
        try (TensorBundleReader reader = TensorBundleReader.open(prefix)) {
            assertEquals(List.of("w"), List.copyOf(reader.names()));
            assertEquals(Map.of("_CHECKPOINTABLE_OBJECT_GRAPH", "DT_STRING"), reader.otherEntries());
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> reader.readF32("_CHECKPOINTABLE_OBJECT_GRAPH"));
            assertTrue(e.getMessage().contains("is DT_STRING, not a numeric tensor"), e.getMessage());
        }
    }

    @Test
    void theTestWriterReproducesTensorFlowsFilesByteForByte() throws IOException {
        // half_plus_two's data block is Snappy-compressed, counter's is not: both decisions are reproduced.
        for (String bundle : List.of("saved_model_half_plus_two_cpu", "saved_model_counter")) {
            Path real = shared(bundle);
            Map<String, TensorBundleWriter.Tensor> tensors = new LinkedHashMap<>();
            try (TensorBundleReader reader = TensorBundleReader.open(real)) {
                for (String name : reader.names()) {
                    tensors.put(name, TensorBundleWriter.Tensor.floats(new long[0],
                            reader.readF32(name).toFloatArray()));
                }
            }
            Path ours = Files.createDirectories(dir.resolve(bundle)).resolve("variables");
            new TensorBundleWriter().write(ours, tensors);
            assertArrayEquals(Files.readAllBytes(real.resolveSibling("variables.index")),
                    Files.readAllBytes(ours.resolveSibling("variables.index")), bundle);
            assertArrayEquals(Files.readAllBytes(real.resolveSibling("variables.data-00000-of-00001")),
                    Files.readAllBytes(ours.resolveSibling("variables.data-00000-of-00001")), bundle);
        }
    }

    /** 40 tensors over 3 shards, in small blocks (so several data blocks, restarts and shortened index keys). */
    private Map<String, TensorBundleWriter.Tensor> manyTensors() {
        SplittableRandom random = new SplittableRandom(9);
        Map<String, TensorBundleWriter.Tensor> tensors = new LinkedHashMap<>();
        for (int i = 0; i < 40; i++) {
            int rows = 1 + i % 4;
            float[] values = new float[rows * 3];
            for (int k = 0; k < values.length; k++) {
                values[k] = (float) random.nextGaussian();
            }
            tensors.put("bert/encoder/layer_" + i + "/kernel", TensorBundleWriter.Tensor.floats(new long[] {rows, 3},
                    values));
        }
        return tensors;
    }

    @Test
    void multiBlockMultiShardBundlesReadBack() throws IOException {
        Map<String, TensorBundleWriter.Tensor> tensors = manyTensors();
        for (boolean compress : new boolean[] {true, false}) {
            Path prefix = dir.resolve("model.ckpt-" + (compress ? 1 : 2));
            new TensorBundleWriter().blockSize(256).shards(3).compress(compress).write(prefix, tensors);
            try (TensorBundleReader reader = TensorBundleReader.open(prefix.resolveSibling(
                    prefix.getFileName() + ".index"))) {
                assertEquals(tensors.size(), reader.names().size());
                for (Map.Entry<String, TensorBundleWriter.Tensor> e : tensors.entrySet()) {
                    float[] expected = toFloats(e.getValue().bytes());
                    assertArrayEquals(expected, reader.readF32(e.getKey()).toFloatArray(), e.getKey());
                    assertEquals(Arrays.stream(e.getValue().shape()).mapToInt(d -> (int) d).boxed().toList(),
                            Arrays.stream(reader.stored(e.getKey()).shape()).boxed().toList());
                }
            }
        }
    }

    private static float[] toFloats(byte[] bytes) {
        java.nio.FloatBuffer b = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }

    @Test
    void aFlippedDataByteFailsTheTensorsCrc() throws IOException {
        Path prefix = dir.resolve("model.ckpt-1");
        new TensorBundleWriter().shards(2).write(prefix, manyTensors());
        Path shard = TensorBundleReader.shardFile(prefix, 1, 2);
        byte[] data = Files.readAllBytes(shard);
        data[5] ^= 0x10; // inside the second tensor, which is the first in shard 1
        Files.write(shard, data);
        try (TensorBundleReader reader = TensorBundleReader.open(prefix)) {
            reader.readF32("bert/encoder/layer_0/kernel"); // shard 0: untouched
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> reader.readF32("bert/encoder/layer_1/kernel"));
            assertTrue(e.getMessage().startsWith(shard.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("tensor 'bert/encoder/layer_1/kernel'")
                    && e.getMessage().contains("the index says"), e.getMessage());
        }
    }

    /** Rewrites the index with one entry changed. */
    private void lie(Path prefix, Map<String, TensorBundleWriter.Tensor> tensors, String name,
                     java.util.function.UnaryOperator<BundleEntryProto> change) throws IOException {
        Map<String, BundleEntryProto> entries = new TensorBundleWriter().write(prefix, tensors);
        java.util.TreeMap<String, byte[]> table = new java.util.TreeMap<>();
        table.put("", io.albert4j.io.tf.proto.BundleHeaderProto.newBuilder().setNumShards(1)
                .setVersion(io.albert4j.io.tf.proto.VersionDef.newBuilder().setProducer(1)).build().toByteArray());
        entries.forEach((k, v) -> table.put(k, (k.equals(name) ? change.apply(v) : v).toByteArray()));
        new TensorBundleWriter().writeIndex(prefix.resolveSibling(prefix.getFileName() + ".index"), table);
    }

    @Test
    void entriesLyingAboutOffsetSizeShapeOrShardNameTheTensor() throws IOException {
        Map<String, TensorBundleWriter.Tensor> tensors = new LinkedHashMap<>();
        tensors.put("bert/pooler/dense/kernel", TensorBundleWriter.Tensor.floats(new long[] {2, 2}, 1, 2, 3, 4));
        tensors.put("bert/pooler/dense/bias", TensorBundleWriter.Tensor.floats(new long[] {2}, 5, 6));
        String victim = "bert/pooler/dense/kernel";
        Map<String, java.util.function.UnaryOperator<BundleEntryProto>> lies = new LinkedHashMap<>();
        lies.put("run past the end", e -> e.toBuilder().setOffset(20).build());
        lies.put("needs 16", e -> e.toBuilder().setSize(12).build());
        lies.put("is in shard 3 of a bundle of 1", e -> e.toBuilder().setShardId(3).build());
        lies.put("dimension 1 is -2", e -> e.toBuilder().setShape(e.getShape().toBuilder()
                .setDim(1, e.getShape().getDim(1).toBuilder().setSize(-2))).build());
        lies.put("overflows", e -> e.toBuilder().setShape(e.getShape().toBuilder()
                .setDim(0, e.getShape().getDim(0).toBuilder().setSize(Integer.MAX_VALUE))
                .setDim(1, e.getShape().getDim(1).toBuilder().setSize(Integer.MAX_VALUE))
                .addDim(e.getShape().getDim(1).toBuilder().setSize(Integer.MAX_VALUE))).build());
        lies.put("partitioned variable", e -> e.toBuilder().addSlices(
                io.albert4j.io.tf.proto.TensorSliceProto.getDefaultInstance()).build());
        int i = 0;
        for (Map.Entry<String, java.util.function.UnaryOperator<BundleEntryProto>> lie : lies.entrySet()) {
            Path prefix = dir.resolve("lie" + i++);
            lie(prefix, tensors, victim, lie.getValue());
            CheckpointException e = assertThrows(CheckpointException.class, () -> TensorBundleReader.open(prefix));
            assertTrue(e.getMessage().contains("tensor '" + victim + "'") && e.getMessage().contains(lie.getKey()),
                    lie.getKey() + ": " + e.getMessage());
        }
        Path prefix = dir.resolve("noshard");
        new TensorBundleWriter().write(prefix, tensors);
        Files.delete(TensorBundleReader.shardFile(prefix, 0, 1));
        CheckpointException e = assertThrows(CheckpointException.class, () -> TensorBundleReader.open(prefix));
        assertTrue(e.getMessage().contains("is in data shard noshard.data-00000-of-00001, which is missing"),
                e.getMessage());
    }

    @Test
    void truncatedOrCorruptIndexFilesFailNamingTheFile() throws IOException {
        Path prefix = dir.resolve("model.ckpt-7");
        new TensorBundleWriter().blockSize(256).write(prefix, manyTensors());
        Path index = prefix.resolveSibling("model.ckpt-7.index");
        byte[] whole = Files.readAllBytes(index);
        for (int keep : new int[] {0, 20, 47, whole.length / 2, whole.length - 1}) {
            Files.write(index, Arrays.copyOf(whole, keep));
            CheckpointException e = assertThrows(CheckpointException.class, () -> TensorBundleReader.open(prefix));
            assertTrue(e.getMessage().startsWith(index.toString()), keep + ": " + e.getMessage());
        }
        for (int at : new int[] {3, whole.length / 3, whole.length - 60}) {
            byte[] flipped = whole.clone();
            flipped[at] ^= 0x44;
            Files.write(index, flipped);
            CheckpointException e = assertThrows(CheckpointException.class, () -> TensorBundleReader.open(prefix));
            assertTrue(e.getMessage().startsWith(index.toString()), at + ": " + e.getMessage());
        }
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> TensorBundleReader.open(dir.resolve("nothing")));
        assertTrue(e.getMessage().contains("is not a TensorFlow checkpoint prefix"), e.getMessage());
    }

    @Test
    void halfAndBfloat16TensorsWiden() throws IOException {
        Map<String, TensorBundleWriter.Tensor> tensors = new LinkedHashMap<>();
        tensors.put("h", new TensorBundleWriter.Tensor(DataType.DT_HALF, new long[] {2}, new byte[] {0, 0x3c, 0, (byte) 0xc0}));
        tensors.put("b", new TensorBundleWriter.Tensor(DataType.DT_BFLOAT16, new long[] {1}, new byte[] {(byte) 0xc0, 0x3f}));
        Path prefix = dir.resolve("half");
        new TensorBundleWriter().write(prefix, tensors);
        try (TensorBundleReader reader = TensorBundleReader.open(prefix)) {
            assertArrayEquals(new float[] {1f, -2f}, reader.readF32("h").toFloatArray());
            assertArrayEquals(new float[] {1.5f}, reader.readF32("b").toFloatArray());
        }
    }
}
