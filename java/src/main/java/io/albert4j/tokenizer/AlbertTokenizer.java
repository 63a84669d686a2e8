package io.albert4j.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * ALBERT's tokenizer: the pre-processing of google-research/albert {@code preprocess_text} plus the HF slow
 * tokenizer's {@code ``}/{@code ''} → {@code "} mapping, then SentencePiece, then the {@code encode_pieces}
 * digit-comma re-split. Special ids as released: {@code <pad>} 0, {@code <unk>} 1, [CLS] 2, [SEP] 3, [MASK] 4.
 * Thread-safe (immutable).
 */
public final class AlbertTokenizer implements Tokenizer {
    private static final String SPACE_SYMBOL = "\u2581";

    private final SentencePieceProcessor spm;
    private final AlbertTokenizerSettings settings;
    private final int padId;
    private final int clsId;
    private final int sepId;
    private final int maskId;

    /** Ids and token types of {@code [CLS] A [SEP]} or {@code [CLS] A [SEP] B [SEP]}. */
    public record Encoding(int[] ids, int[] tokenTypeIds) {}

    public AlbertTokenizer(SentencePieceProcessor spm, boolean doLowerCase) {
        this(spm, AlbertTokenizerSettings.ALBERT.withDoLowerCase(doLowerCase));
    }

    public AlbertTokenizer(SentencePieceProcessor spm, AlbertTokenizerSettings settings) {
        this.spm = spm;
        this.settings = settings;
        this.padId = requirePiece(spm, settings.padToken());
        this.clsId = requirePiece(spm, settings.clsToken());
        this.sepId = requirePiece(spm, settings.sepToken());
        this.maskId = requirePiece(spm, settings.maskToken());
    }

    /** Loads a model with ALBERT's defaults (lower-casing on, as for all released English models). */
    public static AlbertTokenizer load(Path modelFile) throws IOException {
        return load(modelFile, AlbertTokenizerSettings.ALBERT);
    }

    /** Loads a model with the given settings (e.g. those of a model directory's tokenizer_config.json). */
    public static AlbertTokenizer load(Path modelFile, AlbertTokenizerSettings settings) throws IOException {
        SentencePieceProcessor spm = SentencePieceProcessor.load(modelFile);
        try {
            return new AlbertTokenizer(spm, settings);
        } catch (IllegalArgumentException e) {
            throw new IOException(modelFile + ": " + e.getMessage(), e);
        }
    }

    public AlbertTokenizerSettings settings() {
        return settings;
    }

    private static int requirePiece(SentencePieceProcessor spm, String piece) {
        int id = spm.findPiece(piece);
        if (id < 0) {
            throw new IllegalArgumentException("not an ALBERT vocabulary: piece " + piece + " is missing");
        }
        return id;
    }

    public SentencePieceProcessor sentencePiece() {
        return spm;
    }

    /**
     * {@code preprocess_text}: collapse whitespace, map {@code ``} and {@code ''} to {@code "}, NFKD and drop
     * combining marks, lower-case. Python's {@code unicodedata.combining(c) != 0} is approximated by the
     * non-spacing-mark category (Java exposes no canonical combining class); they differ only for a few rare marks.
     */
    public String preprocess(String text) {
        return preprocess(text, settings);
    }

    /** {@link #preprocess(String)} without a model: what an uncased ALBERT tokenizer must be trained on. */
    public static String preprocess(String text, boolean doLowerCase) {
        return preprocess(text, AlbertTokenizerSettings.ALBERT.withDoLowerCase(doLowerCase));
    }

    /** HF {@code AlbertTokenizer.preprocess_text} with {@code remove_space}, {@code keep_accents}, {@code do_lower_case}. */
    public static String preprocess(String text, AlbertTokenizerSettings settings) {
        String collapsed = settings.removeSpace() ? collapseWhitespace(text) : text;
        String quoted = collapsed.replace("``", "\"").replace("''", "\"");
        String result = quoted;
        if (!settings.keepAccents()) {
            String decomposed = Normalizer.normalize(quoted, Normalizer.Form.NFKD);
            StringBuilder kept = new StringBuilder(decomposed.length());
            decomposed.codePoints().filter(c -> Character.getType(c) != Character.NON_SPACING_MARK)
                    .forEach(kept::appendCodePoint);
            result = kept.toString();
        }
        return settings.doLowerCase() ? result.toLowerCase(Locale.ROOT) : result;
    }

    /** Python's {@code " ".join(s.strip().split())}: str.split() splits on Unicode whitespace incl. NBSP. */
    static String collapseWhitespace(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean pendingSpace = false;
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (isPythonSpace(c)) {
                pendingSpace = out.length() > 0;
            } else {
                if (pendingSpace) {
                    out.append(' ');
                    pendingSpace = false;
                }
                out.appendCodePoint(c);
            }
        }
        return out.toString();
    }

    private static boolean isPythonSpace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85;
    }

    @Override
    public String[] encodeAsPieces(String text) {
        String[] pieces = spm.encodePieces(preprocess(text));
        List<String> out = null;
        for (int i = 0; i < pieces.length; i++) {
            String piece = pieces[i];
            if (endsWithDigitComma(piece)) {
                if (out == null) {
                    out = new ArrayList<>(Arrays.asList(pieces).subList(0, i));
                }
                out.addAll(resplitDigitComma(piece));
            } else if (out != null) {
                out.add(piece);
            }
        }
        return out == null ? pieces : out.toArray(new String[0]);
    }

    /** GR/HF {@code encode_pieces}: a piece like "▁3,0," with a digit before its final comma. */
    private static boolean endsWithDigitComma(String piece) {
        int length = piece.length();
        if (length < 2 || piece.charAt(length - 1) != ',') {
            return false;
        }
        int before = piece.codePointBefore(length - 1);
        return piece.codePointCount(0, length) > 1 && Character.isDigit(before);
    }

    private List<String> resplitDigitComma(String piece) {
        String withoutComma = piece.substring(0, piece.length() - 1).replace(SPACE_SYMBOL, "");
        List<String> current = new ArrayList<>(Arrays.asList(spm.encodePieces(withoutComma)));
        if (!piece.startsWith(SPACE_SYMBOL) && !current.isEmpty() && current.get(0).startsWith(SPACE_SYMBOL)) {
            if (current.get(0).length() == 1) {
                current.remove(0);
            } else {
                current.set(0, current.get(0).substring(1));
            }
        }
        current.add(",");
        return current;
    }

    @Override
    public int[] encode(String text) {
        String[] pieces = encodeAsPieces(text);
        int[] ids = new int[pieces.length];
        for (int i = 0; i < pieces.length; i++) {
            ids[i] = spm.pieceToId(pieces[i]);
        }
        return ids;
    }

    /** {@code [CLS] A [SEP]} with token types 0. */
    public Encoding encodeSingle(String a, int maxLength) {
        return encodePair(a, null, maxLength);
    }

    /**
     * {@code [CLS] A [SEP] B [SEP]}, token type 0 for CLS+A+SEP and 1 for B+SEP; the pair is truncated to
     * {@code maxLength} longest-first (one token at a time from the end of the longer side, B on ties).
     */
    public Encoding encodePair(String a, String b, int maxLength) {
        int special = b == null ? 2 : 3;
        if (maxLength < special) {
            throw new IllegalArgumentException("maxLength " + maxLength + " leaves no room for " + special
                    + " special tokens");
        }
        int[] first = encode(a);
        int[] second = b == null ? new int[0] : encode(b);
        int lengthA = first.length;
        int lengthB = second.length;
        while (lengthA + lengthB + special > maxLength) {
            if (lengthA > lengthB) {
                lengthA--;
            } else {
                lengthB--;
            }
        }
        int total = lengthA + lengthB + special;
        int[] ids = new int[total];
        int[] types = new int[total];
        int pos = 0;
        ids[pos++] = clsId;
        System.arraycopy(first, 0, ids, pos, lengthA);
        pos += lengthA;
        ids[pos++] = sepId;
        if (b != null) {
            int startB = pos;
            System.arraycopy(second, 0, ids, pos, lengthB);
            pos += lengthB;
            ids[pos++] = sepId;
            Arrays.fill(types, startB, total, 1);
        }
        return new Encoding(ids, types);
    }

    @Override
    public String decode(int[] ids) {
        return spm.decodeIds(ids);
    }

    @Override
    public int vocabSize() {
        return spm.vocabSize();
    }

    @Override
    public String idToPiece(int id) {
        return spm.idToPiece(id);
    }

    @Override
    public int pieceToId(String piece) {
        return spm.pieceToId(piece);
    }

    @Override
    public int padId() {
        return padId;
    }

    @Override
    public int unkId() {
        return spm.unkId();
    }

    @Override
    public int clsId() {
        return clsId;
    }

    @Override
    public int sepId() {
        return sepId;
    }

    @Override
    public int maskId() {
        return maskId;
    }

    @Override
    public boolean isControl(int id) {
        SentencePieceModel.PieceType type = spm.type(id);
        return type == SentencePieceModel.PieceType.CONTROL || type == SentencePieceModel.PieceType.USER_DEFINED
                || type == SentencePieceModel.PieceType.UNKNOWN;
    }
}
