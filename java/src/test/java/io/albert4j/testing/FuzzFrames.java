package io.albert4j.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Several files in one fuzz input: each but the last is a 4-byte big-endian length and that many bytes, the last
 * takes the rest. A length the mutator made too large takes what is left, so every input splits.
 */
public final class FuzzFrames {
    private FuzzFrames() {
    }

    /** {@code data} as {@code parts} files (some possibly empty). */
    public static List<byte[]> split(byte[] data, int parts) {
        List<byte[]> out = new ArrayList<>(parts);
        ByteBuffer in = ByteBuffer.wrap(data);
        for (int i = 0; i < parts - 1; i++) {
            int length = in.remaining() >= 4 ? in.getInt() : 0;
            length = (int) Math.min(Integer.toUnsignedLong(length), in.remaining());
            byte[] part = new byte[length];
            in.get(part);
            out.add(part);
        }
        byte[] last = new byte[in.remaining()];
        in.get(last);
        out.add(last);
        return out;
    }

    /** The input that {@link #split} turns back into {@code files}. */
    public static byte[] join(byte[]... files) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < files.length; i++) {
            if (i < files.length - 1) {
                out.writeBytes(ByteBuffer.allocate(4).putInt(files[i].length).array());
            }
            out.writeBytes(files[i]);
        }
        return out.toByteArray();
    }
}
