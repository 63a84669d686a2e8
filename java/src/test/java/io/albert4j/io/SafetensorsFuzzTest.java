package io.albert4j.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.albert4j.testing.FuzzFrames;
import io.albert4j.testing.ReaderContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fuzz targets of the safetensors readers: one file, and a sharded checkpoint (index JSON and two shards). Seeds in
 * {@code SafetensorsFuzzTestInputs/<method>/}; {@code scripts/fuzz.sh} runs them as a long fuzz.
 */
class SafetensorsFuzzTest {
    private static final Path DIR = ReaderContract.scratch("safetensors");

    @FuzzTest
    void singleFile(byte[] data) throws Exception {
        Path file = DIR.resolve("model.safetensors");
        Files.write(file, data);
        ReaderContract.parsesOrRefuses(file, () -> {
            try (CheckpointReader reader = SafetensorsReader.open(file)) {
                CheckpointContents.readAll(reader);
            }
        }, CheckpointException.class);
    }

    /** Frames: the index, shard 1, shard 2 ({@link FuzzFrames}). */
    @FuzzTest
    void shardedIndex(byte[] data) throws Exception {
        ReaderContract.clear(DIR);
        List<byte[]> files = FuzzFrames.split(data, 3);
        Path index = DIR.resolve(HfModelDirectory.SAFETENSORS_INDEX_FILE);
        Files.write(index, files.get(0));
        Files.write(DIR.resolve("model-00001-of-00002.safetensors"), files.get(1));
        Files.write(DIR.resolve("model-00002-of-00002.safetensors"), files.get(2));
        // A refusal names the index or the shard it is about: the folder is in every such path.
        ReaderContract.parsesOrRefuses(DIR.getFileName().toString(), () -> {
            try (CheckpointReader reader = HfModelDirectory.openFile(index)) {
                CheckpointContents.readAll(reader);
            }
        }, CheckpointException.class);
    }
}
