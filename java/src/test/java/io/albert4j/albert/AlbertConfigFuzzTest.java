package io.albert4j.albert;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.albert4j.io.CheckpointException;
import io.albert4j.io.HfModelDirectory;
import io.albert4j.testing.ReaderContract;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzz targets of {@code config.json}: the file alone ({@link AlbertConfig#read}, {@link HfModelDirectory#readConfig}),
 * and a model folder whose config lies about the tiny checkpoint beside it ({@link AlbertForPreTraining#load}: sizes
 * must be checked against the checkpoint before anything is allocated).
 */
class AlbertConfigFuzzTest {
    private static final Path DIR = ReaderContract.scratch("config");
    private static Path model;

    @FuzzTest
    void configJson(byte[] data) throws Exception {
        Path file = DIR.resolve("config.json");
        Files.write(file, data);
        ReaderContract.parsesOrRefuses(file, () -> {
            HfModelDirectory.readConfig(DIR);
            AlbertConfig.read(file);
        }, IllegalArgumentException.class, CheckpointException.class, UncheckedIOException.class);
    }

    @FuzzTest
    void modelFolder(byte[] data) throws Exception {
        Path dir = tinyModel();
        Path file = dir.resolve("config.json");
        Files.write(file, data);
        ReaderContract.parsesOrRefuses(dir.getFileName().toString(), () -> {
            AlbertForPreTraining.load(dir).close();
        }, IllegalArgumentException.class, CheckpointException.class, UncheckedIOException.class);
    }

    /** A saved 2-layer model (vocabulary 50, hidden 16) whose config.json each input replaces. */
    private static synchronized Path tinyModel() {
        if (model == null) {
            model = DIR.resolve("tiny-model");
            try (AlbertForPreTraining m = AlbertForPreTraining.create(AlbertModelTest.TINY, 3)) {
                m.save(model, null);
            }
        }
        return model;
    }
}
