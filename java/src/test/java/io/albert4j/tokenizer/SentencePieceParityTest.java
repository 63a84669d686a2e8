package io.albert4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Ids identical to Debian's spm_encode 0.1.97 on a model it trained (sotu8k.model, ALBERT flags, vocab 8000). */
class SentencePieceParityTest {
    static SentencePieceProcessor sotuModel() throws IOException {
        try (InputStream in = SentencePieceParityTest.class.getResourceAsStream("/tokenizer/sotu8k.model")) {
            return new SentencePieceProcessor(SentencePieceModel.parse(in.readAllBytes(), "sotu8k.model"));
        }
    }

    static List<String> resourceLines(String name) throws IOException {
        try (InputStream in = SentencePieceParityTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("#")).toList();
        }
    }

    static int[] parseIds(String field) {
        return field.isBlank() ? new int[0] : Arrays.stream(field.trim().split(" ")).mapToInt(Integer::parseInt).toArray();
    }

    static String unescape(String text) {
        return text.replace("\\t", "\t").replace("\\u00a0", "\u00a0");
    }

    @Test
    void handwrittenSentencesMatchSpmEncodeAndDecode() throws IOException {
        SentencePieceProcessor spm = sotuModel();
        List<String> lines = resourceLines("/tokenizer/handwritten.tsv");
        assertEquals(12, lines.size());
        for (String line : lines) {
            String[] fields = line.split("\t", -1);
            String sentence = unescape(fields[0]);
            int[] expected = parseIds(fields[1]);
            assertArrayEquals(expected, spm.encodeIds(sentence), () -> "ids of '" + sentence + "'");
            assertEquals(unescape(fields[2]), spm.decodeIds(expected), () -> "decode of '" + sentence + "'");
        }
    }

    @Test
    void sotuSentencesMatchSpmEncode() throws IOException {
        Path shared = Path.of(System.getProperty("albert4j.sharedData", "../shared/data"), "sotu");
        assumeTrue(Files.isDirectory(shared), "shared data absent at " + shared + ": sotu parity skipped");
        SentencePieceProcessor spm = sotuModel();
        Map<String, byte[]> files = new HashMap<>();
        int identical = 0;
        List<String> lines = resourceLines("/tokenizer/sotu8k-parity.tsv");
        StringBuilder firstMismatches = new StringBuilder();
        for (String line : lines) {
            String[] fields = line.split("\t", -1);
            byte[] file = files.computeIfAbsent(fields[0], name -> read(shared.resolve(name)));
            String sentence = new String(file, Integer.parseInt(fields[1]), Integer.parseInt(fields[2]),
                    StandardCharsets.UTF_8);
            if (Arrays.equals(parseIds(fields[3]), spm.encodeIds(sentence))) {
                identical++;
            } else if (firstMismatches.length() < 2000) {
                firstMismatches.append(sentence).append('\n');
            }
        }
        assertEquals(3000, lines.size());
        assertEquals(lines.size(), identical, "sentences with ids different from spm_encode:\n" + firstMismatches);
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void piecesDecodeBackToTheNormalisedText() throws IOException {
        SentencePieceProcessor spm = sotuModel();
        String text = "  The   Congress \uFB01nds that 1,234 (or more) agree.  ";
        assertEquals("\u2581The\u2581Congress\u2581finds\u2581that\u25811,234\u2581(or\u2581more)\u2581agree.",
                spm.normalize(text));
        String[] pieces = spm.encodePieces(text);
        assertEquals(spm.normalize(text), String.join("", pieces));
        String expected = "The Congress finds that 1,234 (or more) agree.";
        assertEquals(expected, spm.decodePieces(pieces));
        assertEquals(expected, spm.decodeIds(spm.encodeIds(text)));
    }

    @Test
    void emptyAndBlankInputGiveNoTokens() throws IOException {
        SentencePieceProcessor spm = sotuModel();
        assertEquals(0, spm.encodeIds("").length);
        assertEquals(0, spm.encodeIds(" \t\n ").length);
        assertEquals("", spm.decodeIds(new int[0]));
    }

    @Test
    void invalidUtf8BecomesReplacementCharacters() throws IOException {
        SentencePieceProcessor spm = sotuModel();
        byte[] bytes = {'a', 'b', (byte) 0xC3, ' ', (byte) 0xFF, 'c'};
        // Through a Java String: the decoder replaces each malformed byte with U+FFFD.
        String decoded = new String(bytes, StandardCharsets.UTF_8);
        assertEquals("ab\uFFFD \uFFFDc", decoded);
        // nmt_nfkc's charsmap deletes U+FFFD, so a decoded String loses the bad bytes entirely ...
        assertEquals("\u2581a b \u2581c", String.join(" ", spm.encode(decoded).pieces()));
        // ... while raw bytes go through spm's own rule (each bad byte is an unknown U+FFFD), as spm_encode prints:
        // printf 'ab\xc3 \xffc' | spm_encode --output_format=id  ->  21 264 1 14 1 204
        SentencePieceProcessor.Encoding viaBytes = spm.encode(bytes, true);
        assertArrayEquals(new int[] {21, 264, 1, 14, 1, 204}, viaBytes.ids());
        assertEquals("\uFFFD", viaBytes.pieces()[2]);
    }

    @Test
    void controlSymbolsAreNeverMatchedFromTextAndVanishInDecode() throws IOException {
        SentencePieceProcessor spm = sotuModel();
        int cls = spm.findPiece("[CLS]");
        int sep = spm.findPiece("[SEP]");
        assertEquals(2, cls);
        assertEquals(3, sep);
        for (int id : spm.encodeIds("[CLS] [SEP] <pad>")) {
            assertEquals(SentencePieceModel.PieceType.NORMAL == spm.type(id) || id == spm.unkId()
                    || spm.type(id) == SentencePieceModel.PieceType.USER_DEFINED, true, "id " + id);
        }
        int[] hello = spm.encodeIds("Hello world");
        int[] wrapped = new int[hello.length + 2];
        wrapped[0] = cls;
        System.arraycopy(hello, 0, wrapped, 1, hello.length);
        wrapped[wrapped.length - 1] = sep;
        assertEquals("Hello world", spm.decodeIds(wrapped)); // as spm_decode: "2 875 638 214 101 3"
    }
}
