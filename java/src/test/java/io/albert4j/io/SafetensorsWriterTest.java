package io.albert4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsF32Bf16AndI32WithMetadata() throws IOException {
        Path file = dir.resolve("x.safetensors");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("zeta", Tensor.ofFloats(new float[] {1, 2, 3}, 3));
        tensors.put("alpha", Tensor.ofFloats(new float[] {-1, 0.25f, 7, 8}, 2, 2));
        tensors.put("ids", Tensor.ofInts(new int[] {5, -6}, 2));
        Tensor bf = Tensor.allocateHost(DType.BF16, 3);
        bf.data().setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT, 0, (short) 0x3FC0);
        bf.data().setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT, 1, (short) 0x4000);
        bf.data().setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT, 2, (short) 0xBF80);
        tensors.put("half", bf);
        tensors.put("empty", Tensor.allocateHost(DType.F32, 0, 4));
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt", "step", "12"));

        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8, "header padded to 8 bytes");
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\""), header);
        assertTrue(header.stripTrailing().endsWith("}"), header);
        assertTrue(header.substring(header.stripTrailing().length()).matches(" {0,7}"), "padding is spaces: " + header);

        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            // 4-byte types first, each group by name; then the 2-byte BF16.
            assertEquals(List.of("alpha", "empty", "ids", "zeta", "half"), List.copyOf(reader.names()));
            assertEquals(Map.of("format", "pt", "step", "12"), reader.metadata());
            assertArrayEquals(new float[] {-1, 0.25f, 7, 8}, reader.readF32("alpha").toFloatArray());
            assertArrayEquals(new int[] {2, 2}, reader.info("alpha").shape());
            assertArrayEquals(new float[] {1, 2, 3}, reader.readF32("zeta").toFloatArray());
            assertArrayEquals(new int[] {5, -6}, reader.readI32("ids").toIntArray());
            assertArrayEquals(new float[] {1.5f, 2f, -1f}, reader.readF32("half").toFloatArray());
            assertArrayEquals(new int[] {0, 4}, reader.info("empty").shape());
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary files left behind");
        }
    }

    @Test
    void overwritesAnExistingFileAtomically() throws IOException {
        Path file = dir.resolve("x.safetensors");
        SafetensorsWriter.write(file, Map.of("a", Tensor.ofFloats(new float[] {1}, 1)), Map.of());
        SafetensorsWriter.write(file, Map.of("b", Tensor.ofFloats(new float[] {2, 3}, 2)), Map.of());
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            assertEquals(List.of("b"), List.copyOf(reader.names()));
            assertTrue(reader.metadata().isEmpty());
        }
    }
}
