package io.albert4j.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Documents from {@link ShardFormat} files. Headers of all shards are checked when the source is made (same
 * vocabulary everywhere); each shard's checksum is verified the first time it is read.
 */
final class ShardDocumentSource implements DocumentSource {
    private final List<Path> shards;
    private final List<ShardFormat.Header> headers = new ArrayList<>();
    private final Set<Path> verified = ConcurrentHashMap.newKeySet();

    ShardDocumentSource(List<Path> shards) {
        this.shards = shards;
        try {
            for (Path shard : shards) {
                ShardFormat.Header header = ShardFormat.read(shard, false);
                if (!headers.isEmpty() && !header.vocabulary().equals(headers.getFirst().vocabulary())) {
                    throw ShardFormat.corrupt(shard, "vocabulary (size " + header.vocabulary().vocabSize()
                            + ") differs from that of '" + shards.getFirst() + "' (size "
                            + headers.getFirst().vocabulary().vocabSize() + ")");
                }
                headers.add(header);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("shards: " + e.getMessage(), e);
        }
    }

    @Override
    public String description() {
        return CorpusFiles.describe(shards);
    }

    @Override
    public int fileCount() {
        return shards.size();
    }

    @Override
    public VocabularyInfo vocabulary() {
        return headers.getFirst().vocabulary();
    }

    @Override
    public DocumentReader open(int[] fileOrder, CorpusPosition start) {
        return new Reader(fileOrder, start);
    }

    private final class Reader implements DocumentReader {
        private final int[] fileOrder;
        private int slot;
        private long offset;
        private MappedByteBuffer mapped;
        private ShardFormat.Header header;

        Reader(int[] fileOrder, CorpusPosition start) {
            this.fileOrder = fileOrder;
            this.slot = start.fileSlot();
            this.offset = start.byteOffset();
        }

        @Override
        public PendingDocument next() throws IOException {
            while (slot < fileOrder.length) {
                Path shard = shards.get(fileOrder[slot]);
                if (mapped == null) {
                    header = headers.get(fileOrder[slot]);
                    if (verified.add(shard)) {
                        try {
                            ShardFormat.read(shard, true);
                        } catch (RuntimeException | IOException e) {
                            verified.remove(shard);
                            throw e;
                        }
                    }
                    try (FileChannel channel = FileChannel.open(shard, StandardOpenOption.READ)) {
                        mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
                    }
                    mapped.order(ByteOrder.LITTLE_ENDIAN);
                    if (offset == 0) {
                        offset = header.documentsOffset();
                    }
                }
                if (offset < mapped.limit()) {
                    int[][] sentences = readDocument(shard);
                    return () -> sentences;
                }
                mapped = null;
                slot++;
                offset = 0;
            }
            return null;
        }

        private int[][] readDocument(Path shard) {
            try {
                mapped.position((int) offset);
                int count = mapped.getInt();
                if (count < 0 || (long) count * 4 > mapped.remaining()) {
                    throw ShardFormat.corrupt(shard, "document at byte " + offset + " claims " + count + " sentences");
                }
                int[][] sentences = new int[count][];
                // The lengths come first: their total is checked against the bytes left before any id array exists.
                int lengthsAt = mapped.position();
                long ids = 0;
                for (int s = 0; s < count; s++) {
                    int length = mapped.getInt();
                    if (length < 0) {
                        throw ShardFormat.corrupt(shard, "negative sentence length at byte " + offset);
                    }
                    ids += length;
                }
                if (ids * header.idBytes() > mapped.remaining()) {
                    throw ShardFormat.corrupt(shard, "document at byte " + offset + " claims " + ids + " token ids, the "
                            + mapped.remaining() + " bytes left hold " + mapped.remaining() / header.idBytes());
                }
                mapped.position(lengthsAt);
                for (int s = 0; s < count; s++) {
                    sentences[s] = new int[mapped.getInt()];
                }
                int vocabSize = header.vocabulary().vocabSize();
                for (int[] sentence : sentences) {
                    for (int i = 0; i < sentence.length; i++) {
                        int id = header.idBytes() == 2 ? Short.toUnsignedInt(mapped.getShort()) : mapped.getInt();
                        if (id < 0 || id >= vocabSize) {
                            throw ShardFormat.corrupt(shard, "document at byte " + offset + ": token id " + id
                                    + " is outside the vocabulary [0, " + vocabSize + ")");
                        }
                        sentence[i] = id;
                    }
                }
                offset = mapped.position();
                return sentences;
            } catch (java.nio.BufferUnderflowException e) {
                throw ShardFormat.corrupt(shard, "document at byte " + offset + " runs past the end of the file");
            }
        }

        @Override
        public CorpusPosition position() {
            if (mapped != null && offset >= mapped.limit()) {
                return new CorpusPosition(slot + 1, 0);
            }
            return new CorpusPosition(slot, offset);
        }

        @Override
        public void close() {
            mapped = null;
        }
    }
}
