package io.albert4j.tasks;

import io.albert4j.tokenizer.AlbertTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * A text's SentencePiece tokens with the character span each covers in the original text, so that a predicted
 * token span maps back to the exact original characters through ALBERT's pre-processing (lower-casing, accents
 * stripped, NFKD, quotes): what SQuAD answers need.
 *
 * <p>The text is cut into whitespace-separated words (ALBERT's pre-processing collapses whitespace and SentencePiece
 * pieces never cross a space, so the tokens are those of the whole text) and each word is tokenized on its own.
 * Each original character is pre-processed alone to learn which normalised characters it became; the pieces'
 * surface is then aligned to that normalised word by a longest-common-subsequence match (GR's squad_utils aligns
 * the whole paragraph the same way), which survives a normalisation the per-character view misses.
 *
 * @param ids      piece ids
 * @param starts   first original character (UTF-16 index) of each piece
 * @param ends     one past the last original character of each piece
 * @param words    the whitespace word each piece belongs to
 */
public record TokenOffsets(int[] ids, int[] starts, int[] ends, int[] words) {
    private static final String SPACE_SYMBOL = "\u2581";

    public int size() {
        return ids.length;
    }

    public static TokenOffsets of(AlbertTokenizer tokenizer, String text) {
        List<int[]> rows = new ArrayList<>(); // {id, start, end, word}
        int word = 0;
        int i = 0;
        while (i < text.length()) {
            int c = text.codePointAt(i);
            if (isSpace(c)) {
                i += Character.charCount(c);
                continue;
            }
            int start = i;
            while (i < text.length() && !isSpace(text.codePointAt(i))) {
                i += Character.charCount(text.codePointAt(i));
            }
            addWord(tokenizer, text, start, i, word++, rows);
        }
        int n = rows.size();
        int[] ids = new int[n];
        int[] starts = new int[n];
        int[] ends = new int[n];
        int[] words = new int[n];
        for (int k = 0; k < n; k++) {
            ids[k] = rows.get(k)[0];
            starts[k] = rows.get(k)[1];
            ends[k] = rows.get(k)[2];
            words[k] = rows.get(k)[3];
        }
        return new TokenOffsets(ids, starts, ends, words);
    }

    /** Python's str.split() whitespace, as ALBERT's pre-processing uses. */
    private static boolean isSpace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85;
    }

    private static void addWord(AlbertTokenizer tokenizer, String text, int from, int to, int word, List<int[]> rows) {
        String original = text.substring(from, to);
        String[] pieces = tokenizer.encodeAsPieces(original);
        if (pieces.length == 0) {
            return; // a word the pre-processing removes entirely (only combining marks)
        }
        // The normalised word, and the original character each normalised character came from.
        StringBuilder normalized = new StringBuilder();
        List<Integer> origin = new ArrayList<>();
        for (int k = from; k < to; ) {
            int c = text.codePointAt(k);
            int width = Character.charCount(c);
            String alone = tokenizer.preprocess(new String(Character.toChars(c)));
            for (int m = 0; m < alone.length(); m++) {
                normalized.append(alone.charAt(m));
                origin.add(k);
            }
            k += width;
        }
        // The pieces' surface, and the piece each surface character belongs to.
        StringBuilder surface = new StringBuilder();
        List<Integer> pieceOf = new ArrayList<>();
        for (int p = 0; p < pieces.length; p++) {
            String s = pieces[p].replace(SPACE_SYMBOL, "");
            for (int m = 0; m < s.length(); m++) {
                surface.append(s.charAt(m));
                pieceOf.add(p);
            }
        }
        int[] matched = align(surface, normalized);
        int[] pieceStart = new int[pieces.length];
        int[] pieceEnd = new int[pieces.length];
        java.util.Arrays.fill(pieceStart, -1);
        for (int s = 0; s < matched.length; s++) {
            if (matched[s] < 0) {
                continue;
            }
            int p = pieceOf.get(s);
            int at = origin.get(matched[s]);
            int end = at + Character.charCount(text.codePointAt(at));
            pieceStart[p] = pieceStart[p] < 0 ? at : Math.min(pieceStart[p], at);
            pieceEnd[p] = Math.max(pieceEnd[p], end);
        }
        // Pieces with no matched character (an unknown piece, a bare "▁") take the gap between their neighbours.
        for (int p = 0; p < pieces.length; p++) {
            if (pieceStart[p] < 0) {
                int left = from;
                for (int q = p - 1; q >= 0; q--) {
                    if (pieceStart[q] >= 0) {
                        left = pieceEnd[q];
                        break;
                    }
                }
                int right = to;
                for (int q = p + 1; q < pieces.length; q++) {
                    if (pieceStart[q] >= 0) {
                        right = pieceStart[q];
                        break;
                    }
                }
                pieceStart[p] = left;
                pieceEnd[p] = Math.max(left, right);
            }
        }
        for (int p = 0; p < pieces.length; p++) {
            rows.add(new int[] {tokenizer.pieceToId(pieces[p]), pieceStart[p], pieceEnd[p], word});
        }
    }

    /** For each character of {@code a}, the index of the character of {@code b} it matches in an LCS, or -1. */
    static int[] align(CharSequence a, CharSequence b) {
        int[] matched = new int[a.length()];
        if (a.toString().contentEquals(b)) {
            for (int k = 0; k < matched.length; k++) {
                matched[k] = k;
            }
            return matched;
        }
        int n = a.length();
        int m = b.length();
        if ((long) n * m > 4_000_000L) {
            // A very long "word" (a URL, a run of symbols): proportional positions, not a quadratic table.
            for (int k = 0; k < n; k++) {
                matched[k] = m == 0 ? -1 : (int) ((long) k * m / n);
            }
            return matched;
        }
        int[][] lcs = new int[n + 1][m + 1];
        for (int x = n - 1; x >= 0; x--) {
            for (int y = m - 1; y >= 0; y--) {
                lcs[x][y] = a.charAt(x) == b.charAt(y) ? lcs[x + 1][y + 1] + 1 : Math.max(lcs[x + 1][y], lcs[x][y + 1]);
            }
        }
        java.util.Arrays.fill(matched, -1);
        int x = 0;
        int y = 0;
        while (x < n && y < m) {
            if (a.charAt(x) == b.charAt(y)) {
                matched[x++] = y++;
            } else if (lcs[x + 1][y] >= lcs[x][y + 1]) {
                x++;
            } else {
                y++;
            }
        }
        return matched;
    }
}
