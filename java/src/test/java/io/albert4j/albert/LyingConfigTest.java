package io.albert4j.albert;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A config.json that claims sizes its checkpoint does not back is refused with the file, tensor and both shapes,
 * before anything the config claims is allocated (it used to end in an OutOfMemoryError of terabytes).
 */
class LyingConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;
    private Path model;

    @BeforeEach
    void saveATinyModel() {
        model = dir.resolve("model");
        try (AlbertForPreTraining m = AlbertForPreTraining.create(AlbertModelTest.TINY, 3)) {
            m.save(model, null);
        }
    }

    private void setConfig(String key, Object value) throws IOException {
        Path file = model.resolve("config.json");
        ObjectNode config = (ObjectNode) JSON.readTree(file.toFile());
        if (value instanceof BigInteger big) {
            config.put(key, big);
        } else {
            config.put(key, (Integer) value);
        }
        Files.writeString(file, JSON.writeValueAsString(config));
    }

    @Test
    void sizesTheCheckpointDoesNotBackAreRefusedBeforeAllocation() throws IOException {
        // 10^6 x 10^6 floats of FFN weights would be 4 TB: the check must come before the allocation
        setConfig("hidden_size", 1_000_000);
        setConfig("intermediate_size", 1_000_000);
        RuntimeException e = assertThrows(RuntimeException.class, () -> AlbertForPreTraining.load(model));
        assertTrue(e.getMessage().contains("model.safetensors: tensor '") && e.getMessage().contains("config says"),
                e.getMessage());
    }

    @Test
    void aLyingVocabularyOrPositionCountIsRefusedToo() throws IOException {
        setConfig("max_position_embeddings", 1_000_000_000);
        RuntimeException e = assertThrows(RuntimeException.class, () -> AlbertForPreTraining.load(model));
        assertTrue(e.getMessage().contains("position_embeddings") && e.getMessage().contains("config says"),
                e.getMessage());
    }

    @Test
    void anIntegerBeyond32BitsIsRefusedNotWrapped() throws IOException {
        setConfig("vocab_size", BigInteger.ONE.shiftLeft(32).add(BigInteger.valueOf(50)));  // wraps to 50, the real one
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AlbertForPreTraining.load(model));
        assertTrue(e.getMessage().endsWith("config.json: 'vocab_size' = 4294967346 does not fit a 32-bit integer"),
                e.getMessage());
        assertTrue(!e.getMessage().contains("config.json: config.json"), "the file is named once: " + e.getMessage());
    }

    @Test
    void aLayerCountNoModelHasIsRefused() throws IOException {
        setConfig("num_hidden_layers", 1_000_000_000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AlbertForPreTraining.load(model));
        assertTrue(e.getMessage().contains("num_hidden_layers 1000000000 is more than 4096"), e.getMessage());
    }
}
