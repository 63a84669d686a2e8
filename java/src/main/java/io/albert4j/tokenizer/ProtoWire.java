package io.albert4j.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The few pieces of the protobuf wire format that a SentencePiece {@code .model} needs (varint, fixed32,
 * length-delimited). Hand-written on purpose: the model is one small message with a dozen fields we read, so a
 * reader of ~100 lines beats generated code plus protoc at build time plus a protobuf-java dependency; unknown
 * fields are skipped, so newer spm versions still load.
 */
final class ProtoWire {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private ProtoWire() {}

    /** Thrown for a structurally broken message; the model loader adds the file name. */
    static final class MalformedException extends Exception {
        MalformedException(String message) {
            super(message);
        }
    }

    /** Reads one message (or sub-message) in {@code [position, limit)} of a byte array. */
    static final class Reader {
        private final byte[] data;
        private int position;
        private final int limit;

        Reader(byte[] data, int offset, int limit) {
            this.data = data;
            this.position = offset;
            this.limit = limit;
        }

        boolean hasMore() {
            return position < limit;
        }

        /** The next tag: field number << 3 | wire type. */
        int readTag() throws MalformedException {
            long tag = readVarint();
            if (tag <= 0 || tag > Integer.MAX_VALUE) {
                throw new MalformedException("invalid field tag " + tag + " at byte " + position);
            }
            return (int) tag;
        }

        long readVarint() throws MalformedException {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (position >= limit) {
                    throw new MalformedException("truncated varint at byte " + position);
                }
                byte b = data[position++];
                result |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return result;
                }
            }
            throw new MalformedException("varint longer than 10 bytes at byte " + position);
        }

        int readFixed32() throws MalformedException {
            if (limit - position < 4) {
                throw new MalformedException("truncated fixed32 at byte " + position);
            }
            int value = (data[position] & 0xFF) | (data[position + 1] & 0xFF) << 8 | (data[position + 2] & 0xFF) << 16
                    | (data[position + 3] & 0xFF) << 24;
            position += 4;
            return value;
        }

        /** A length-delimited field as a sub-reader over the same array. */
        Reader readMessage() throws MalformedException {
            int length = readLength();
            Reader sub = new Reader(data, position, position + length);
            position += length;
            return sub;
        }

        byte[] readBytes() throws MalformedException {
            int length = readLength();
            byte[] bytes = java.util.Arrays.copyOfRange(data, position, position + length);
            position += length;
            return bytes;
        }

        String readString() throws MalformedException {
            return new String(readBytes(), StandardCharsets.UTF_8);
        }

        private int readLength() throws MalformedException {
            long length = readVarint();
            if (length < 0 || length > limit - position) {
                throw new MalformedException("length " + length + " at byte " + position + " runs past the end ("
                        + (limit - position) + " bytes left)");
            }
            return (int) length;
        }

        /** Skips a field we do not use. */
        void skip(int wireType) throws MalformedException {
            switch (wireType) {
                case VARINT -> readVarint();
                case FIXED64 -> advance(8);
                case LENGTH_DELIMITED -> advance(readLength());
                case FIXED32 -> advance(4);
                default -> throw new MalformedException("unsupported wire type " + wireType + " at byte " + position);
            }
        }

        private void advance(int count) throws MalformedException {
            if (limit - position < count) {
                throw new MalformedException("truncated field at byte " + position);
            }
            position += count;
        }

        /** Fails when a field we read has the wrong wire type (a corrupt or foreign file). */
        static void expect(int field, int actualWireType, int expectedWireType, String fieldName)
                throws MalformedException {
            if (actualWireType != expectedWireType) {
                throw new MalformedException("field " + fieldName + " (#" + field + ") has wire type " + actualWireType
                        + ", expected " + expectedWireType);
            }
        }
    }

    /** Appends fields to a growing buffer. */
    static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Writer varint(int field, long value) {
            tag(field, VARINT);
            rawVarint(value);
            return this;
        }

        Writer bool(int field, boolean value) {
            return varint(field, value ? 1 : 0);
        }

        Writer fixed32(int field, float value) {
            tag(field, FIXED32);
            int bits = Float.floatToIntBits(value);
            out.write(bits);
            out.write(bits >>> 8);
            out.write(bits >>> 16);
            out.write(bits >>> 24);
            return this;
        }

        Writer bytes(int field, byte[] value) {
            tag(field, LENGTH_DELIMITED);
            rawVarint(value.length);
            out.writeBytes(value);
            return this;
        }

        Writer string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Writer message(int field, Writer message) {
            return bytes(field, message.toByteArray());
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }

        private void tag(int field, int wireType) {
            rawVarint((long) field << 3 | wireType);
        }

        private void rawVarint(long value) {
            while ((value & ~0x7FL) != 0) {
                out.write((int) (value & 0x7F) | 0x80);
                value >>>= 7;
            }
            out.write((int) value);
        }
    }
}
