package io.albert4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Missing, truncated and malformed .model files fail with an IOException that names the file. */
class ModelErrorsTest {
    @TempDir
    Path dir;

    private static byte[] goodModel() throws IOException {
        try (InputStream in = ModelErrorsTest.class.getResourceAsStream("/tokenizer/sotu8k.model")) {
            return in.readAllBytes();
        }
    }

    private IOException loadFails(byte[] content, String name) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, content);
        IOException e = assertThrows(IOException.class, () -> SentencePieceProcessor.load(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        return e;
    }

    @Test
    void missingFile() {
        Path file = dir.resolve("absent.model");
        IOException e = assertThrows(IOException.class, () -> SentencePieceProcessor.load(file));
        assertTrue(e.getMessage().contains("absent.model"), e.getMessage());
    }

    @Test
    void emptyFile() throws IOException {
        IOException e = loadFails(new byte[0], "empty.model");
        assertTrue(e.getMessage().contains("no pieces"), e.getMessage());
    }

    @Test
    void truncatedFile() throws IOException {
        byte[] good = goodModel();
        IOException e = loadFails(Arrays.copyOf(good, good.length / 2), "truncated.model");
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    }

    /** Byte offset after the length-delimited field with tag byte {@code tag} that starts at {@code at}. */
    private static int endOfField(byte[] model, int at, int tag) {
        assertEquals(tag, model[at], "tag byte");
        at++;
        int length = 0;
        int shift = 0;
        int b;
        do {
            b = model[at++] & 0xFF;
            length |= (b & 0x7F) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        return at + length;
    }

    /** Byte offset just after piece {@code count} (the pieces are the first fields: field 1, length-delimited). */
    private static int endOfPieces(byte[] model, int count) {
        int at = 0;
        for (int i = 0; i < count; i++) {
            at = endOfField(model, at, 0x0A);
        }
        return at;
    }

    @Test
    void fileCutAtAPieceBoundaryIsTruncatedNotASmallerVocabulary() throws IOException {
        byte[] good = goodModel();
        byte[] cut = Arrays.copyOf(good, endOfPieces(good, 50));
        IOException e = loadFails(cut, "cut.model");
        assertTrue(e.getMessage().contains("no trainer_spec and normalizer_spec after its 50 pieces")
                && e.getMessage().contains("cut short"), e.getMessage());
        assertThrows(IOException.class, () -> AlbertTokenizer.load(dir.resolve("cut.model")));

        // Cut after the trainer_spec (field 2): the normalizer's absence alone gives it away.
        int pieces = SentencePieceModel.parse(good, "good").pieces().size();
        byte[] withoutNormalizer = Arrays.copyOf(good, endOfField(good, endOfPieces(good, pieces), 0x12));
        e = loadFails(withoutNormalizer, "nonormalizer.model");
        assertTrue(e.getMessage().contains("no normalizer_spec after its " + pieces + " pieces"), e.getMessage());
    }

    @Test
    void wrongWireType() throws IOException {
        // field 1 (pieces) announced as a varint instead of a message
        IOException e = loadFails(new byte[] {0x08, 0x01}, "wiretype.model");
        assertTrue(e.getMessage().contains("pieces"), e.getMessage());
    }

    @Test
    void textFileIsNotAModel() throws IOException {
        loadFails("this is not a model\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), "text.model");
    }

    @Test
    void modelWithoutUnknownPiece() throws IOException {
        SentencePieceModel good = SentencePieceModel.parse(goodModel(), "good");
        var pieces = good.pieces().stream().filter(p -> p.type() != SentencePieceModel.PieceType.UNKNOWN).toList();
        byte[] bytes = new SentencePieceModel(pieces, good.trainerSpec(), good.normalizerSpec()).toByteArray();
        IOException e = loadFails(bytes, "nounk.model");
        assertTrue(e.getMessage().contains("unk is not defined"), e.getMessage());
    }

    @Test
    void writtenModelReadsBackIdentically() throws IOException {
        byte[] good = goodModel();
        SentencePieceModel model = SentencePieceModel.parse(good, "good");
        SentencePieceModel again = SentencePieceModel.parse(model.toByteArray(), "again");
        assertTrue(model.pieces().equals(again.pieces()));
        assertTrue(Arrays.equals(model.normalizerSpec().precompiledCharsmap(), again.normalizerSpec().precompiledCharsmap()));
    }
}
