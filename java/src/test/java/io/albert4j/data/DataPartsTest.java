package io.albert4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataPartsTest {
    @TempDir
    Path dir;

    /** Records every line it is asked to tokenize: what a part reads into its stream. */
    private static final class RecordingTokenizer extends FakeTokenizer {
        final Set<String> encoded = ConcurrentHashMap.newKeySet();

        @Override
        public int[] encode(String text) {
            encoded.add(text);
            return super.encode(text);
        }
    }

    /** dupe factor 1, no cycling: one pass, so a loader reads its whole part once. */
    private static PretrainingConfig config(int batch) {
        return new PretrainingConfig(64, 0.1, 0.15, 20, 3, 1, false, 8, batch, 3, 2, 7);
    }

    private Path corpus() throws IOException {
        TestCorpus.write(dir, "corpus/a.txt", TestCorpus.sentencePerLine(1, 13, 1, 12, 2, 12));
        TestCorpus.write(dir, "corpus/b.txt", TestCorpus.sentencePerLine(2, 10, 1, 12, 2, 12));
        TestCorpus.write(dir, "corpus/c.txt", TestCorpus.sentencePerLine(3, 8, 1, 12, 2, 12));
        return dir.resolve("corpus");
    }

    private static List<Batch> read(DocumentSource source, PretrainingConfig config, DataParts parts) {
        List<Batch> batches = new ArrayList<>();
        try (PretrainingDataLoader loader = PretrainingDataLoader.resume(source, config,
                java.util.Collections.nCopies(parts.count(), DataCursor.start(config.seed())), parts)) {
            while (loader.hasNext()) {
                batches.add(loader.next());
            }
        }
        return batches;
    }

    @Test
    void eachPartTokenizesOnlyItsOwnDocumentsAndTogetherTheyReadThemAll() throws IOException {
        Path corpus = corpus();
        Set<String> lines = new HashSet<>();
        for (Path file : List.of(corpus.resolve("a.txt"), corpus.resolve("b.txt"), corpus.resolve("c.txt"))) {
            Files.readAllLines(file).stream().filter(l -> !l.isBlank()).forEach(lines::add);
        }
        List<Set<String>> read = new ArrayList<>();
        for (int part = 0; part < 3; part++) {
            RecordingTokenizer tokenizer = new RecordingTokenizer();
            DocumentSource source = DocumentSource.text(List.of(corpus), CorpusFormat.SENTENCE_PER_LINE, tokenizer);
            assertTrue(read(source, config(1), new DataParts(3, part, 1)).size() > 5);
            read.add(tokenizer.encoded);
        }
        Set<String> union = new HashSet<>();
        for (int a = 0; a < 3; a++) {
            assertTrue(read.get(a).size() < lines.size() / 2, "part " + a + " read " + read.get(a).size() + " of "
                    + lines.size() + " lines");
            for (int b = a + 1; b < 3; b++) {
                Set<String> both = new HashSet<>(read.get(a));
                both.retainAll(read.get(b));
                assertEquals(Set.of(), both, "parts " + a + " and " + b + " both tokenized these lines");
            }
            union.addAll(read.get(a));
        }
        assertEquals(lines, union, "every document is in some part");
    }

    @Test
    void oneProcessReadingTwoPartsHasTheTwoRanksRowsSideBySide() throws IOException {
        DocumentSource source = DocumentSource.text(List.of(corpus()), CorpusFormat.SENTENCE_PER_LINE,
                new FakeTokenizer());
        List<Batch> rank0 = read(source, config(3), DataParts.ofRank(2, 0, 2));
        List<Batch> rank1 = read(source, config(3), DataParts.ofRank(2, 1, 2));
        List<Batch> both = read(source, config(6), new DataParts(2, 0, 2));
        int steps = Math.min(rank0.size(), rank1.size());
        assertTrue(steps > 5, "batches: " + steps);
        assertEquals(steps, both.size(), "the stream ends with its shorter part");
        for (int k = 0; k < steps; k++) {
            assertArrayEquals(concat(rank0.get(k).inputIds(), rank1.get(k).inputIds()), both.get(k).inputIds(),
                    "batch " + k);
            assertArrayEquals(concat(rank0.get(k).tokenTypeIds(), rank1.get(k).tokenTypeIds()),
                    both.get(k).tokenTypeIds(), "batch " + k);
            assertArrayEquals(concat(rank0.get(k).sentenceOrderLabels(), rank1.get(k).sentenceOrderLabels()),
                    both.get(k).sentenceOrderLabels(), "batch " + k);
        }
        // The parts are streams of their own, not the unsplit one cut in two.
        List<Batch> unsplit = read(source, config(3), DataParts.ALL);
        assertTrue(!Arrays.equals(unsplit.getFirst().inputIds(), rank0.getFirst().inputIds()));
    }

    @Test
    void partCursorsResumeEachPartWhereItStood() throws IOException {
        DocumentSource source = DocumentSource.text(List.of(corpus()), CorpusFormat.SENTENCE_PER_LINE,
                new FakeTokenizer());
        PretrainingConfig config = config(4);
        DataParts parts = new DataParts(2, 0, 2);
        List<Batch> reference = read(source, config, parts);
        List<List<DataCursor>> cursors = new ArrayList<>();
        try (PretrainingDataLoader loader = PretrainingDataLoader.resume(source, config,
                List.of(DataCursor.start(7), DataCursor.start(7)), parts)) {
            while (loader.hasNext()) {
                loader.next();
                cursors.add(loader.cursors());
            }
            assertThrows(IllegalStateException.class, loader::cursor, "two parts have two cursors");
        }
        for (int k = 0; k < cursors.size(); k += 3) {
            List<DataCursor> at = cursors.get(k).stream().map(c -> DataCursor.fromJson(c.toJson())).toList();
            // Resharded: each part on its own (as two ranks would resume it) gives its half of the rows.
            try (PretrainingDataLoader whole = PretrainingDataLoader.resume(source, config, at, parts);
                 PretrainingDataLoader first = PretrainingDataLoader.resume(source, config(2), at.subList(0, 1),
                         new DataParts(2, 0, 1))) {
                for (int j = k + 1; j < Math.min(reference.size(), k + 3); j++) {
                    Batch next = whole.next();
                    assertEquals(reference.get(j), next, "after batch " + k);
                    int half = next.inputIds().length / 2;
                    assertArrayEquals(Arrays.copyOf(next.inputIds(), half), first.next().inputIds(),
                            "part 0 alone after batch " + k);
                }
            }
        }
    }

    @Test
    void badSplitsAreRefusedWithTheirNumbers() throws IOException {
        DocumentSource source = DocumentSource.text(List.of(corpus()), CorpusFormat.SENTENCE_PER_LINE,
                new FakeTokenizer());
        IllegalArgumentException share = assertThrows(IllegalArgumentException.class,
                () -> DataParts.ofRank(3, 0, 2));
        assertTrue(share.getMessage().contains("split into 3 part(s), which 2 ranks cannot share"),
                share.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DataParts(2, 1, 2));
        DataException batch = assertThrows(DataException.class, () -> PretrainingDataLoader.resume(source, config(3),
                List.of(DataCursor.start(7), DataCursor.start(7)), new DataParts(2, 0, 2)));
        assertTrue(batch.getMessage().contains("micro-batch of 3 rows does not split over the 2 data parts"),
                batch.getMessage());
        DataException cursors = assertThrows(DataException.class, () -> PretrainingDataLoader.resume(source,
                config(4), List.of(DataCursor.start(7)), new DataParts(2, 0, 2)));
        assertTrue(cursors.getMessage().contains("1 cursor(s) for 2 part(s)"), cursors.getMessage());
    }

    @Test
    void aPartWithNoDocumentsSaysWhichPartItIs() throws IOException {
        TestCorpus.write(dir, "tiny/a.txt", TestCorpus.sentencePerLine(1, 1, 3, 3, 2, 12));
        DocumentSource source = DocumentSource.text(List.of(dir.resolve("tiny")), CorpusFormat.SENTENCE_PER_LINE,
                new FakeTokenizer());
        DataException empty = assertThrows(DataException.class, () -> read(source, config(1),
                new DataParts(2, 1, 1)));
        assertTrue(empty.getMessage().contains("this is part 1, which gets one document in 2"), empty.getMessage());
    }

    private static int[] concat(int[] a, int[] b) {
        int[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
