package io.albert4j.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/** Writes one {@link ShardFormat} file; the header (with counts and checksum) is written on {@link #close()}. */
public final class ShardWriter implements AutoCloseable {
    private final Path path;
    private final VocabularyInfo vocabulary;
    private final FileChannel channel;
    private final int idBytes;
    private final CRC32C crc = new CRC32C();
    private long bodyBytes;
    private long documents;
    private boolean closed;

    public ShardWriter(Path path, VocabularyInfo vocabulary) throws IOException {
        this.path = path;
        this.vocabulary = vocabulary;
        this.idBytes = ShardFormat.idBytesFor(vocabulary.vocabSize());
        this.channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        channel.position(ShardFormat.HEADER_BYTES);
        writeBody(ByteBuffer.wrap(ShardFormat.wordStartTable(vocabulary)));
    }

    /** Appends a document of non-empty sentences. */
    public void write(int[][] sentences) throws IOException {
        long ids = 0;
        for (int[] sentence : sentences) {
            ids += sentence.length;
        }
        long bytes = 4L + 4L * sentences.length + ids * idBytes;
        if (bytes > Integer.MAX_VALUE) {
            throw new DataException("shard '" + path + "': document of " + ids + " tokens is too large for one record");
        }
        ByteBuffer record = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        record.putInt(sentences.length);
        for (int[] sentence : sentences) {
            record.putInt(sentence.length);
        }
        for (int[] sentence : sentences) {
            for (int id : sentence) {
                if (id < 0 || id >= vocabulary.vocabSize()) {
                    throw new DataException("shard '" + path + "': id " + id + " outside vocabulary of "
                            + vocabulary.vocabSize());
                }
                if (idBytes == 2) {
                    record.putShort((short) id);
                } else {
                    record.putInt(id);
                }
            }
        }
        writeBody(record.flip());
        documents++;
    }

    /** Bytes written so far, header included (the preparer starts a new shard past {@link ShardFormat#MAX_SHARD_BYTES}). */
    public long bytes() {
        return ShardFormat.HEADER_BYTES + bodyBytes;
    }

    public long documents() {
        return documents;
    }

    private void writeBody(ByteBuffer buffer) throws IOException {
        crc.update(buffer.duplicate());
        bodyBytes += buffer.remaining();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (channel) {
            ByteBuffer header = ShardFormat.header(vocabulary, idBytes, documents, bodyBytes, crc.getValue());
            long position = 0;
            while (header.hasRemaining()) {
                position += channel.write(header, position);
            }
        }
    }
}
