package io.albert4j.io.tf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.albert4j.albert.AlbertConfig;
import io.albert4j.io.CheckpointContents;
import io.albert4j.io.CheckpointException;
import io.albert4j.io.CheckpointReader;
import io.albert4j.testing.FuzzFrames;
import io.albert4j.testing.ReaderContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuzz targets of the TensorFlow checkpoint readers: a tensor bundle (LevelDB table index, protobuf entries, one data
 * shard), read as a bundle and as a Google Research ALBERT checkpoint; and {@code albert_config.json}.
 */
class TensorBundleFuzzTest {
    private static final Path DIR = ReaderContract.scratch("tf");

    /** Frames: {@code model.ckpt.index}, {@code model.ckpt.data-00000-of-00001} ({@link FuzzFrames}). */
    @FuzzTest
    void bundle(byte[] data) throws Exception {
        ReaderContract.clear(DIR);
        List<byte[]> files = FuzzFrames.split(data, 2);
        Path prefix = DIR.resolve("model.ckpt");
        Files.write(DIR.resolve("model.ckpt.index"), files.get(0));
        Files.write(TensorBundleReader.shardFile(prefix, 0, 1), files.get(1));
        ReaderContract.parsesOrRefuses("model.ckpt", () -> {
            try (CheckpointReader reader = TensorBundleReader.open(prefix)) {
                CheckpointContents.readAll(reader);
            }
            try (CheckpointReader reader = GoogleResearchCheckpoint.open(prefix)) {
                CheckpointContents.readAll(reader);
            }
        }, CheckpointException.class);
    }

    /**
     * The protobuf messages behind the table's checksums: frames of the bundle header, the entries of {@link
     * #ENTRY_NAMES} and the data shard ({@link FuzzFrames}), written as a well-formed index with true block CRCs.
     */
    @FuzzTest
    void bundleEntries(byte[] data) throws Exception {
        ReaderContract.clear(DIR);
        List<byte[]> frames = FuzzFrames.split(data, ENTRY_NAMES.size() + 2);
        Map<String, byte[]> table = new LinkedHashMap<>();
        table.put("", frames.get(0));
        for (int i = 0; i < ENTRY_NAMES.size(); i++) {
            table.put(ENTRY_NAMES.get(i), frames.get(i + 1));
        }
        Path prefix = DIR.resolve("model.ckpt");
        new TensorBundleWriter().blockSize(64).compress(false).writeIndex(DIR.resolve("model.ckpt.index"), table);
        Files.write(TensorBundleReader.shardFile(prefix, 0, 1), frames.getLast());
        ReaderContract.parsesOrRefuses("model.ckpt", () -> {
            try (CheckpointReader reader = GoogleResearchCheckpoint.open(prefix)) {
                CheckpointContents.readAll(reader);
            }
        }, CheckpointException.class);
    }

    /** The tensors of {@link #bundleEntries}, in the table's (byte) order. */
    static final List<String> ENTRY_NAMES = List.of("bert/embeddings/LayerNorm/gamma",
            "bert/embeddings/word_embeddings", "global_step");

    /** As {@code albert convert} reads it: GR's JSON, then the ALBERT config it describes. */
    @FuzzTest
    void googleResearchConfig(byte[] data) throws Exception {
        Path file = DIR.resolve("albert_config.json");
        Files.write(file, data);
        ReaderContract.parsesOrRefuses(file, () -> {
            try {
                AlbertConfig.fromJson(GoogleResearchConfig.read(file).toString());
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(file, e.getMessage(), e);
            }
        }, CheckpointException.class);
    }
}
