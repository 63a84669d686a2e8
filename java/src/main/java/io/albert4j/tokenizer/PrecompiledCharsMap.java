package io.albert4j.tokenizer;

/**
 * SentencePiece's precompiled normalisation map ({@code normalizer_spec.precompiled_charsmap}, e.g. nmt_nfkc):
 * a little-endian uint32 trie size, a Darts-clone double-array trie over UTF-8 input prefixes, then a blob of
 * NUL-terminated replacement strings the trie values point into. Longest match wins, as in spm's Normalizer.
 */
final class PrecompiledCharsMap {
    private final int[] units;
    private final byte[] normalized;

    PrecompiledCharsMap(byte[] blob) throws ProtoWire.MalformedException {
        if (blob.length < 4) {
            throw new ProtoWire.MalformedException("precompiled_charsmap shorter than its 4-byte header");
        }
        long trieSize = (blob[0] & 0xFFL) | (blob[1] & 0xFFL) << 8 | (blob[2] & 0xFFL) << 16 | (blob[3] & 0xFFL) << 24;
        if (trieSize % 4 != 0 || trieSize >= blob.length - 4L + 1 || trieSize == 0) {
            throw new ProtoWire.MalformedException("precompiled_charsmap trie size " + trieSize
                    + " does not fit its " + blob.length + "-byte blob");
        }
        units = new int[(int) (trieSize / 4)];
        for (int i = 0; i < units.length; i++) {
            int p = 4 + i * 4;
            units[i] = (blob[p] & 0xFF) | (blob[p + 1] & 0xFF) << 8 | (blob[p + 2] & 0xFF) << 16 | (blob[p + 3] & 0xFF) << 24;
        }
        normalized = java.util.Arrays.copyOfRange(blob, 4 + (int) trieSize, blob.length);
    }

    // Darts-clone unit layout: bit 8 = has leaf, bits 10.. (optionally << 8 when bit 9) = offset to children.
    private static boolean hasLeaf(int unit) {
        return ((unit >>> 8) & 1) == 1;
    }

    private static int offset(int unit) {
        return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    }

    private static int label(int unit) {
        return unit & (0x80000000 | 0xFF);
    }

    /**
     * Longest rule matching a prefix of {@code text[from, to)}: returns {@code (matchLength << 32) | blobOffset}, or
     * -1 when no rule matches.
     */
    long longestMatch(byte[] text, int from, int to) {
        int nodePos = offset(units[0]);
        long best = -1;
        for (int i = from; i < to; i++) {
            int b = text[i] & 0xFF;
            nodePos ^= b;
            if (nodePos < 0 || nodePos >= units.length) {
                break;
            }
            int unit = units[nodePos];
            if (label(unit) != b) {
                break;
            }
            nodePos ^= offset(unit);
            if (nodePos < 0 || nodePos >= units.length) {
                break;
            }
            if (hasLeaf(unit)) {
                int value = units[nodePos] & 0x7FFFFFFF;
                best = ((long) (i - from + 1) << 32) | value;
            }
        }
        return best;
    }

    /** Appends the replacement string starting at {@code blobOffset} (up to its NUL). */
    void appendReplacement(int blobOffset, ByteBuffer out) {
        for (int i = blobOffset; i < normalized.length && normalized[i] != 0; i++) {
            out.add(normalized[i]);
        }
    }

    /** A growable byte array, to avoid boxing while normalising. */
    static final class ByteBuffer {
        byte[] data;
        int size;

        ByteBuffer(int capacity) {
            data = new byte[Math.max(16, capacity)];
        }

        void add(byte b) {
            if (size == data.length) {
                data = java.util.Arrays.copyOf(data, size * 2);
            }
            data[size++] = b;
        }

        void add(byte[] bytes) {
            for (byte b : bytes) {
                add(b);
            }
        }

        byte[] toArray() {
            return java.util.Arrays.copyOf(data, size);
        }
    }
}
