package io.albert4j.data;

import java.util.ArrayList;
import java.util.List;

/**
 * GR {@code create_instances_from_document} with {@code random_next_sentence=False} (albert-spec.md §3) and
 * {@code truncate_seq_pair}, without the masking step.
 *
 * <p>Draw order per document (one {@link DeterministicRandom} per document): short-target coin and length; then per
 * chunk {@code a_end}, then either the random document (up to 10 index draws) and its start sentence, or the swap
 * coin; then one coin per truncated token.
 */
final class SegmentPairBuilder {
    private final int maxSeqLength;
    private final double shortSeqProb;
    private final int clsId;
    private final int sepId;

    SegmentPairBuilder(int maxSeqLength, double shortSeqProb, int clsId, int sepId) {
        this.maxSeqLength = maxSeqLength;
        this.shortSeqProb = shortSeqProb;
        this.clsId = clsId;
        this.sepId = sepId;
    }

    /**
     * Rows of document {@code documentIndex}; {@code documents} (the shuffle window) supplies B for one-sentence
     * chunks.
     */
    List<SegmentPair> build(List<int[][]> documents, int documentIndex, DeterministicRandom rng) {
        int[][] document = documents.get(documentIndex);
        int maxNumTokens = maxSeqLength - 3; // room for [CLS], [SEP], [SEP]
        int targetSeqLength = targetSeqLength(rng);
        List<SegmentPair> pairs = new ArrayList<>();
        List<int[]> chunk = new ArrayList<>();
        int chunkLength = 0;
        int i = 0;
        while (i < document.length) {
            chunk.add(document[i]);
            chunkLength += document[i].length;
            if (i == document.length - 1 || chunkLength >= targetSeqLength) {
                int aEnd = chunk.size() >= 2 ? rng.nextIntInclusive(1, chunk.size() - 1) : 1;
                TokenRun a = TokenRun.concat(chunk.subList(0, aEnd));
                TokenRun b;
                int label;
                if (chunk.size() == 1) {
                    label = 1;
                    b = randomNextSegment(documents, documentIndex, targetSeqLength - a.length(), rng);
                    i -= chunk.size() - aEnd; // the original "puts back" unused sentences (none for one sentence)
                } else if (rng.nextDouble() < 0.5) {
                    label = 1;
                    b = a;
                    a = TokenRun.concat(chunk.subList(aEnd, chunk.size()));
                } else {
                    label = 0;
                    b = TokenRun.concat(chunk.subList(aEnd, chunk.size()));
                }
                truncateSeqPair(a, b, maxNumTokens, rng);
                pairs.add(layout(a, b, label));
                chunk.clear();
                chunkLength = 0;
            }
            i++;
        }
        return pairs;
    }

    /** Chosen once per document, as in the original: with shortSeqProb a random length in [2, max_num_tokens]. */
    int targetSeqLength(DeterministicRandom rng) {
        int maxNumTokens = maxSeqLength - 3;
        return rng.nextDouble() < shortSeqProb ? rng.nextIntInclusive(2, maxNumTokens) : maxNumTokens;
    }

    private static TokenRun randomNextSegment(List<int[][]> documents, int documentIndex, int targetLength,
                                              DeterministicRandom rng) {
        int randomIndex = documentIndex;
        for (int attempt = 0; attempt < 10; attempt++) { // a window of one document falls back to itself
            randomIndex = rng.nextIntInclusive(0, documents.size() - 1);
            if (randomIndex != documentIndex) {
                break;
            }
        }
        int[][] randomDocument = documents.get(randomIndex);
        int start = rng.nextIntInclusive(0, randomDocument.length - 1);
        List<int[]> taken = new ArrayList<>();
        int length = 0;
        for (int j = start; j < randomDocument.length; j++) {
            taken.add(randomDocument[j]);
            length += randomDocument[j].length;
            if (length >= targetLength) {
                break;
            }
        }
        return TokenRun.concat(taken);
    }

    /** Trims the longer side (B on ties) one token at a time, from the front or back with equal chance. */
    static void truncateSeqPair(TokenRun a, TokenRun b, int maxNumTokens, DeterministicRandom rng) {
        while (a.length() + b.length() > maxNumTokens) {
            TokenRun longer = a.length() > b.length() ? a : b;
            if (rng.nextDouble() < 0.5) {
                longer.dropFirst();
            } else {
                longer.dropLast();
            }
        }
    }

    private SegmentPair layout(TokenRun a, TokenRun b, int label) {
        int length = a.length() + b.length() + 3;
        int[] tokens = new int[length];
        int[] segments = new int[length];
        int k = 0;
        tokens[k++] = clsId;
        k = a.copyTo(tokens, k);
        tokens[k++] = sepId;
        int bStart = k;
        k = b.copyTo(tokens, k);
        tokens[k] = sepId;
        for (int p = bStart; p < length; p++) {
            segments[p] = 1;
        }
        return new SegmentPair(tokens, segments, label);
    }

    /** A token sequence that can lose tokens at either end without copying. */
    static final class TokenRun {
        private final int[] ids;
        private int start;
        private int end;

        TokenRun(int[] ids) {
            this.ids = ids;
            this.end = ids.length;
        }

        static TokenRun concat(List<int[]> sentences) {
            int total = 0;
            for (int[] s : sentences) {
                total += s.length;
            }
            int[] ids = new int[total];
            int k = 0;
            for (int[] s : sentences) {
                System.arraycopy(s, 0, ids, k, s.length);
                k += s.length;
            }
            return new TokenRun(ids);
        }

        int length() {
            return end - start;
        }

        void dropFirst() {
            start++;
        }

        void dropLast() {
            end--;
        }

        int copyTo(int[] target, int offset) {
            System.arraycopy(ids, start, target, offset, length());
            return offset + length();
        }
    }
}
