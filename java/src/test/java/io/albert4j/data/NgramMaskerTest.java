package io.albert4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NgramMaskerTest {
    private final FakeTokenizer tokenizer = new FakeTokenizer();
    private final VocabularyInfo vocabulary = VocabularyInfo.of(tokenizer);

    /** [CLS] words of the sentence [SEP] more words [SEP]. */
    private int[] row(Random random, int wordsA, int wordsB) {
        List<Integer> ids = new ArrayList<>();
        ids.add(2);
        for (int w = 0; w < wordsA; w++) {
            for (int id : tokenizer.encode(TestCorpus.word(random))) {
                ids.add(id);
            }
        }
        ids.add(3);
        for (int w = 0; w < wordsB; w++) {
            for (int id : tokenizer.encode(TestCorpus.word(random))) {
                ids.add(id);
            }
        }
        ids.add(3);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void startPieceRuleFollowsTheOriginal() {
        assertTrue(VocabularyInfo.isStartPiece("▁the"));
        assertTrue(VocabularyInfo.isStartPiece("<unk>"));
        assertTrue(VocabularyInfo.isStartPiece("."));
        assertTrue(VocabularyInfo.isStartPiece("€"));
        assertTrue(VocabularyInfo.isStartPiece("£"));
        assertTrue(VocabularyInfo.isStartPiece("3"), "digits are outside [a-z] and punctuation");
        assertTrue(VocabularyInfo.isStartPiece("n't"), "the original's set has no apostrophe");
        assertTrue(VocabularyInfo.isStartPiece("é"));
        assertFalse(VocabularyInfo.isStartPiece("ing"));
        assertFalse(VocabularyInfo.isStartPiece("Ing"), "letters are compared lower-cased");
        assertFalse(VocabularyInfo.isStartPiece("a-b"), "letters mixed with listed punctuation continue a word");
    }

    @Test
    void wholeWordsSkipClsSepAndJoinContinuationPieces() {
        NgramMasker masker = new NgramMasker(vocabulary, 0.15, 20, 3);
        int[] tokens = tokenizer.encode("abcde fg");   // ▁ab cd e ▁fg
        int[] row = {2, tokens[0], tokens[1], tokens[2], tokens[3], 3, tokenizer.pieceToId("xy"), 3};
        List<int[]> words = masker.wholeWords(row);
        assertEquals(2, words.size());
        assertArrayEquals(new int[] {1, 2, 3}, words.get(0));
        // "xy" continues a word, and like the original it joins the last word even across [SEP].
        assertArrayEquals(new int[] {4, 6}, words.get(1));
    }

    @Test
    void numToPredictRoundsHalfToEvenAndCaps() {
        NgramMasker masker = new NgramMasker(vocabulary, 0.15, 20, 3);
        assertEquals(1, masker.numToPredict(3));   // max(1, round(0.45))
        assertEquals(2, masker.numToPredict(10));  // round(1.5) = 2 (half to even)
        assertEquals(19, masker.numToPredict(128)); // round(19.2)
        assertEquals(20, masker.numToPredict(512)); // capped at max_predictions_per_seq
    }

    @Test
    void masksWholeWordsAtFifteenPercentCappedAtTwenty() {
        NgramMasker masker = new NgramMasker(vocabulary, 0.15, 20, 3);
        Random random = new Random(1);
        long maskedShort = 0;
        long tokensShort = 0;
        int longRowsAtCap = 0;
        for (int trial = 0; trial < 1000; trial++) {
            boolean isLong = trial % 2 == 0;
            int[] row = isLong ? row(random, 120, 120) : row(random, 10, 10);
            MaskedTokens masked = masker.mask(row, new DeterministicRandom(trial));
            int count = masked.maskedPositions().length;
            int budget = masker.numToPredict(row.length);
            assertTrue(count <= budget, "never more than num_to_predict");
            if (isLong) {
                assertEquals(20, budget);
                longRowsAtCap += count == 20 ? 1 : 0;
            } else {
                maskedShort += count;
                tokensShort += row.length;
            }
            // Sorted positions, labels are the original ids, [CLS]/[SEP] never chosen.
            for (int m = 0; m < count; m++) {
                int position = masked.maskedPositions()[m];
                if (m > 0) {
                    assertTrue(position > masked.maskedPositions()[m - 1]);
                }
                assertEquals(row[position], masked.maskedLabels()[m]);
                assertFalse(row[position] == 2 || row[position] == 3, "[CLS]/[SEP] masked");
            }
            // Whole words: each word is masked entirely or not at all.
            boolean[] isMasked = new boolean[row.length];
            for (int position : masked.maskedPositions()) {
                isMasked[position] = true;
            }
            for (int[] word : masker.wholeWords(row)) {
                for (int position : word) {
                    assertEquals(isMasked[word[0]], isMasked[position], "word partly masked in trial " + trial);
                }
            }
        }
        double rate = (double) maskedShort / tokensShort;
        assertEquals(0.15, rate, 0.02, "masking rate on short rows");
        assertTrue(longRowsAtCap > 450, "long rows reach the cap of 20 almost always: " + longRowsAtCap);
    }

    @Test
    void replacementIsEightyTenTenPerToken() {
        NgramMasker masker = new NgramMasker(vocabulary, 0.15, 20, 3);
        Random random = new Random(2);
        long total = 0;
        long mask = 0;
        long kept = 0;
        for (int trial = 0; trial < 3000; trial++) {
            int[] row = row(random, 60, 60);
            MaskedTokens masked = masker.mask(row, new DeterministicRandom(1000 + trial));
            for (int position : masked.maskedPositions()) {
                total++;
                int now = masked.inputIds()[position];
                if (now == 4) {
                    mask++;
                } else if (now == row[position]) {
                    kept++;
                }
            }
        }
        assertEquals(0.8, (double) mask / total, 0.01);
        assertEquals(0.1, (double) kept / total, 0.01);
        assertEquals(0.1, (double) (total - mask - kept) / total, 0.01);
    }

    @Test
    void ngramLengthsFollowOneOverN() {
        NgramMasker masker = new NgramMasker(vocabulary, 0.15, 20, 3);
        long[] counts = new long[4];
        masker.onSampledNgram(n -> counts[n]++);
        Random random = new Random(3);
        for (int trial = 0; trial < 3000; trial++) {
            masker.mask(row(random, 60, 60), new DeterministicRandom(5000 + trial));
        }
        double total = counts[1] + counts[2] + counts[3];
        assertTrue(total > 20000);
        assertEquals(6.0 / 11, counts[1] / total, 0.01);
        assertEquals(3.0 / 11, counts[2] / total, 0.01);
        assertEquals(2.0 / 11, counts[3] / total, 0.01);
    }

    @Test
    void zeroProbabilityMasksNothing() {
        NgramMasker masker = new NgramMasker(vocabulary, 0.0, 20, 3);
        int[] row = row(new Random(4), 10, 10);
        MaskedTokens masked = masker.mask(row, new DeterministicRandom(1));
        assertArrayEquals(row, masked.inputIds());
        assertEquals(0, masked.maskedPositions().length);
    }

    @Test
    void sameStreamSameMasks() {
        NgramMasker masker = new NgramMasker(vocabulary, 0.15, 20, 3);
        int[] row = row(new Random(5), 30, 30);
        MaskedTokens first = masker.mask(row, DeterministicRandom.derive(7, DeterministicRandom.MASKING, 1, 2));
        MaskedTokens second = masker.mask(row, DeterministicRandom.derive(7, DeterministicRandom.MASKING, 1, 2));
        MaskedTokens other = masker.mask(row, DeterministicRandom.derive(8, DeterministicRandom.MASKING, 1, 2));
        assertArrayEquals(first.inputIds(), second.inputIds());
        assertArrayEquals(first.maskedPositions(), second.maskedPositions());
        assertFalse(java.util.Arrays.equals(first.maskedPositions(), other.maskedPositions()));
    }
}
