package io.albert4j.data;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Reads UTF-8 lines from a file while tracking the byte offset of the next line, so a reader can be reopened at a
 * document boundary. Invalid UTF-8 is decoded with U+FFFD replacement characters: a few bad bytes in a large corpus
 * should not stop pretraining, but once more than {@value #MAX_BAD_PERCENT}% of the bytes read (and more than
 * {@value #MIN_BAD_BYTES} of them) are not UTF-8, the file is refused, naming the first bad line's byte offset: it
 * is in another encoding (Latin-1, UTF-16, ...) or not text, and training on it would train on U+FFFD and
 * {@code <unk>}. A UTF-8 byte-order mark at the start of the file is skipped.
 *
 * <p>A NUL byte is refused: text has none (UTF-8 encodes no other character with a 0 byte), while binary files,
 * prepared shards among them, are full of them. Decoding one as text would train on replacement characters and
 * {@code <unk>} without a word of warning.
 */
final class ByteLineReader implements Closeable {
    /** Tolerance of invalid UTF-8: a stray byte in a large corpus is replaced, a file in another encoding is not. */
    static final int MAX_BAD_PERCENT = 1;
    static final int MIN_BAD_BYTES = 64;

    private final Path file;
    private final FileChannel channel;
    private final long startOffset;
    private long badSequences;
    private long firstBadLine = -1;
    private final ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
    private long nextLineOffset;
    private byte[] line = new byte[256];

    ByteLineReader(Path file, long offset) throws IOException {
        this.file = file;
        channel = FileChannel.open(file, StandardOpenOption.READ);
        channel.position(offset);
        nextLineOffset = offset;
        startOffset = offset;
        buffer.limit(0);
        if (offset == 0) {
            skipByteOrderMark();
        }
    }

    /** The next line without its terminator ("\n" or "\r\n"), or null at end of file. */
    String readLine() throws IOException {
        long lineStart = nextLineOffset;
        int length = 0;
        boolean sawAny = false;
        while (true) {
            if (!buffer.hasRemaining() && !fill()) {
                break;
            }
            sawAny = true;
            byte b = buffer.get();
            nextLineOffset++;
            if (b == '\n') {
                break;
            }
            if (b == 0) {
                throw binary(nextLineOffset - 1);
            }
            if (length == line.length) {
                line = Arrays.copyOf(line, line.length * 2);
            }
            line[length++] = b;
        }
        if (!sawAny) {
            return null;
        }
        if (length > 0 && line[length - 1] == '\r') {
            length--;
        }
        String text = new String(line, 0, length, StandardCharsets.UTF_8);
        countInvalid(text, lineStart, length);
        return text;
    }

    /** Counts the replacement characters decoding made (those spelled EF BF BD in the file are genuine). */
    private void countInvalid(String text, long lineStart, int length) {
        int replaced = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\uFFFD') {
                replaced++;
            }
        }
        if (replaced == 0) {
            return;
        }
        for (int i = 0; i + 2 < length && replaced > 0; i++) {
            if ((line[i] & 0xFF) == 0xEF && (line[i + 1] & 0xFF) == 0xBF && (line[i + 2] & 0xFF) == 0xBD) {
                replaced--;
            }
        }
        if (replaced == 0) {
            return;
        }
        if (firstBadLine < 0) {
            firstBadLine = lineStart;
        }
        badSequences += replaced;
        long read = nextLineOffset - startOffset;
        if (badSequences > MIN_BAD_BYTES && badSequences * 100 > read * MAX_BAD_PERCENT) {
            throw new DataException("corpus file '" + file + "': " + badSequences + " invalid UTF-8 sequences in its "
                    + "first " + read + " bytes (the first in the line at byte " + firstBadLine + "): it is not UTF-8 "
                    + "text; convert it to UTF-8 (e.g. iconv -f latin1 -t utf-8) or leave it out");
        }
    }

    private DataException binary(long offset) {
        boolean shard = CorpusFiles.startsWithShardMagic(file);
        return new DataException("corpus file '" + file + "': byte " + offset + " is 0x00, so this is a binary file, "
                + "not text" + (shard ? " (it is a prepared shard: read it as shards, --corpus-format SHARDS)"
                : "; give text files only"));
    }

    /** Byte offset where the line after the last one read starts. */
    long offset() {
        return nextLineOffset;
    }

    private boolean fill() throws IOException {
        buffer.clear();
        int read = channel.read(buffer);
        buffer.flip();
        return read > 0;
    }

    private void skipByteOrderMark() throws IOException {
        fill();
        if (buffer.remaining() >= 3 && (buffer.get(0) & 0xFF) == 0xEF && (buffer.get(1) & 0xFF) == 0xBB
                && (buffer.get(2) & 0xFF) == 0xBF) {
            buffer.position(3);
            nextLineOffset = 3;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
