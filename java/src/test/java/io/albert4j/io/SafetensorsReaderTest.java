package io.albert4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsReaderTest {
    @TempDir
    Path dir;

    /** Five tensors of five dtypes, header padded to 8 bytes as the Python library does. */
    static byte[] validFile() {
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[24,28]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[28,34]},"
                + "\"i\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[34,50]},"
                + "\"j\":{\"dtype\":\"I32\",\"shape\":[1,1],\"data_offsets\":[50,54]}}";
        header = header + " ".repeat((8 - header.length() % 8) % 8);
        byte[] data = RawSafetensors.concat(
                RawSafetensors.floats(1, 2, 3, -4, 5.5f, 6),
                RawSafetensors.shorts(0x3FC0, 0xC000),          // bf16 1.5, -2
                RawSafetensors.shorts(0x3C00, 0x3800, 0xC000),  // f16 1, 0.5, -2
                RawSafetensors.longs(-7, 1L << 30),
                RawSafetensors.concat(new byte[] {42, 0, 0, 0}));
        return RawSafetensors.file(header, data);
    }

    private Path write(byte[] bytes) throws IOException {
        Path file = dir.resolve("t.safetensors");
        Files.write(file, bytes);
        return file;
    }

    @Test
    void readsEveryDtypeAndConvertsToF32OrI32() throws IOException {
        try (SafetensorsReader reader = SafetensorsReader.open(write(validFile()))) {
            assertEquals(Map.of("format", "pt"), reader.metadata());
            assertEquals(java.util.List.of("a", "b", "h", "i", "j"), java.util.List.copyOf(reader.names()));
            Tensor a = reader.readF32("a");
            assertArrayEquals(new int[] {2, 3}, a.shape());
            assertArrayEquals(new float[] {1, 2, 3, -4, 5.5f, 6}, a.toFloatArray());
            assertTrue(a.data().isReadOnly(), "F32 must be a zero-copy view onto the read-only mapping");
            assertArrayEquals(new float[] {1.5f, -2f}, reader.readF32("b").toFloatArray());
            assertEquals(DType.BF16, reader.read("b").dtype());
            assertArrayEquals(new float[] {1f, 0.5f, -2f}, reader.readF32("h").toFloatArray());
            assertEquals(DType.F32, reader.read("h").dtype());
            assertArrayEquals(new int[] {-7, 1 << 30}, reader.readI32("i").toIntArray());
            assertArrayEquals(new int[] {42}, reader.read("j").toIntArray());
            reader.close();
            assertFalse(a.isAlive(), "a view must die with its reader");
            assertThrows(IllegalStateException.class, a::toFloatArray);
        }
    }

    @Test
    void i64OutsideI32RangeIsRejected() throws IOException {
        String header = "{\"x\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}";
        Path file = write(RawSafetensors.file(header, RawSafetensors.longs(1, 1L << 40)));
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> reader.readI32("x"));
            assertTrue(e.getMessage().contains("does not fit in I32"), e.getMessage());
        }
    }

    @Test
    void wrongDtypeRequestNamesTheTensor() throws IOException {
        try (SafetensorsReader reader = SafetensorsReader.open(write(validFile()))) {
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> reader.readF32("j"));
            assertTrue(e.getMessage().contains("'j' is stored as I32"), e.getMessage());
            assertThrows(SafetensorsException.class, () -> reader.info("nope"));
        }
    }

    private void assertRejected(byte[] bytes, String expectedFragment) throws IOException {
        Path file = write(bytes);
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsReader.open(file).close());
        assertTrue(e.getMessage().startsWith(file.toString()), "message must name the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expectedFragment), "expected '" + expectedFragment + "' in: " + e.getMessage());
    }

    private static String one(String entry) {
        return "{\"x\":" + entry + "}";
    }

    @Test
    void malformedFilesFailWithAClearMessage() throws IOException {
        byte[] four = RawSafetensors.floats(1);
        assertRejected(new byte[] {1, 2, 3}, "too short");
        assertRejected(RawSafetensors.file(1000, new byte[10], new byte[0]), "past the end");
        assertRejected(RawSafetensors.file(-1, new byte[10], new byte[0]), "absurdly large");
        assertRejected(RawSafetensors.file(1L << 40, new byte[10], new byte[0]), "absurdly large");
        assertRejected(RawSafetensors.file(4, new byte[] {'{', (byte) 0xff, (byte) 0xfe, '}'}, new byte[0]), "UTF-8");
        assertRejected(RawSafetensors.file("{\"x\":", four), "not valid JSON");
        assertRejected(RawSafetensors.file("[1,2]", four), "not a JSON object");
        assertRejected(RawSafetensors.file(one("{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}"), four),
                "unknown dtype 'F33'");
        assertRejected(RawSafetensors.file(one("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}"), four),
                "needs 8 bytes");
        assertRejected(RawSafetensors.file(one("{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}"), four),
                "negative dimension");
        assertRejected(RawSafetensors.file(one("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}"), four),
                "past the end of the data section");
        assertRejected(RawSafetensors.file(one("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}"), four),
                "are invalid");
        assertRejected(RawSafetensors.file(one("{\"dtype\":\"F32\",\"shape\":[1]}"), four), "data_offsets");
        assertRejected(RawSafetensors.file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", RawSafetensors.floats(1, 2)), "overlap");
        assertRejected(RawSafetensors.file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                RawSafetensors.floats(1, 2)), "gap");
        assertRejected(RawSafetensors.file(one("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}"),
                RawSafetensors.floats(1, 2)), "trailing bytes");
        assertRejected(RawSafetensors.file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", RawSafetensors.floats(1, 2)), "duplicate");
        assertRejected(RawSafetensors.file("{\"__metadata__\":{\"a\":1}}", new byte[0]), "not a string");
        assertRejected(RawSafetensors.file(one("{\"dtype\":\"F32\",\"shape\":[4294967296],\"data_offsets\":[0,4]}"), four),
                "over 2^31-1");
    }

    @Test
    void emptyFileWithOnlyMetadataLoads() throws IOException {
        try (SafetensorsReader reader = SafetensorsReader.open(write(RawSafetensors.file("{}", new byte[0])))) {
            assertTrue(reader.names().isEmpty());
        }
    }

    /**
     * Random corruptions of a valid file: truncation, flipped header bytes, random header lengths, rewritten
     * offsets. Every outcome must be a clean load (and every tensor readable) or a SafetensorsException.
     */
    @Test
    void fuzzedFilesLoadCleanlyOrFailWithSafetensorsException() throws IOException {
        byte[] valid = validFile();
        int headerLength = (int) ByteBuffer.wrap(valid, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        SplittableRandom random = new SplittableRandom(20240601);
        int loaded = 0;
        int rejected = 0;
        for (int iteration = 0; iteration < 600; iteration++) {
            byte[] bytes = valid.clone();
            switch (iteration % 5) {
                case 0 -> bytes = java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length));
                case 1 -> {
                    for (int k = 1 + random.nextInt(4); k > 0; k--) {
                        bytes[8 + random.nextInt(headerLength)] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                case 2 -> ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0,
                        random.nextBoolean() ? random.nextLong() : random.nextInt(bytes.length + 16));
                case 3 -> {
                    // Replace one digit of the header (offsets and shapes live there) by another.
                    String text = new String(bytes, 8, headerLength, StandardCharsets.UTF_8);
                    int at = random.nextInt(text.length());
                    while (!Character.isDigit(text.charAt(at))) {
                        at = (at + 1) % text.length();
                    }
                    bytes[8 + at] = (byte) ('0' + random.nextInt(10));
                }
                default -> bytes[8 + random.nextInt(headerLength)] = (byte) random.nextInt(256);
            }
            Path file = write(bytes);
            try (SafetensorsReader reader = SafetensorsReader.open(file)) {
                for (String name : reader.names()) {
                    try (Tensor t = reader.read(name)) {
                        assertEquals(reader.info(name).byteSize() == 0 ? 0 : t.numel(), t.numel());
                    } catch (SafetensorsException expected) {
                        // a dtype flipped to one albert4j cannot hold, or an I64 out of range: fine
                    }
                }
                loaded++;
            } catch (SafetensorsException expected) {
                rejected++;
            } catch (Throwable other) {
                fail("iteration " + iteration + ": " + other, other);
            }
        }
        assertTrue(rejected > 200, "most corruptions must be detected, rejected " + rejected);
        assertTrue(loaded + rejected == 600);
    }

    @Test
    void aFolderOrAMissingPathIsNamedAsSuch(@TempDir Path folder) {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsReader.open(folder));
        assertTrue(e.getMessage().contains("is a folder, not a safetensors file"), e.getMessage());
        Path missing = folder.resolve("absent.safetensors");
        e = assertThrows(SafetensorsException.class, () -> SafetensorsReader.open(missing));
        assertEquals(missing + ": no such file", e.getMessage());
    }
}
