package io.albert4j.tokenizer;

import io.albert4j.tokenizer.SentencePieceModel.Piece;
import io.albert4j.tokenizer.SentencePieceModel.PieceType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A SentencePiece unigram model ready to encode and decode, matching {@code spm_encode}/{@code spm_decode}:
 * normalisation, Viterbi over the piece lattice (user-defined symbols favoured as whole symbols, control and
 * unknown pieces never matched from text, runs of unknown characters merged into one unknown piece, byte
 * fallback when the model has byte pieces), and decoding back to text.
 *
 * <p>Immutable after construction: every encode works on local arrays, so one instance serves many threads.
 * Java strings are UTF-16; input that was invalid UTF-8 has already become U+FFFD when it was decoded into a
 * String (Java's decoders replace malformed input), and U+FFFD then goes through the model's charsmap like any
 * other character (nmt_nfkc deletes it). {@link #encode(byte[], boolean)} takes raw bytes and follows spm exactly:
 * each malformed byte becomes one U+FFFD that the charsmap does not see (usually an unknown piece).
 */
public final class SentencePieceProcessor {
    /** spm's kUnkPenalty: the unknown node scores this much below the lowest piece. */
    private static final float UNK_PENALTY = 10.0f;

    private final SentencePieceModel model;
    private final String[] pieces;
    private final float[] scores;
    private final PieceType[] types;
    private final Map<String, Integer> pieceIds;
    private final ByteTrie trie;
    private final SpmNormalizer normalizer;
    private final int unkId;
    private final int[] byteIds;
    private final boolean byteFallback;
    private final float minScore;
    private final float maxScore;
    private final String unkSurface;

    /** Loads a {@code .model} file; a missing or invalid file is an IOException naming it. */
    public static SentencePieceProcessor load(Path modelFile) throws IOException {
        SentencePieceModel model = SentencePieceModel.load(modelFile);
        try {
            return new SentencePieceProcessor(model);
        } catch (IllegalArgumentException e) {
            throw new IOException(modelFile + ": invalid SentencePiece model: " + e.getMessage(), e);
        }
    }

    /** Checks the vocabulary as spm's model loader does (one unknown piece, no duplicates, byte pieces complete). */
    public SentencePieceProcessor(SentencePieceModel model) {
        this.model = model;
        if (model.trainerSpec().modelType() != SentencePieceModel.TrainerSpec.UNIGRAM) {
            throw new IllegalArgumentException("model_type " + model.trainerSpec().modelType()
                    + " is not supported (only unigram = 1)");
        }
        List<Piece> list = model.pieces();
        int size = list.size();
        pieces = new String[size];
        scores = new float[size];
        types = new PieceType[size];
        pieceIds = new HashMap<>(size * 2);
        byteIds = new int[256];
        Arrays.fill(byteIds, -1);
        byteFallback = model.trainerSpec().byteFallback();
        int unk = -1;
        // spm initialises max_score_ to FLT_MIN (the smallest positive float), which decides user-symbol scores.
        float min = Float.MAX_VALUE;
        float max = Float.MIN_NORMAL;
        List<byte[]> trieKeys = new ArrayList<>();
        List<Integer> trieValues = new ArrayList<>();
        List<byte[]> userSymbols = new ArrayList<>();
        for (int id = 0; id < size; id++) {
            Piece piece = list.get(id);
            pieces[id] = piece.piece();
            scores[id] = piece.score();
            types[id] = piece.type();
            if (pieceIds.putIfAbsent(piece.piece(), id) != null) {
                throw new IllegalArgumentException("piece '" + piece.piece() + "' (id " + id + ") is already defined");
            }
            switch (piece.type()) {
                case NORMAL -> {
                    min = Math.min(min, piece.score());
                    max = Math.max(max, piece.score());
                    trieKeys.add(piece.piece().getBytes(StandardCharsets.UTF_8));
                    trieValues.add(id);
                }
                case USER_DEFINED -> {
                    byte[] bytes = piece.piece().getBytes(StandardCharsets.UTF_8);
                    trieKeys.add(bytes);
                    trieValues.add(id);
                    userSymbols.add(bytes);
                }
                case UNUSED -> { } // in spm's trie but skipped by the encoder: leave it out
                case UNKNOWN -> {
                    if (unk >= 0) {
                        throw new IllegalArgumentException("unk is already defined (ids " + unk + " and " + id + ")");
                    }
                    unk = id;
                }
                case BYTE -> {
                    int value = parseBytePiece(piece.piece());
                    if (value < 0) {
                        throw new IllegalArgumentException("byte piece '" + piece.piece() + "' is not <0x00>..<0xFF>");
                    }
                    byteIds[value] = id;
                }
                case CONTROL -> { }
            }
        }
        if (unk < 0) {
            throw new IllegalArgumentException("unk is not defined (no piece of type UNKNOWN)");
        }
        if (byteFallback) {
            for (int b = 0; b < 256; b++) {
                if (byteIds[b] < 0) {
                    throw new IllegalArgumentException(String.format("byte_fallback is on but <0x%02X> is missing", b));
                }
            }
        }
        unkId = unk;
        minScore = min;
        maxScore = max;
        trie = new ByteTrie(trieKeys.toArray(new byte[0][]), trieValues.stream().mapToInt(Integer::intValue).toArray());
        ByteTrie userTrie = userSymbols.isEmpty() ? null
                : new ByteTrie(userSymbols.toArray(new byte[0][]), new int[userSymbols.size()]);
        SentencePieceModel.NormalizerSpec spec = model.normalizerSpec();
        PrecompiledCharsMap charsMap = null;
        if (spec.precompiledCharsmap() != null) {
            try {
                charsMap = new PrecompiledCharsMap(spec.precompiledCharsmap());
            } catch (ProtoWire.MalformedException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
        normalizer = new SpmNormalizer(charsMap, userTrie, spec.addDummyPrefix(), spec.removeExtraWhitespaces(),
                spec.escapeWhitespaces(), model.trainerSpec().treatWhitespaceAsSuffix());
        unkSurface = model.trainerSpec().unkSurface();
    }

    private static int parseBytePiece(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || !piece.endsWith(">")) {
            return -1;
        }
        try {
            return Integer.parseInt(piece.substring(3, 5), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    public SentencePieceModel model() {
        return model;
    }

    /** Segmentation of one text: piece ids and their surfaces in the normalised text. */
    public record Encoding(int[] ids, String[] pieces) {}

    /** The text after spm normalisation, with "▁" for spaces. */
    public String normalize(String text) {
        return new String(normalizer.normalize(text.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    public int[] encodeIds(String text) {
        return encode(text.getBytes(StandardCharsets.UTF_8), false).ids();
    }

    public String[] encodePieces(String text) {
        return encode(text.getBytes(StandardCharsets.UTF_8), true).pieces();
    }

    public Encoding encode(String text) {
        return encode(text.getBytes(StandardCharsets.UTF_8), true);
    }

    /**
     * Encodes UTF-8 bytes. Malformed UTF-8 is handled as spm does: each bad byte becomes U+FFFD (usually an
     * unknown piece).
     */
    public Encoding encode(byte[] utf8, boolean withPieces) {
        byte[] normalized = normalizer.normalize(utf8);
        int size = normalized.length;
        if (size == 0) {
            return new Encoding(new int[0], withPieces ? new String[0] : null);
        }
        // Viterbi where best[i] is the best path ending at byte i (spm's optimised unigram Encode).
        float[] bestScore = new float[size + 1];
        int[] startsAt = new int[size + 1];
        int[] bestId = new int[size + 1];
        Arrays.fill(startsAt, -1);
        float unkScore = minScore - UNK_PENALTY;
        int start = 0;
        while (start < size) {
            float scoreTillHere = bestScore[start];
            int charLength = Math.min(SpmNormalizer.utf8Length(normalized[start]), size - start);
            boolean hasSingleNode = false;
            int node = 0;
            for (int end = start; end < size; end++) {
                node = trie.child(node, normalized[end]);
                if (node < 0) {
                    break;
                }
                int id = trie.value(node);
                if (id < 0) {
                    continue;
                }
                int length = end + 1 - start;
                // spm gives user symbols length * max_score - 0.1 so they always win. That expression is a double,
                // so spm adds every piece score in double and rounds to float only when storing: ties between
                // equal-score segmentations then break exactly as in spm.
                double score = types[id] == PieceType.USER_DEFINED ? length * maxScore - 0.1 : scores[id];
                double candidate = score + scoreTillHere;
                int target = end + 1;
                if (startsAt[target] == -1 || candidate > bestScore[target]) {
                    bestScore[target] = (float) candidate;
                    startsAt[target] = start;
                    bestId[target] = id;
                }
                if (length == charLength) {
                    hasSingleNode = true;
                }
            }
            if (!hasSingleNode) {
                int target = start + charLength;
                float candidate = unkScore + scoreTillHere;
                if (startsAt[target] == -1 || candidate > bestScore[target]) {
                    bestScore[target] = candidate;
                    startsAt[target] = start;
                    bestId[target] = unkId;
                }
            }
            start += charLength;
        }
        int count = 0;
        for (int end = size; end > 0; end = startsAt[end]) {
            count++;
        }
        int[] spanStart = new int[count];
        int[] spanId = new int[count];
        int index = count;
        for (int end = size; end > 0; end = startsAt[end]) {
            index--;
            spanStart[index] = startsAt[end];
            spanId[index] = bestId[end];
        }
        return assemble(normalized, spanStart, spanId, withPieces);
    }

    /** spm's post-processing: merge consecutive unknown pieces, or split them into bytes under byte fallback. */
    private Encoding assemble(byte[] normalized, int[] spanStart, int[] spanId, boolean withPieces) {
        int count = spanStart.length;
        int[] ids = new int[count];
        int[] starts = new int[count];
        int[] ends = new int[count];
        int out = 0;
        boolean previousUnknown = false;
        for (int i = 0; i < count; i++) {
            int id = spanId[i];
            int from = spanStart[i];
            int to = i + 1 < count ? spanStart[i + 1] : normalized.length;
            boolean unknown = id == unkId;
            if (unknown && byteFallback) {
                int needed = out + (to - from) + (count - i);
                if (needed > ids.length) {
                    ids = Arrays.copyOf(ids, needed);
                    starts = Arrays.copyOf(starts, needed);
                    ends = Arrays.copyOf(ends, needed);
                }
                for (int b = from; b < to; b++) {
                    ids[out] = byteIds[normalized[b] & 0xFF];
                    starts[out] = -1;
                    ends[out] = normalized[b] & 0xFF;
                    out++;
                }
            } else if (unknown && previousUnknown) {
                ends[out - 1] = to;
            } else {
                ids[out] = id;
                starts[out] = from;
                ends[out] = to;
                out++;
            }
            previousUnknown = unknown;
        }
        int[] finalIds = Arrays.copyOf(ids, out);
        String[] finalPieces = null;
        if (withPieces) {
            finalPieces = new String[out];
            for (int i = 0; i < out; i++) {
                finalPieces[i] = starts[i] < 0 ? pieces[ids[i]]
                        : new String(normalized, starts[i], ends[i] - starts[i], StandardCharsets.UTF_8);
            }
        }
        return new Encoding(finalIds, finalPieces);
    }

    /** Text of ids as {@code spm_decode}: control pieces vanish, unknown id shows the unk surface " ⁇ ". */
    public String decodeIds(int[] ids) {
        String[] asPieces = new String[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= pieces.length) {
                throw new IllegalArgumentException("id " + ids[i] + " is out of range [0, " + pieces.length + ")");
            }
            asPieces[i] = pieces[ids[i]];
        }
        return decode(asPieces, ids);
    }

    /** Text of pieces; a piece not in the vocabulary is kept as written (spm treats it as an unknown surface). */
    public String decodePieces(String[] surfaces) {
        int[] ids = new int[surfaces.length];
        for (int i = 0; i < surfaces.length; i++) {
            ids[i] = pieceToId(surfaces[i]);
        }
        return decode(surfaces, ids);
    }

    private String decode(String[] surfaces, int[] ids) {
        StringBuilder text = new StringBuilder();
        PrecompiledCharsMap.ByteBuffer pendingBytes = new PrecompiledCharsMap.ByteBuffer(8);
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (types[id] == PieceType.BYTE) {
                pendingBytes.add((byte) parseBytePiece(pieces[id]));
                continue;
            }
            flushBytes(pendingBytes, text);
            if (types[id] == PieceType.CONTROL) {
                continue;
            }
            if (id == unkId) {
                text.append(surfaces[i].equals(pieces[unkId]) ? unkSurface : surfaces[i]);
                continue;
            }
            String piece = surfaces[i];
            // spm drops the dummy-prefix "▁" of the first piece that produces text (control pieces produce none).
            if (text.length() == 0 && piece.startsWith("\u2581")) {
                piece = piece.substring(1);
            }
            text.append(piece.replace('\u2581', ' '));
        }
        flushBytes(pendingBytes, text);
        return text.toString();
    }

    /** Byte pieces decode as UTF-8; each byte of a malformed sequence becomes U+FFFD (as spm does). */
    private static void flushBytes(PrecompiledCharsMap.ByteBuffer bytes, StringBuilder text) {
        int pos = 0;
        while (pos < bytes.size) {
            int length = SpmNormalizer.utf8Length(bytes.data[pos]);
            String decoded = pos + length <= bytes.size ? strictDecode(bytes.data, pos, length) : null;
            if (decoded == null) {
                text.append('\uFFFD');
                pos++;
            } else {
                text.append(decoded);
                pos += length;
            }
        }
        bytes.size = 0;
    }

    private static String strictDecode(byte[] data, int pos, int length) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(data, pos, length)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }

    public int vocabSize() {
        return pieces.length;
    }

    public String idToPiece(int id) {
        return pieces[id];
    }

    public float score(int id) {
        return scores[id];
    }

    public PieceType type(int id) {
        return types[id];
    }

    /** Id of a piece, or the unknown id. */
    public int pieceToId(String piece) {
        Integer id = pieceIds.get(piece);
        return id == null ? unkId : id;
    }

    /** Id of a piece, or -1 when absent. */
    public int findPiece(String piece) {
        Integer id = pieceIds.get(piece);
        return id == null ? -1 : id;
    }

    public int unkId() {
        return unkId;
    }
}
