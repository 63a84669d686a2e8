package io.albert4j.data;

import io.albert4j.tokenizer.Tokenizer;
import java.util.Arrays;

/**
 * What masking needs to know about a vocabulary: its size, the [CLS]/[SEP]/[MASK] ids and, per id, whether the
 * piece starts a word. Computed once from a {@link Tokenizer}, or read from a shard header so shards need no
 * tokenizer.
 */
public record VocabularyInfo(int vocabSize, int clsId, int sepId, int maskId, boolean[] wordStart) {

    /**
     * Punctuation of GR {@code _is_start_piece_sp}: the string {@code '!"#$%&\"()*+,-./:;?@[\\]^_`{|}~'}. It lists
     * {@code "} twice and has no apostrophe (a typo for {@code \'}), so {@code '} counts as "foreign" and a piece
     * containing it starts a word; we keep that. The original also adds the UTF-8 <em>bytes</em> of € and £, which
     * never equal a str piece; € and £ still start words because they are outside [a-z] and this set.
     */
    static final String START_PUNCTUATION = "!\"#$%&()*+,-./:;?@[\\]^_`{|}~";

    public VocabularyInfo {
        if (wordStart.length != vocabSize) {
            throw new IllegalArgumentException("VocabularyInfo: wordStart has " + wordStart.length
                    + " entries, vocabSize is " + vocabSize);
        }
        for (int id : new int[] {clsId, sepId, maskId}) {
            if (id < 0 || id >= vocabSize) {
                throw new IllegalArgumentException("VocabularyInfo: special id " + id + " outside [0, " + vocabSize + ")");
            }
        }
    }

    public static VocabularyInfo of(Tokenizer tokenizer) {
        int size = tokenizer.vocabSize();
        boolean[] starts = new boolean[size];
        for (int id = 0; id < size; id++) {
            starts[id] = isStartPiece(tokenizer.idToPiece(id));
        }
        return new VocabularyInfo(size, tokenizer.clsId(), tokenizer.sepId(), tokenizer.maskId(), starts);
    }

    /**
     * GR {@code _is_start_piece_sp}: a piece starts a word if it begins with '▁' or '<', is one punctuation
     * character of {@link #START_PUNCTUATION}, or has any character that, lower-cased, is neither a-z nor that
     * punctuation (digits, capitals of other scripts, apostrophes, '▁' inside, ...). Everything else (lower-case
     * ASCII letters, possibly mixed with that punctuation) continues the previous word.
     */
    static boolean isStartPiece(String piece) {
        if (piece.startsWith("▁") || piece.startsWith("<")) {
            return true;
        }
        if (piece.length() == 1 && START_PUNCTUATION.indexOf(piece.charAt(0)) >= 0) {
            return true;
        }
        for (int i = 0; i < piece.length(); ) {
            int cp = piece.codePointAt(i);
            i += Character.charCount(cp);
            String lower = new String(Character.toChars(cp)).toLowerCase(java.util.Locale.ROOT);
            boolean english = lower.length() == 1 && lower.charAt(0) >= 'a' && lower.charAt(0) <= 'z';
            boolean punctuation = lower.length() == 1 && START_PUNCTUATION.indexOf(lower.charAt(0)) >= 0;
            if (!english && !punctuation) {
                return true;
            }
        }
        return false;
    }

    boolean isClsOrSep(int id) {
        return id == clsId || id == sepId;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VocabularyInfo v && v.vocabSize == vocabSize && v.clsId == clsId && v.sepId == sepId
                && v.maskId == maskId && Arrays.equals(v.wordStart, wordStart);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(wordStart) * 31 + vocabSize;
    }
}
