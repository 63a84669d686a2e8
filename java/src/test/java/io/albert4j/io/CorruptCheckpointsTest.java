package io.albert4j.io;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.io.tf.TensorBundleWriter;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import io.albert4j.testing.TestResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every reader against files damaged at random (bytes overwritten, the file cut short): each damaged file either
 * still reads or fails with a {@link CheckpointException} naming it; never another exception, an out-of-memory
 * error or a crash.
 */
class CorruptCheckpointsTest {
    private static final int MUTATIONS = 100;

    @TempDir
    Path dir;

    /** Opens {@code file} with {@link CheckpointFiles} and reads every tensor. */
    private static void openAndReadAll(Path file) {
        try (CheckpointReader reader = CheckpointFiles.open(file)) {
            for (String name : reader.names()) {
                StoredTensor stored = reader.stored(name);
                DType as = StoredElements.converts(stored.dtype(), DType.F32) ? DType.F32 : DType.I32;
                if (StoredElements.converts(stored.dtype(), as)) {
                    try (Tensor t = reader.read(name, as)) {
                        t.numel();
                    }
                }
            }
        }
    }

    /** Damages a copy of {@code original} many times; returns how many damaged copies were refused. */
    private int damage(Path original, Path damaged, Runnable read, long seed) throws IOException {
        byte[] bytes = Files.readAllBytes(original);
        SplittableRandom random = new SplittableRandom(seed);
        int refused = 0;
        for (int m = 0; m < MUTATIONS; m++) {
            byte[] copy = bytes.clone();
            if (m % 5 == 4) {
                copy = java.util.Arrays.copyOf(copy, random.nextInt(copy.length));
            } else {
                for (int k = 1 + random.nextInt(4); k > 0; k--) {
                    copy[random.nextInt(copy.length)] = (byte) random.nextInt(256);
                }
            }
            Files.write(damaged, copy);
            try {
                read.run();
            } catch (CheckpointException e) {
                assertTrue(e.getMessage().startsWith(e.file().toString()), e.getMessage());
                refused++;
            } catch (RuntimeException | Error e) {
                throw new AssertionError("mutation " + m + " of " + original.getFileName() + ": " + e, e);
            }
        }
        return refused;
    }

    @Test
    void damagedPytorchBinsAreRefusedCleanly() throws IOException {
        for (String name : new String[] {"albert_pretraining_f32/pytorch_model.bin",
                "albert_pretraining_bf16_legacy/pytorch_model.bin", "views.bin"}) {
            Path original = TestResources.file("/fixtures/torch/" + name);
            Path damaged = dir.resolve("damaged.bin");
            int refused = damage(original, damaged, () -> openAndReadAll(damaged), name.hashCode());
            assertTrue(refused > MUTATIONS / 10, name + ": only " + refused + " refused");
        }
    }

    @Test
    void damagedSafetensorsAreRefusedCleanly() throws IOException {
        Path original = TestResources.file("/fixtures/torch/albert_pretraining_f32.expected.safetensors");
        Path damaged = dir.resolve("damaged.safetensors");
        int refused = damage(original, damaged, () -> openAndReadAll(damaged), 11);
        assertTrue(refused > MUTATIONS / 10, "only " + refused + " refused");
    }

    @Test
    void damagedTensorBundlesAreRefusedCleanly() throws IOException {
        Map<String, TensorBundleWriter.Tensor> tensors = new LinkedHashMap<>();
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 30; i++) {
            float[] values = new float[6];
            for (int k = 0; k < values.length; k++) {
                values[k] = (float) random.nextGaussian();
            }
            tensors.put("bert/encoder/v" + i, TensorBundleWriter.Tensor.floats(new long[] {2, 3}, values));
        }
        Path prefix = dir.resolve("model.ckpt-3");
        new TensorBundleWriter().blockSize(300).write(prefix, tensors);
        Path index = dir.resolve("model.ckpt-3.index");
        Path data = dir.resolve("model.ckpt-3.data-00000-of-00001");
        Path indexCopy = dir.resolve("original.index");
        Path dataCopy = dir.resolve("original.data");
        Files.copy(index, indexCopy);
        Files.copy(data, dataCopy);
        int refused = damage(indexCopy, index, () -> openAndReadAll(index), 21);
        assertTrue(refused > MUTATIONS / 2, "index: only " + refused + " refused");
        Files.copy(indexCopy, index, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        refused = damage(dataCopy, data, () -> openAndReadAll(index), 22);
        assertTrue(refused > MUTATIONS / 2, "data: only " + refused + " refused (CRC32C per tensor)");
    }
}
