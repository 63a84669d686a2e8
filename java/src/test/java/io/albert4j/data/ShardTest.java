package io.albert4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardTest {
    private static final FakeTokenizer TOKENIZER = new FakeTokenizer();

    @TempDir
    Path dir;

    private static List<Batch> all(DocumentSource source, PretrainingConfig config) {
        List<Batch> batches = new ArrayList<>();
        try (PretrainingDataLoader loader = PretrainingDataLoader.open(source, config)) {
            while (loader.hasNext()) {
                batches.add(loader.next());
            }
        }
        return batches;
    }

    @Test
    void shardsGiveTheSameBatchesAsTheText() throws IOException {
        Path text = TestCorpus.write(dir, "corpus.txt", TestCorpus.sentencePerLine(1, 40, 1, 10, 2, 10)
                + "\n\n12 34\n\n"); // a document that tokenizes to nothing is dropped in both
        ShardPreparer.Summary summary = ShardPreparer.prepare(List.of(text), CorpusFormat.SENTENCE_PER_LINE,
                TOKENIZER, dir.resolve("shards"));
        assertEquals(1, summary.shards().size());
        assertEquals(40, summary.documents());
        assertEquals(2, ShardFormat.read(summary.shards().getFirst(), true).idBytes(), "uint16 ids below 65536");

        PretrainingConfig config = new PretrainingConfig(48, 0.1, 0.15, 20, 3, 2, false, 7, 3, 2, 2, 99);
        List<Batch> fromText = all(DocumentSource.text(List.of(text), CorpusFormat.SENTENCE_PER_LINE, TOKENIZER),
                config);
        DocumentSource shards = DocumentSource.shards(List.of(dir.resolve("shards")));
        assertEquals(VocabularyInfo.of(TOKENIZER), shards.vocabulary(), "the header carries the word-start table");
        assertEquals(fromText, all(shards, config));

        // Resume inside the shard source too.
        List<Batch> reference = all(shards, config);
        DataCursor cursor;
        try (PretrainingDataLoader loader = PretrainingDataLoader.open(shards, config)) {
            for (int i = 0; i < 9; i++) {
                loader.next();
            }
            cursor = loader.cursor();
        }
        try (PretrainingDataLoader resumed = PretrainingDataLoader.resume(shards, config, cursor)) {
            assertEquals(reference.get(9), resumed.next());
        }
    }

    @Test
    void shardsAreRecognisedByTheirHeaderAndNeverReadAsText() throws IOException {
        Path text = TestCorpus.write(dir, "corpus.txt", TestCorpus.sentencePerLine(1, 20, 1, 10, 2, 10));
        Path shards = dir.resolve("shards");
        ShardPreparer.prepare(List.of(text), CorpusFormat.SENTENCE_PER_LINE, TOKENIZER, shards);
        PretrainingConfig config = new PretrainingConfig(48, 0.1, 0.15, 20, 3, 1, false, 7, 3, 2, 2, 5);
        assertEquals(CorpusFormat.SHARDS, CorpusFiles.detectFormat(CorpusFiles.list(List.of(shards))));
        assertEquals(CorpusFormat.SENTENCE_PER_LINE, CorpusFiles.detectFormat(List.of(text)));
        assertEquals(all(DocumentSource.shards(List.of(shards)), config),
                all(DocumentSource.open(List.of(shards), null, null), config), "detected: read as shards");

        // Told it is text, the reader refuses the first NUL byte, naming the file and the byte.
        Path shard = shards.resolve("shard-00000.a4js");
        DataException e = assertThrows(DataException.class, () -> all(DocumentSource.open(List.of(shards),
                CorpusFormat.SENTENCE_PER_LINE, TOKENIZER), config));
        int firstNul = java.util.Arrays.asList(toBoxed(Files.readAllBytes(shard))).indexOf((byte) 0);
        assertTrue(e.getMessage().contains("'" + shard + "': byte " + firstNul + " is 0x00"), e.getMessage());
        assertTrue(e.getMessage().contains("prepared shard"), e.getMessage());

        // Any binary file among text files: the same refusal, at the offset of its first NUL.
        Path binary = dir.resolve("mixed/b.bin");
        Files.createDirectories(binary.getParent());
        Files.write(binary, new byte[] {'a', 'b', '\n', 'c', 0, 'd', '\n'});
        e = assertThrows(DataException.class, () -> all(DocumentSource.open(List.of(binary), null, TOKENIZER),
                config));
        assertTrue(e.getMessage().contains("'" + binary + "': byte 4 is 0x00, so this is a binary file"),
                e.getMessage());

        // Shards and text mixed in one corpus: refused with one of each.
        Files.copy(shard, dir.resolve("mixed/a.a4js"));
        e = assertThrows(DataException.class, () -> DocumentSource.open(List.of(dir.resolve("mixed")), null, TOKENIZER));
        assertTrue(e.getMessage().contains("mixes prepared shards"), e.getMessage());
    }

    private static Byte[] toBoxed(byte[] bytes) {
        Byte[] boxed = new Byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            boxed[i] = bytes[i];
        }
        return boxed;
    }

    @Test
    void preparingOnSeveralThreadsWritesTheSameBytes() throws IOException {
        Path text = TestCorpus.write(dir, "corpus.txt", TestCorpus.sentencePerLine(3, 200, 1, 8, 2, 12));
        ShardPreparer.Summary one = ShardPreparer.prepare(List.of(text), CorpusFormat.SENTENCE_PER_LINE, TOKENIZER,
                dir.resolve("one"), 4000, 1);
        ShardPreparer.Summary three = ShardPreparer.prepare(List.of(text), CorpusFormat.SENTENCE_PER_LINE,
                TOKENIZER, dir.resolve("three"), 4000, 3);
        assertTrue(one.shards().size() > 2, "several shards: " + one.shards());
        assertEquals(one.shards().size(), three.shards().size());
        assertEquals(one.tokens(), three.tokens());
        for (int i = 0; i < one.shards().size(); i++) {
            assertArrayEquals(Files.readAllBytes(one.shards().get(i)), Files.readAllBytes(three.shards().get(i)));
        }
    }

    @Test
    void splitsIntoSeveralShardsAndReadsThemAll() throws IOException {
        Path text = TestCorpus.write(dir, "corpus.txt", TestCorpus.sentencePerLine(2, 30, 2, 6, 2, 8));
        ShardPreparer.Summary summary = ShardPreparer.prepare(List.of(text), CorpusFormat.SENTENCE_PER_LINE,
                TOKENIZER, dir.resolve("shards"), 2000);
        assertTrue(summary.shards().size() > 2, "shards: " + summary.shards());
        DocumentSource source = DocumentSource.shards(List.of(dir.resolve("shards")));
        int documents = 0;
        int[] order = java.util.stream.IntStream.range(0, source.fileCount()).toArray();
        try (DocumentSource.DocumentReader reader = source.open(order, CorpusPosition.START)) {
            while (reader.next() != null) {
                documents++;
            }
            assertEquals(new CorpusPosition(source.fileCount(), 0), reader.position());
        }
        assertEquals(30, documents);
    }

    @Test
    void int32IdsForLargeVocabularies() throws IOException {
        boolean[] starts = new boolean[70000];
        starts[69999] = true;
        VocabularyInfo vocabulary = new VocabularyInfo(70000, 2, 3, 4, starts);
        Path shard = dir.resolve("big.a4js");
        try (ShardWriter writer = new ShardWriter(shard, vocabulary)) {
            writer.write(new int[][] {{5, 69999, 65536}, {7}});
        }
        DocumentSource source = DocumentSource.shards(List.of(shard));
        assertEquals(vocabulary, source.vocabulary());
        try (DocumentSource.DocumentReader reader = source.open(new int[] {0}, CorpusPosition.START)) {
            int[][] sentences = reader.next().sentences();
            assertArrayEquals(new int[] {5, 69999, 65536}, sentences[0]);
            assertArrayEquals(new int[] {7}, sentences[1]);
        }
        assertEquals(4, ShardFormat.read(shard, true).idBytes());
    }

    @Test
    void corruptionIsReportedClearly() throws IOException {
        Path text = TestCorpus.write(dir, "corpus.txt", TestCorpus.sentencePerLine(3, 10, 2, 6, 2, 8));
        Path shard = ShardPreparer.prepare(List.of(text), CorpusFormat.SENTENCE_PER_LINE, TOKENIZER,
                dir.resolve("shards")).shards().getFirst();
        byte[] good = Files.readAllBytes(shard);

        byte[] flipped = good.clone();
        flipped[flipped.length - 3] ^= 0x40;
        Files.write(shard, flipped);
        DocumentSource source = DocumentSource.shards(List.of(shard)); // header is fine
        PretrainingConfig config = new PretrainingConfig(32, 0.1, 0.15, 20, 3, 1, false, 8, 2, 2, 1, 1);
        try (PretrainingDataLoader loader = PretrainingDataLoader.open(source, config)) {
            DataException error = assertThrows(DataException.class, loader::next);
            assertTrue(error.getMessage().contains("checksum mismatch") && error.getMessage().contains(shard.toString()),
                    error.getMessage());
        }

        Files.write(shard, java.util.Arrays.copyOf(good, good.length - 10));
        DataException truncated = assertThrows(DataException.class, () -> DocumentSource.shards(List.of(shard)));
        assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());

        byte[] wrongMagic = good.clone();
        wrongMagic[0] = 'X';
        Files.write(shard, wrongMagic);
        DataException magic = assertThrows(DataException.class, () -> DocumentSource.shards(List.of(shard)));
        assertTrue(magic.getMessage().contains("not an albert4j shard"), magic.getMessage());

        Path tiny = dir.resolve("tiny.a4js");
        Files.write(tiny, new byte[] {1, 2, 3});
        DataException shortFile = assertThrows(DataException.class, () -> DocumentSource.shards(List.of(tiny)));
        assertTrue(shortFile.getMessage().contains("shorter than the 64-byte header"), shortFile.getMessage());
    }
}
