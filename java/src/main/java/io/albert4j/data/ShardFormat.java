package io.albert4j.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Pre-tokenized corpus shard ({@code .a4js}), little-endian:
 *
 * <pre>
 * header (64 bytes)
 *   0  magic "A4JSHARD"     8  version (int32 = 1)   12 vocabSize   16 idBytes (2 = uint16, 4 = int32)
 *   20 clsId  24 sepId  28 maskId  32 documentCount (int64)  40 bodyBytes (int64)  48 crc32c of the body (int64)
 *   56 reserved (8 bytes of 0)
 * body
 *   word-start table: ceil(vocabSize / 8) bytes, bit (id % 8) of byte (id / 8) = piece {@code id} starts a word
 *   documents, each: sentenceCount (int32), sentenceCount lengths (int32), then the ids of all its sentences
 * </pre>
 *
 * uint16 ids are used when the vocabulary has fewer than 65536 entries (ALBERT's 30000 does), halving the size.
 * The word-start table makes a shard usable without the tokenizer that produced it.
 */
public final class ShardFormat {
    static final byte[] MAGIC = "A4JSHARD".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int HEADER_BYTES = 64;
    /** Shards stay below 1 GiB so one memory mapping covers a shard. */
    static final long MAX_SHARD_BYTES = 1L << 30;
    public static final String EXTENSION = ".a4js";

    private ShardFormat() {
    }

    /** A validated shard header. */
    record Header(VocabularyInfo vocabulary, int idBytes, long documentCount, long bodyBytes, long crc) {
        long wordStartBytes() {
            return (vocabulary.vocabSize() + 7L) / 8;
        }

        long documentsOffset() {
            return HEADER_BYTES + wordStartBytes();
        }
    }

    static int idBytesFor(int vocabSize) {
        return vocabSize < 65536 ? 2 : 4;
    }

    static ByteBuffer header(VocabularyInfo vocabulary, int idBytes, long documentCount, long bodyBytes, long crc) {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        header.put(MAGIC).putInt(VERSION).putInt(vocabulary.vocabSize()).putInt(idBytes)
                .putInt(vocabulary.clsId()).putInt(vocabulary.sepId()).putInt(vocabulary.maskId())
                .putLong(documentCount).putLong(bodyBytes).putLong(crc).putLong(0);
        return header.flip();
    }

    static byte[] wordStartTable(VocabularyInfo vocabulary) {
        byte[] table = new byte[(vocabulary.vocabSize() + 7) / 8];
        for (int id = 0; id < vocabulary.vocabSize(); id++) {
            if (vocabulary.wordStart()[id]) {
                table[id / 8] |= (byte) (1 << (id % 8));
            }
        }
        return table;
    }

    /** Reads and checks the header and word-start table; {@code verifyChecksum} also reads the whole body. */
    static Header read(Path shard, boolean verifyChecksum) throws IOException {
        try (FileChannel channel = FileChannel.open(shard, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > MAX_SHARD_BYTES) {
                throw corrupt(shard, "file has " + size + " bytes, more than a shard holds (" + MAX_SHARD_BYTES + ")");
            }
            if (size < HEADER_BYTES) {
                throw corrupt(shard, "file has " + size + " bytes, shorter than the " + HEADER_BYTES + "-byte header");
            }
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, header, 0);
            header.flip();
            byte[] magic = new byte[MAGIC.length];
            header.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw corrupt(shard, "not an albert4j shard (magic is '"
                        + new String(magic, StandardCharsets.ISO_8859_1) + "', expected 'A4JSHARD')");
            }
            int version = header.getInt();
            if (version != VERSION) {
                throw corrupt(shard, "shard format version " + version + ", this reader supports " + VERSION);
            }
            int vocabSize = header.getInt();
            int idBytes = header.getInt();
            int clsId = header.getInt();
            int sepId = header.getInt();
            int maskId = header.getInt();
            long documentCount = header.getLong();
            long bodyBytes = header.getLong();
            long crc = header.getLong();
            if (vocabSize <= 0 || (idBytes != 2 && idBytes != 4) || (idBytes == 2 && vocabSize > 65536)) {
                throw corrupt(shard, "invalid header: vocabSize " + vocabSize + ", idBytes " + idBytes);
            }
            if (HEADER_BYTES + bodyBytes != size) {
                throw corrupt(shard, "header says " + (HEADER_BYTES + bodyBytes) + " bytes, file has " + size
                        + " (truncated or appended to)");
            }
            long tableBytes = (vocabSize + 7L) / 8;
            if (tableBytes > bodyBytes) {
                throw corrupt(shard, "vocabSize " + vocabSize + " needs a " + tableBytes + "-byte word-start table, the"
                        + " body has " + bodyBytes + " bytes");
            }
            ByteBuffer table = ByteBuffer.allocate((int) tableBytes);
            readFully(channel, table, HEADER_BYTES);
            boolean[] wordStart = new boolean[vocabSize];
            for (int id = 0; id < vocabSize; id++) {
                wordStart[id] = (table.get(id / 8) & (1 << (id % 8))) != 0;
            }
            VocabularyInfo vocabulary;
            try {
                vocabulary = new VocabularyInfo(vocabSize, clsId, sepId, maskId, wordStart);
            } catch (IllegalArgumentException e) {
                throw corrupt(shard, e.getMessage());
            }
            if (verifyChecksum) {
                long actual = checksum(channel, HEADER_BYTES, bodyBytes);
                if (actual != crc) {
                    throw corrupt(shard, String.format("checksum mismatch (header %08x, content %08x): the file is"
                            + " corrupt", crc, actual));
                }
            }
            return new Header(vocabulary, idBytes, documentCount, bodyBytes, crc);
        }
    }

    static long checksum(FileChannel channel, long offset, long length) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
        long position = offset;
        long end = offset + length;
        while (position < end) {
            buffer.clear();
            buffer.limit((int) Math.min(buffer.capacity(), end - position));
            int read = channel.read(buffer, position);
            if (read < 0) {
                break;
            }
            buffer.flip();
            crc.update(buffer);
            position += read;
        }
        return crc.getValue();
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position);
            if (read < 0) {
                throw new IOException("unexpected end of file");
            }
            position += read;
        }
    }

    static DataException corrupt(Path shard, String problem) {
        return new DataException("shard '" + shard + "': " + problem);
    }
}
