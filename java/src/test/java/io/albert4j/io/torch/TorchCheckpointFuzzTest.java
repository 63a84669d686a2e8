package io.albert4j.io.torch;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.albert4j.io.CheckpointContents;
import io.albert4j.io.CheckpointException;
import io.albert4j.io.CheckpointReader;
import io.albert4j.testing.ReaderContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Fuzz targets of the {@code pytorch_model.bin} reader: the whole file (zip or legacy pickle stream), and the
 * restricted unpickler alone, its {@code data.pkl} packed into a well-formed zip beside a 64-float storage.
 */
class TorchCheckpointFuzzTest {
    private static final Path DIR = ReaderContract.scratch("torch");

    @FuzzTest
    void file(byte[] data) throws Exception {
        Path file = DIR.resolve("pytorch_model.bin");
        Files.write(file, data);
        read(file);
    }

    /** The input is {@code archive/data.pkl}; storages "0" (64 floats) and "1" (8 floats) are there to point at. */
    @FuzzTest
    void pickle(byte[] data) throws Exception {
        Path file = TorchArchives.write(DIR.resolve("pytorch_model.bin"), data,
                Map.of("0", new byte[64 * 4], "1", new byte[8 * 4]));
        read(file);
    }

    private static void read(Path file) {
        ReaderContract.parsesOrRefuses(file, () -> {
            try (CheckpointReader reader = TorchCheckpointReader.open(file)) {
                CheckpointContents.readAll(reader);
            }
        }, CheckpointException.class);
    }
}
