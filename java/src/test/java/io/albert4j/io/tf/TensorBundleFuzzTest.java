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
import java.util.List;

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
