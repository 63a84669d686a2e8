package io.albert4j.io.tf;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Constants and small codecs of the LevelDB table format that TensorFlow's {@code .index} files use
 * (tensorflow/core/lib/io/table_format.h, leveldb/table/format.h): the footer's magic number, block trailers of a
 * compression byte and a masked CRC32C, varint block handles.
 */
final class TableFormat {
    /** {@code kTableMagicNumber}, the last 8 bytes of every table (little-endian). */
    static final long MAGIC = 0xdb4775248b80fb57L;
    /** Footer: two block handles of at most 10 + 10 bytes each, padded to 40, then the magic. */
    static final int FOOTER_BYTES = 48;
    /** Block trailer: 1 byte of compression type, 4 bytes of masked CRC32C over the block and that byte. */
    static final int TRAILER_BYTES = 5;
    static final int NO_COMPRESSION = 0;
    static final int SNAPPY = 1;
    /** {@code kMaskDelta} of crc32c.h: a stored CRC is masked so that a CRC of data holding CRCs stays strong. */
    private static final int MASK_DELTA = 0xa282ead8;

    private TableFormat() {
    }

    /** {@code crc32c::Mask}: rotate right by 15 bits and add a constant. */
    static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + MASK_DELTA;
    }

    static int crc32c(byte[] data, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, offset, length);
        return (int) crc.getValue();
    }

    static int crc32c(ByteBuffer data) {
        CRC32C crc = new CRC32C();
        crc.update(data);
        return (int) crc.getValue();
    }

    /** A block's masked CRC as stored in its trailer: over the contents and the compression byte. */
    static int blockCrc(byte[] contents, int offset, int length, int compression) {
        CRC32C crc = new CRC32C();
        crc.update(contents, offset, length);
        crc.update(compression);
        return mask((int) crc.getValue());
    }
}
