package io.albert4j.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The contents of a SentencePiece {@code .model} file (protobuf {@code ModelProto}): the pieces with score and
 * type, the normaliser settings and the few trainer settings that change encoding and decoding. Read and written
 * with {@link ProtoWire}; field numbers are those of spm's {@code sentencepiece_model.proto}.
 */
public final class SentencePieceModel {
    /** {@code ModelProto.SentencePiece.Type}. */
    public enum PieceType {
        NORMAL(1), UNKNOWN(2), CONTROL(3), USER_DEFINED(4), UNUSED(5), BYTE(6);

        final int code;

        PieceType(int code) {
            this.code = code;
        }

        static PieceType of(int code) {
            for (PieceType type : values()) {
                if (type.code == code) {
                    return type;
                }
            }
            return null;
        }
    }

    /** One vocabulary entry. */
    public record Piece(String piece, float score, PieceType type) {}

    /** {@code NormalizerSpec}; proto defaults: dummy prefix, extra-whitespace removal and escaping all on. */
    public record NormalizerSpec(String name, byte[] precompiledCharsmap, boolean addDummyPrefix,
            boolean removeExtraWhitespaces, boolean escapeWhitespaces) {
        byte[] encode() {
            ProtoWire.Writer writer = new ProtoWire.Writer();
            if (name != null) {
                writer.string(1, name);
            }
            if (precompiledCharsmap != null) {
                writer.bytes(2, precompiledCharsmap);
            }
            return writer.bool(3, addDummyPrefix).bool(4, removeExtraWhitespaces).bool(5, escapeWhitespaces)
                    .toByteArray();
        }
    }

    /** The {@code TrainerSpec} fields that matter after training, plus the raw message to write it back unchanged. */
    public record TrainerSpec(int modelType, boolean byteFallback, boolean treatWhitespaceAsSuffix, String unkSurface,
            byte[] raw) {
        static final int UNIGRAM = 1;
        /** spm's default {@code unk_surface}: " ⁇ ". */
        static final String DEFAULT_UNK_SURFACE = " \u2047 ";
    }

    private final List<Piece> pieces;
    private final TrainerSpec trainerSpec;
    private final NormalizerSpec normalizerSpec;

    public SentencePieceModel(List<Piece> pieces, TrainerSpec trainerSpec, NormalizerSpec normalizerSpec) {
        this.pieces = List.copyOf(pieces);
        this.trainerSpec = trainerSpec;
        this.normalizerSpec = normalizerSpec;
    }

    public List<Piece> pieces() {
        return pieces;
    }

    public TrainerSpec trainerSpec() {
        return trainerSpec;
    }

    public NormalizerSpec normalizerSpec() {
        return normalizerSpec;
    }

    /** Reads a {@code .model} file; any problem is an IOException whose message names the file. */
    public static SentencePieceModel load(Path file) throws IOException {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "SentencePiece model not found");
        }
        return parse(data, file.toString());
    }

    /** Parses model bytes; {@code source} names them in error messages. */
    public static SentencePieceModel parse(byte[] data, String source) throws IOException {
        try {
            SentencePieceModel model = parse(new ProtoWire.Reader(data, 0, data.length));
            if (model.pieces.isEmpty()) {
                throw new ProtoWire.MalformedException("no pieces (empty or not a SentencePiece model)");
            }
            return model;
        } catch (ProtoWire.MalformedException e) {
            throw new IOException(source + ": corrupt SentencePiece model: " + e.getMessage(), e);
        }
    }

    private static SentencePieceModel parse(ProtoWire.Reader reader) throws ProtoWire.MalformedException {
        List<Piece> pieces = new ArrayList<>();
        TrainerSpec trainer = new TrainerSpec(TrainerSpec.UNIGRAM, false, false, TrainerSpec.DEFAULT_UNK_SURFACE,
                new byte[0]);
        NormalizerSpec normalizer = new NormalizerSpec(null, null, true, true, true);
        boolean sawTrainerSpec = false;
        boolean sawNormalizerSpec = false;
        while (reader.hasMore()) {
            int tag = reader.readTag();
            int field = tag >>> 3;
            int wireType = tag & 7;
            switch (field) {
                case 1 -> {
                    ProtoWire.Reader.expect(field, wireType, ProtoWire.LENGTH_DELIMITED, "pieces");
                    pieces.add(parsePiece(reader.readMessage(), pieces.size()));
                }
                case 2 -> {
                    ProtoWire.Reader.expect(field, wireType, ProtoWire.LENGTH_DELIMITED, "trainer_spec");
                    trainer = parseTrainerSpec(reader.readBytes());
                    sawTrainerSpec = true;
                }
                case 3 -> {
                    ProtoWire.Reader.expect(field, wireType, ProtoWire.LENGTH_DELIMITED, "normalizer_spec");
                    normalizer = parseNormalizerSpec(reader.readMessage());
                    sawNormalizerSpec = true;
                }
                default -> reader.skip(wireType);
            }
        }
        if (!pieces.isEmpty() && (!sawTrainerSpec || !sawNormalizerSpec)) {
            // SentencePiece writes every model as pieces, then trainer_spec, then normalizer_spec (its trainer sets
            // both, and a set message is written even when empty), and so does albert4j. A file that stops after a
            // complete piece parses as a smaller vocabulary; the missing specs are the only trace of the cut.
            String missing = !sawTrainerSpec && !sawNormalizerSpec ? "trainer_spec and normalizer_spec"
                    : !sawTrainerSpec ? "trainer_spec" : "normalizer_spec";
            throw new ProtoWire.MalformedException("no " + missing + " after its " + pieces.size() + " pieces (last: '"
                    + pieces.getLast().piece() + "'); SentencePiece always writes them after the pieces, so the file "
                    + "is cut short");
        }
        return new SentencePieceModel(pieces, trainer, normalizer);
    }

    private static Piece parsePiece(ProtoWire.Reader reader, int index) throws ProtoWire.MalformedException {
        String piece = null;
        float score = 0f;
        PieceType type = PieceType.NORMAL;
        while (reader.hasMore()) {
            int tag = reader.readTag();
            int field = tag >>> 3;
            int wireType = tag & 7;
            switch (field) {
                case 1 -> {
                    ProtoWire.Reader.expect(field, wireType, ProtoWire.LENGTH_DELIMITED, "piece");
                    piece = reader.readString();
                }
                case 2 -> {
                    ProtoWire.Reader.expect(field, wireType, ProtoWire.FIXED32, "score");
                    score = Float.intBitsToFloat(reader.readFixed32());
                }
                case 3 -> {
                    ProtoWire.Reader.expect(field, wireType, ProtoWire.VARINT, "type");
                    long code = reader.readVarint();
                    type = PieceType.of((int) code);
                    if (type == null) {
                        throw new ProtoWire.MalformedException("piece #" + index + " has unknown type " + code);
                    }
                }
                default -> reader.skip(wireType);
            }
        }
        if (piece == null || piece.isEmpty()) {
            throw new ProtoWire.MalformedException("piece #" + index + " is empty");
        }
        return new Piece(piece, score, type);
    }

    private static TrainerSpec parseTrainerSpec(byte[] raw) throws ProtoWire.MalformedException {
        ProtoWire.Reader reader = new ProtoWire.Reader(raw, 0, raw.length);
        int modelType = TrainerSpec.UNIGRAM;
        boolean byteFallback = false;
        boolean suffix = false;
        String unkSurface = TrainerSpec.DEFAULT_UNK_SURFACE;
        while (reader.hasMore()) {
            int tag = reader.readTag();
            int field = tag >>> 3;
            int wireType = tag & 7;
            switch (field) {
                case 3 -> {
                    ProtoWire.Reader.expect(field, wireType, ProtoWire.VARINT, "trainer_spec.model_type");
                    modelType = (int) reader.readVarint();
                }
                case 24 -> {
                    ProtoWire.Reader.expect(field, wireType, ProtoWire.VARINT, "trainer_spec.treat_whitespace_as_suffix");
                    suffix = reader.readVarint() != 0;
                }
                case 35 -> {
                    ProtoWire.Reader.expect(field, wireType, ProtoWire.VARINT, "trainer_spec.byte_fallback");
                    byteFallback = reader.readVarint() != 0;
                }
                case 44 -> {
                    ProtoWire.Reader.expect(field, wireType, ProtoWire.LENGTH_DELIMITED, "trainer_spec.unk_surface");
                    unkSurface = reader.readString();
                }
                default -> reader.skip(wireType);
            }
        }
        return new TrainerSpec(modelType, byteFallback, suffix, unkSurface, raw);
    }

    private static NormalizerSpec parseNormalizerSpec(ProtoWire.Reader reader) throws ProtoWire.MalformedException {
        String name = null;
        byte[] charsmap = null;
        boolean dummyPrefix = true;
        boolean removeExtra = true;
        boolean escape = true;
        while (reader.hasMore()) {
            int tag = reader.readTag();
            int field = tag >>> 3;
            int wireType = tag & 7;
            switch (field) {
                case 1 -> {
                    ProtoWire.Reader.expect(field, wireType, ProtoWire.LENGTH_DELIMITED, "normalizer_spec.name");
                    name = reader.readString();
                }
                case 2 -> {
                    ProtoWire.Reader.expect(field, wireType, ProtoWire.LENGTH_DELIMITED,
                            "normalizer_spec.precompiled_charsmap");
                    charsmap = reader.readBytes();
                }
                case 3 -> {
                    ProtoWire.Reader.expect(field, wireType, ProtoWire.VARINT, "normalizer_spec.add_dummy_prefix");
                    dummyPrefix = reader.readVarint() != 0;
                }
                case 4 -> {
                    ProtoWire.Reader.expect(field, wireType, ProtoWire.VARINT,
                            "normalizer_spec.remove_extra_whitespaces");
                    removeExtra = reader.readVarint() != 0;
                }
                case 5 -> {
                    ProtoWire.Reader.expect(field, wireType, ProtoWire.VARINT, "normalizer_spec.escape_whitespaces");
                    escape = reader.readVarint() != 0;
                }
                default -> reader.skip(wireType);
            }
        }
        if (charsmap != null && charsmap.length == 0) {
            charsmap = null;
        }
        return new NormalizerSpec(name, charsmap, dummyPrefix, removeExtra, escape);
    }

    /** The serialised ModelProto: pieces, then the trainer spec as read or built, then the normaliser spec. */
    public byte[] toByteArray() {
        ProtoWire.Writer writer = new ProtoWire.Writer();
        for (Piece piece : pieces) {
            ProtoWire.Writer entry = new ProtoWire.Writer().string(1, piece.piece()).fixed32(2, piece.score());
            if (piece.type() != PieceType.NORMAL) {
                entry.varint(3, piece.type().code);
            }
            writer.message(1, entry);
        }
        writer.bytes(2, trainerSpec.raw());
        writer.bytes(3, normalizerSpec.encode());
        return writer.toByteArray();
    }

    /** Writes {@code prefix.model} and spm's {@code prefix.vocab} (piece TAB score per line). */
    public void save(Path modelFile, Path vocabFile) throws IOException {
        Files.write(modelFile, toByteArray());
        if (vocabFile != null) {
            StringBuilder vocab = new StringBuilder();
            for (Piece piece : pieces) {
                vocab.append(piece.piece()).append('\t').append(formatScore(piece.score())).append('\n');
            }
            Files.writeString(vocabFile, vocab.toString(), StandardCharsets.UTF_8);
        }
    }

    /** Like C++ {@code ostream << float} (6 significant digits, trailing zeros dropped). */
    private static String formatScore(float score) {
        if (score == 0f) {
            return "0";
        }
        String text = new java.math.BigDecimal(score).round(new java.math.MathContext(6)).stripTrailingZeros()
                .toPlainString();
        return text;
    }
}
