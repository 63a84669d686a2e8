package io.albert4j.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * N-gram whole-word masking of GR {@code create_masked_lm_predictions} (albert-spec.md §3), with every draw taken
 * from the one {@link DeterministicRandom} passed in (the original draws n from unseeded {@code np.random}).
 *
 * <p>Draw order per row, which fixes reproducibility: one shuffle of the word indices; then for each n-gram tried,
 * one {@code nextDouble} for n; then per masked token one {@code nextDouble} (80% [MASK]), and if not masked a
 * second one (half original) and if random a {@code nextInt(vocabSize)}.
 */
final class NgramMasker {
    private final VocabularyInfo vocabulary;
    private final double maskedLmProb;
    private final int maxPredictions;
    private final double[] ngramCumulative;
    private IntConsumer sampledNgramListener = n -> { };

    NgramMasker(VocabularyInfo vocabulary, double maskedLmProb, int maxPredictions, int ngram) {
        this.vocabulary = vocabulary;
        this.maskedLmProb = maskedLmProb;
        this.maxPredictions = maxPredictions;
        // p(n) = (1/n) / sum_{k<=N} 1/k favours short n-grams (GR favor_shorter_ngram=True): 6/11, 3/11, 2/11 for N=3.
        double[] weights = new double[ngram];
        double sum = 0;
        for (int n = 1; n <= ngram; n++) {
            weights[n - 1] = 1.0 / n;
            sum += weights[n - 1];
        }
        ngramCumulative = new double[ngram];
        double running = 0;
        for (int n = 0; n < ngram; n++) {
            running += weights[n] / sum;
            ngramCumulative[n] = running;
        }
    }

    /** Tests observe the sampled n (in words, before shrinking to fit the budget). */
    void onSampledNgram(IntConsumer listener) {
        this.sampledNgramListener = listener;
    }

    /** Number of tokens to predict in a row of {@code length} tokens (Python's round() is half-to-even, as rint). */
    int numToPredict(int length) {
        return Math.min(maxPredictions, Math.max(1, (int) Math.rint(length * maskedLmProb)));
    }

    MaskedTokens mask(int[] tokens, DeterministicRandom rng) {
        int[] output = tokens.clone();
        if (maskedLmProb == 0) {
            return new MaskedTokens(output, new int[0], new int[0]);
        }
        List<int[]> words = wholeWords(tokens);
        int budget = numToPredict(tokens.length);

        int[] wordOrder = new int[words.size()];
        Arrays.setAll(wordOrder, i -> i);
        rng.shuffle(wordOrder);

        boolean[] covered = new boolean[tokens.length];
        int[] positions = new int[budget];
        int masked = 0;
        for (int firstWord : wordOrder) {
            if (masked >= budget) {
                break;
            }
            int n = sampleNgram(rng);
            sampledNgramListener.accept(n);
            int[] indexSet = ngramTokens(words, firstWord, n);
            // Shrink the n-gram until it fits the remaining budget; skip it if even one word does not fit.
            while (masked + indexSet.length > budget && n > 1) {
                n--;
                indexSet = ngramTokens(words, firstWord, n);
            }
            if (masked + indexSet.length > budget || anyCovered(indexSet, covered)) {
                continue;
            }
            for (int index : indexSet) {
                covered[index] = true;
                if (rng.nextDouble() < 0.8) {
                    output[index] = vocabulary.maskId();
                } else if (rng.nextDouble() >= 0.5) {
                    output[index] = rng.nextInt(vocabulary.vocabSize()); // whole vocab, special pieces included
                }
                positions[masked++] = index;
            }
        }
        int[] sortedPositions = Arrays.copyOf(positions, masked);
        Arrays.sort(sortedPositions);
        int[] labels = new int[masked];
        for (int i = 0; i < masked; i++) {
            labels[i] = tokens[sortedPositions[i]];
        }
        return new MaskedTokens(output, sortedPositions, labels);
    }

    /**
     * Groups token positions into whole words as the original does: [CLS]/[SEP] are skipped; a piece that does not
     * start a word joins the previous word, even across a [SEP] (the original's loop does the same), and the very
     * first candidate always opens a word.
     */
    List<int[]> wholeWords(int[] tokens) {
        List<int[]> words = new ArrayList<>();
        for (int i = 0; i < tokens.length; i++) {
            int id = tokens[i];
            if (vocabulary.isClsOrSep(id)) {
                continue;
            }
            if (!words.isEmpty() && !vocabulary.wordStart()[id]) {
                int[] last = words.getLast();
                int[] grown = Arrays.copyOf(last, last.length + 1);
                grown[last.length] = i;
                words.set(words.size() - 1, grown);
            } else {
                words.add(new int[] {i});
            }
        }
        return words;
    }

    private int sampleNgram(DeterministicRandom rng) {
        double u = rng.nextDouble();
        for (int n = 0; n < ngramCumulative.length - 1; n++) {
            if (u < ngramCumulative[n]) {
                return n + 1;
            }
        }
        return ngramCumulative.length;
    }

    /** Token positions of words [first, first+n), fewer words near the end (the original's list slice). */
    private static int[] ngramTokens(List<int[]> words, int first, int n) {
        int end = Math.min(words.size(), first + n);
        int count = 0;
        for (int w = first; w < end; w++) {
            count += words.get(w).length;
        }
        int[] result = new int[count];
        int k = 0;
        for (int w = first; w < end; w++) {
            for (int index : words.get(w)) {
                result[k++] = index;
            }
        }
        return result;
    }

    private static boolean anyCovered(int[] indexSet, boolean[] covered) {
        for (int index : indexSet) {
            if (covered[index]) {
                return true;
            }
        }
        return false;
    }
}
