package io.albert4j.io.tf;

import io.albert4j.io.CheckpointException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.xerial.snappy.Snappy;

/**
 * A LevelDB-format table read whole: what a TensorFlow checkpoint's {@code .index} is. The footer (last 48 bytes:
 * the meta-index and index block handles, the magic number) points at the index block, whose values are the
 * handles of the data blocks; each block carries a trailer with its compression type (none or Snappy) and masked
 * CRC32C, checked before the block is decompressed or parsed. Entries are prefix-compressed keys (shared length,
 * own length, value length, as varints) followed by a restart array.
 *
 * <p>Every length and offset is checked against the bytes that hold it, so a truncated or lying file fails with a
 * {@link CheckpointException} naming the file and where, not an exception from deep inside a parser.
 */
final class LevelDbTable {
    /** Index files are kilobytes (a name, a dtype, a shape and an offset per tensor); 1 GiB is far past any. */
    static final long MAX_TABLE_BYTES = 1L << 30;
    /** A decompressed block is at most this many times its compressed size (Snappy expands at most ~ 22x). */
    private static final long MAX_EXPANSION = 64;

    /** One key and its value. */
    record Entry(byte[] key, byte[] value) {
        String keyString() {
            return new String(key, StandardCharsets.UTF_8);
        }
    }

    private LevelDbTable() {
    }

    /** Every entry of the table, in key order. */
    static List<Entry> read(Path file) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_TABLE_BYTES) {
                throw new CheckpointException(file, "is " + size + " bytes; a checkpoint index is kilobytes (limit "
                        + MAX_TABLE_BYTES + ")");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read: " + e, e);
        }
        return read(file, bytes);
    }

    static List<Entry> read(Path file, byte[] bytes) {
        if (bytes.length < TableFormat.FOOTER_BYTES) {
            throw new CheckpointException(file, "is " + bytes.length + " bytes, shorter than a table footer ("
                    + TableFormat.FOOTER_BYTES + "): truncated, or not a checkpoint index");
        }
        int footer = bytes.length - TableFormat.FOOTER_BYTES;
        long magic = ByteBuffer.wrap(bytes, bytes.length - 8, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (magic != TableFormat.MAGIC) {
            throw new CheckpointException(file, "ends with " + Long.toHexString(magic) + ", not the table magic "
                    + Long.toHexString(TableFormat.MAGIC) + ": truncated, or not a TensorFlow checkpoint index");
        }
        Cursor cursor = new Cursor(file, bytes, footer, bytes.length - 8, "the footer");
        cursor.handle(); // the meta-index block: TF writes an empty one, nothing in it is needed
        long[] index = cursor.handle();
        List<Entry> entries = new ArrayList<>();
        for (Entry handle : block(file, bytes, index, "the index block")) {
            Cursor value = new Cursor(file, handle.value(), 0, handle.value().length, "an index entry");
            long[] data = value.handle();
            entries.addAll(block(file, bytes, data, "the data block at byte " + data[0]));
        }
        return entries;
    }

    /** The entries of the block at {@code handle} = {offset, size}, its trailer checked. */
    private static List<Entry> block(Path file, byte[] bytes, long[] handle, String what) {
        long offset = handle[0];
        long size = handle[1];
        // Compared without adding: offset + size of two varint64s can overflow a long and pass a plain sum.
        if (offset < 0 || size < 0 || offset > bytes.length
                || size > bytes.length - offset - TableFormat.TRAILER_BYTES) {
            throw new CheckpointException(file, what + ": bytes [" + offset + ", +" + size + " + trailer) run past "
                    + "the end of the file (" + bytes.length + " bytes)");
        }
        int start = (int) offset;
        int length = (int) size;
        int type = bytes[start + length] & 0xff;
        int stored = ByteBuffer.wrap(bytes, start + length + 1, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int actual = TableFormat.blockCrc(bytes, start, length, type);
        if (stored != actual) {
            throw new CheckpointException(file, what + ": block checksum " + Integer.toHexString(actual)
                    + " does not match the stored " + Integer.toHexString(stored) + " (corrupt)");
        }
        byte[] contents = switch (type) {
            case TableFormat.NO_COMPRESSION -> Arrays.copyOfRange(bytes, start, start + length);
            case TableFormat.SNAPPY -> uncompress(file, bytes, start, length, what);
            default -> throw new CheckpointException(file, what + ": compression type " + type
                    + " (known: 0 none, 1 Snappy)");
        };
        return entries(file, contents, what);
    }

    private static byte[] uncompress(Path file, byte[] bytes, int start, int length, String what) {
        try {
            if (!Snappy.isValidCompressedBuffer(bytes, start, length)) {
                throw new CheckpointException(file, what + ": not valid Snappy data");
            }
            int size = Snappy.uncompressedLength(bytes, start, length);
            if (size < 0 || size > MAX_EXPANSION * Math.max(length, 16)) {
                throw new CheckpointException(file, what + ": Snappy header claims " + size + " bytes from "
                        + length);
            }
            byte[] out = new byte[size];
            int n = Snappy.uncompress(bytes, start, length, out, 0);
            if (n != size) {
                throw new CheckpointException(file, what + ": Snappy gave " + n + " bytes, its header said " + size);
            }
            return out;
        } catch (IOException e) {
            throw new CheckpointException(file, what + ": cannot decompress: " + e.getMessage(), e);
        }
    }

    /** Parses a block: prefix-compressed entries, then the restart offsets and their count (fixed32 each). */
    private static List<Entry> entries(Path file, byte[] block, String what) {
        if (block.length < 4) {
            throw new CheckpointException(file, what + ": " + block.length + " bytes, too short for a block");
        }
        long restarts = ByteBuffer.wrap(block, block.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
        long restartBytes = 4 * (restarts + 1);
        if (restarts < 1 || restartBytes > block.length) {
            throw new CheckpointException(file, what + ": " + restarts + " restart points in a block of "
                    + block.length + " bytes");
        }
        int limit = (int) (block.length - restartBytes);
        Cursor cursor = new Cursor(file, block, 0, limit, what);
        List<Entry> out = new ArrayList<>();
        byte[] previous = new byte[0];
        while (cursor.position < limit) {
            int shared = cursor.varint32();
            int own = cursor.varint32();
            int valueLength = cursor.varint32();
            if (shared > previous.length) {
                throw new CheckpointException(file, what + ": an entry shares " + shared + " bytes of a "
                        + previous.length + "-byte previous key");
            }
            byte[] key = new byte[shared + own];
            System.arraycopy(previous, 0, key, 0, shared);
            System.arraycopy(cursor.bytes(own), 0, key, shared, own);
            out.add(new Entry(key, cursor.bytes(valueLength)));
            previous = key;
        }
        return out;
    }

    /** Reads varints and byte runs inside [position, limit) of an array. */
    private static final class Cursor {
        private final Path file;
        private final byte[] data;
        private int position;
        private final int limit;
        private final String what;

        Cursor(Path file, byte[] data, int position, int limit, String what) {
            this.file = file;
            this.data = data;
            this.position = position;
            this.limit = limit;
            this.what = what;
        }

        long varint64() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (position >= limit) {
                    throw new CheckpointException(file, what + ": a varint runs past its end (truncated?)");
                }
                int b = data[position++] & 0xff;
                value |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
            throw new CheckpointException(file, what + ": a varint longer than 10 bytes");
        }

        int varint32() {
            long v = varint64();
            if (v < 0 || v > Integer.MAX_VALUE) {
                throw new CheckpointException(file, what + ": length " + v + " is out of range");
            }
            return (int) v;
        }

        long[] handle() {
            return new long[] {varint64(), varint64()};
        }

        byte[] bytes(int n) {
            if (n > limit - position) {
                throw new CheckpointException(file, what + ": an entry claims " + n + " bytes, " + (limit - position)
                        + " are left (truncated or corrupt)");
            }
            byte[] out = Arrays.copyOfRange(data, position, position + n);
            position += n;
            return out;
        }
    }
}
