package io.albert4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SegmentPairBuilderTest {
    private static final int CLS = 2;
    private static final int SEP = 3;

    /** Documents of sentences with distinct ids per document (100*doc + k), so B's origin is visible. */
    private static List<int[][]> documents(Random random, int count, int minSentences, int maxSentences,
                                           int minLength, int maxLength) {
        List<int[][]> documents = new ArrayList<>();
        for (int d = 0; d < count; d++) {
            int sentences = minSentences + random.nextInt(maxSentences - minSentences + 1);
            int[][] document = new int[sentences][];
            for (int s = 0; s < sentences; s++) {
                document[s] = new int[minLength + random.nextInt(maxLength - minLength + 1)];
                Arrays.fill(document[s], 1000 + d);
            }
            documents.add(document);
        }
        return documents;
    }

    private static void assertLayout(SegmentPair pair, int maxSeqLength) {
        int[] tokens = pair.tokens();
        assertTrue(tokens.length <= maxSeqLength, "row of " + tokens.length + " > " + maxSeqLength);
        assertEquals(CLS, tokens[0]);
        assertEquals(SEP, tokens[tokens.length - 1]);
        int firstSep = -1;
        int seps = 0;
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] == SEP) {
                seps++;
                if (firstSep < 0) {
                    firstSep = i;
                }
            }
        }
        assertEquals(2, seps);
        assertTrue(firstSep >= 2 && firstSep <= tokens.length - 3, "A and B non-empty");
        for (int i = 0; i < tokens.length; i++) {
            assertEquals(i <= firstSep ? 0 : 1, pair.segmentIds()[i], "segment id at " + i);
        }
    }

    @Test
    void layoutSegmentIdsAndSopBalance() {
        SegmentPairBuilder builder = new SegmentPairBuilder(64, 0.1, CLS, SEP);
        List<int[][]> documents = documents(new Random(1), 800, 5, 30, 3, 15);
        int swapped = 0;
        int multiSentence = 0;
        for (int d = 0; d < documents.size(); d++) {
            for (SegmentPair pair : builder.build(documents, d, new DeterministicRandom(d))) {
                assertLayout(pair, 64);
                // Only rows whose A and B both come from this document count for the swap balance.
                int own = 1000 + d;
                boolean fromThisDocument = Arrays.stream(pair.tokens()).allMatch(t -> t < 1000 || t == own);
                if (fromThisDocument) {
                    multiSentence++;
                    swapped += pair.sentenceOrderLabel();
                }
            }
        }
        assertTrue(multiSentence > 1000);
        assertEquals(0.5, (double) swapped / multiSentence, 0.04, "SOP swap rate");
    }

    @Test
    void oneSentenceDocumentTakesBFromAnotherDocument() {
        SegmentPairBuilder builder = new SegmentPairBuilder(64, 0.0, CLS, SEP);
        List<int[][]> documents = documents(new Random(2), 5, 1, 1, 4, 4);
        for (int d = 0; d < documents.size(); d++) {
            List<SegmentPair> pairs = builder.build(documents, d, new DeterministicRandom(10 + d));
            assertEquals(1, pairs.size());
            SegmentPair pair = pairs.getFirst();
            assertLayout(pair, 64);
            assertEquals(1, pair.sentenceOrderLabel());
            int[] tokens = pair.tokens();
            assertEquals(1000 + d, tokens[1]);
            assertTrue(tokens[tokens.length - 2] != 1000 + d, "B comes from another document");
        }
    }

    @Test
    void singleDocumentWindowFallsBackToItself() {
        SegmentPairBuilder builder = new SegmentPairBuilder(32, 0.0, CLS, SEP);
        List<int[][]> documents = documents(new Random(3), 1, 1, 1, 5, 5);
        SegmentPair pair = builder.build(documents, 0, new DeterministicRandom(1)).getFirst();
        assertLayout(pair, 32);
        assertEquals(1, pair.sentenceOrderLabel());
    }

    @Test
    void overlongLineIsTruncatedToMaxLength() {
        SegmentPairBuilder builder = new SegmentPairBuilder(32, 0.0, CLS, SEP);
        List<int[][]> documents = documents(new Random(4), 3, 1, 1, 1000, 1000);
        for (int d = 0; d < 3; d++) {
            SegmentPair pair = builder.build(documents, d, new DeterministicRandom(d)).getFirst();
            assertLayout(pair, 32);
            assertEquals(32, pair.tokens().length, "both sides trimmed until exactly max_num_tokens remain");
        }
    }

    @Test
    void truncationTrimsTheLongerSide() {
        SegmentPairBuilder.TokenRun a = new SegmentPairBuilder.TokenRun(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        SegmentPairBuilder.TokenRun b = new SegmentPairBuilder.TokenRun(new int[] {11, 12, 13});
        SegmentPairBuilder.truncateSeqPair(a, b, 8, new DeterministicRandom(5));
        assertEquals(5, a.length());
        assertEquals(3, b.length());
        // Ties trim B (the original picks tokens_b when lengths are equal).
        SegmentPairBuilder.TokenRun c = new SegmentPairBuilder.TokenRun(new int[] {1, 2, 3});
        SegmentPairBuilder.TokenRun e = new SegmentPairBuilder.TokenRun(new int[] {4, 5, 6});
        SegmentPairBuilder.truncateSeqPair(c, e, 5, new DeterministicRandom(6));
        assertEquals(3, c.length());
        assertEquals(2, e.length());
    }

    @Test
    void shortTargetRateIsTenPercent() {
        SegmentPairBuilder builder = new SegmentPairBuilder(128, 0.1, CLS, SEP);
        int shortTargets = 0;
        int trials = 20000;
        for (int t = 0; t < trials; t++) {
            int target = builder.targetSeqLength(DeterministicRandom.derive(9, DeterministicRandom.SEGMENTS, t));
            assertTrue(target >= 2 && target <= 125, "target " + target);
            shortTargets += target < 125 ? 1 : 0;
        }
        assertEquals(0.1, (double) shortTargets / trials, 0.01);
    }

    @Test
    void shortTargetsMakeShorterRows() {
        List<int[][]> documents = documents(new Random(6), 100, 40, 40, 10, 10);
        double[] meanLength = new double[2];
        double[] probabilities = {0.0, 1.0};
        for (int p = 0; p < 2; p++) {
            SegmentPairBuilder builder = new SegmentPairBuilder(128, probabilities[p], CLS, SEP);
            long tokens = 0;
            long rows = 0;
            for (int d = 0; d < documents.size(); d++) {
                for (SegmentPair pair : builder.build(documents, d, new DeterministicRandom(d))) {
                    tokens += pair.tokens().length;
                    rows++;
                }
            }
            meanLength[p] = (double) tokens / rows;
        }
        assertTrue(meanLength[0] > 120, "full targets fill rows: " + meanLength[0]);
        assertTrue(meanLength[1] < 90, "random targets in [2, 125] make shorter rows: " + meanLength[1]);
    }
}
