package io.albert4j.tokenizer;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.albert4j.testing.ReaderContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzz target of the SentencePiece {@code .model} reader (protobuf wire format, pieces, the normalizer's
 * precompiled character map): load it as ALBERT's tokenizer and tokenize a sentence that meets the normalizer.
 */
class SentencePieceFuzzTest {
    private static final Path DIR = ReaderContract.scratch("spiece");
    private static final String TEXT = "Hello, World! The ﬁrst ① café\u00a0naïve — 東京 [MASK] 123";

    @FuzzTest
    void model(byte[] data) throws Exception {
        Path file = DIR.resolve("spiece.model");
        Files.write(file, data);
        ReaderContract.parsesOrRefuses(file, () -> {
            AlbertTokenizer tokenizer = AlbertTokenizer.load(file);
            int[] ids = tokenizer.encode(TEXT);
            int size = tokenizer.sentencePiece().vocabSize();
            for (int id : ids) {
                if (id < 0 || id >= size) {
                    throw new AssertionError("id " + id + " outside the vocabulary of " + size);
                }
            }
        }, IOException.class);
    }
}
