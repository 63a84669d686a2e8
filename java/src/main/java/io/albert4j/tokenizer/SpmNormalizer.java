package io.albert4j.tokenizer;

/**
 * SentencePiece's Normalizer: the model's precompiled charsmap applied longest-match-first, user-defined symbols
 * passed through untouched, and the whitespace rules (drop leading/trailing/repeated spaces, add the dummy prefix
 * "▁", escape spaces as "▁"). Works on UTF-8 bytes like spm so that every decision is the same. Immutable.
 */
final class SpmNormalizer {
    static final byte[] SPACE_SYMBOL = {(byte) 0xE2, (byte) 0x96, (byte) 0x81}; // U+2581 '▁'
    private static final byte[] REPLACEMENT_CHARACTER = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};

    private final PrecompiledCharsMap charsMap;
    private final ByteTrie userDefinedSymbols;
    private final boolean addDummyPrefix;
    private final boolean removeExtraWhitespaces;
    private final boolean escapeWhitespaces;
    private final boolean treatWhitespaceAsSuffix;

    SpmNormalizer(PrecompiledCharsMap charsMap, ByteTrie userDefinedSymbols, boolean addDummyPrefix,
            boolean removeExtraWhitespaces, boolean escapeWhitespaces, boolean treatWhitespaceAsSuffix) {
        this.charsMap = charsMap;
        this.userDefinedSymbols = userDefinedSymbols;
        this.addDummyPrefix = addDummyPrefix;
        this.removeExtraWhitespaces = removeExtraWhitespaces;
        this.escapeWhitespaces = escapeWhitespaces;
        this.treatWhitespaceAsSuffix = treatWhitespaceAsSuffix;
    }

    /** Bytes of one character starting with {@code lead}, by its UTF-8 lead byte (spm's OneCharLen). */
    static int utf8Length(byte lead) {
        int b = lead & 0xFF;
        if (b < 0xC0) {
            return 1;
        }
        if (b < 0xE0) {
            return 2;
        }
        return b < 0xF0 ? 3 : 4;
    }

    /** Length of a well-formed UTF-8 character at {@code pos}, or 0 when malformed. */
    private static int validCharLength(byte[] text, int pos, int end) {
        int b = text[pos] & 0xFF;
        if (b < 0x80) {
            return 1;
        }
        int length;
        int min;
        if (b >= 0xC2 && b < 0xE0) {
            length = 2;
            min = 0x80;
        } else if (b >= 0xE0 && b < 0xF0) {
            length = 3;
            min = 0x800;
        } else if (b >= 0xF0 && b < 0xF5) {
            length = 4;
            min = 0x10000;
        } else {
            return 0;
        }
        if (pos + length > end) {
            return 0;
        }
        int codePoint = b & (0x7F >> length);
        for (int i = 1; i < length; i++) {
            int c = text[pos + i] & 0xFF;
            if ((c & 0xC0) != 0x80) {
                return 0;
            }
            codePoint = codePoint << 6 | (c & 0x3F);
        }
        if (codePoint < min || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
            return 0;
        }
        return length;
    }

    /**
     * spm's NormalizePrefix: writes the normalised form of the text's next unit into {@code piece} and returns how
     * many input bytes it consumed.
     */
    private int normalizePrefix(byte[] text, int pos, int end, PrecompiledCharsMap.ByteBuffer piece) {
        piece.size = 0;
        if (userDefinedSymbols != null) {
            int length = userDefinedSymbols.longestPrefix(text, pos, end);
            if (length > 0) {
                for (int i = 0; i < length; i++) {
                    piece.add(text[pos + i]);
                }
                return length;
            }
        }
        long match = charsMap == null ? -1 : charsMap.longestMatch(text, pos, end);
        if (match >= 0) {
            charsMap.appendReplacement((int) match, piece);
            return (int) (match >>> 32);
        }
        int length = validCharLength(text, pos, end);
        if (length == 0) {
            piece.add(REPLACEMENT_CHARACTER);
            return 1; // spm consumes one byte of a malformed sequence
        }
        for (int i = 0; i < length; i++) {
            piece.add(text[pos + i]);
        }
        return length;
    }

    private static boolean isSingleSpace(PrecompiledCharsMap.ByteBuffer piece) {
        return piece.size == 1 && piece.data[0] == ' ';
    }

    private void addWhitespace(PrecompiledCharsMap.ByteBuffer out) {
        if (escapeWhitespaces) {
            out.add(SPACE_SYMBOL);
        } else {
            out.add((byte) ' ');
        }
    }

    /** The normalised UTF-8 bytes of {@code text}. */
    byte[] normalize(byte[] text) {
        int end = text.length;
        int pos = 0;
        PrecompiledCharsMap.ByteBuffer piece = new PrecompiledCharsMap.ByteBuffer(16);
        if (removeExtraWhitespaces) {
            while (pos < end) {
                int consumed = normalizePrefix(text, pos, end, piece);
                if (!isSingleSpace(piece)) {
                    break;
                }
                pos += consumed;
            }
        }
        if (pos >= end) {
            return new byte[0];
        }
        PrecompiledCharsMap.ByteBuffer out = new PrecompiledCharsMap.ByteBuffer(end * 3 / 2 + 4);
        boolean previousWasSpace = removeExtraWhitespaces;
        if (!treatWhitespaceAsSuffix && addDummyPrefix) {
            addWhitespace(out);
        }
        while (pos < end) {
            int consumed = normalizePrefix(text, pos, end, piece);
            int start = 0;
            if (previousWasSpace) {
                while (start < piece.size && piece.data[start] == ' ') {
                    start++;
                }
            }
            if (start < piece.size) {
                for (int i = start; i < piece.size; i++) {
                    byte b = piece.data[i];
                    if (escapeWhitespaces && b == ' ') {
                        out.add(SPACE_SYMBOL);
                    } else {
                        out.add(b);
                    }
                }
                previousWasSpace = piece.data[piece.size - 1] == ' ';
            }
            pos += consumed;
            if (!removeExtraWhitespaces) {
                previousWasSpace = false;
            }
        }
        if (removeExtraWhitespaces) {
            if (escapeWhitespaces) {
                while (out.size >= 3 && out.data[out.size - 3] == SPACE_SYMBOL[0] && out.data[out.size - 2] == SPACE_SYMBOL[1]
                        && out.data[out.size - 1] == SPACE_SYMBOL[2]) {
                    out.size -= 3;
                }
            } else {
                while (out.size >= 1 && out.data[out.size - 1] == ' ') {
                    out.size--;
                }
            }
        }
        if (treatWhitespaceAsSuffix && addDummyPrefix) {
            addWhitespace(out);
        }
        return out.toArray();
    }
}
