package io.albert4j.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.albert4j.testing.ReaderContract;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Fuzz targets of the prepared-shard reader ({@code albert data prepare} output, {@link ShardFormat}): the bytes as
 * given, and the bytes with the header's body size and checksum made true, so that the fuzzer gets past the
 * checksum to the documents, which must be refused when they lie (counts, lengths, ids outside the vocabulary).
 */
class ShardFuzzTest {
    private static final Path DIR = ReaderContract.scratch("shards");

    @FuzzTest
    void shard(byte[] data) throws Exception {
        read(data);
    }

    @FuzzTest
    void shardWithTrueChecksum(byte[] data) throws Exception {
        if (data.length >= ShardFormat.HEADER_BYTES) {
            CRC32C crc = new CRC32C();
            crc.update(data, ShardFormat.HEADER_BYTES, data.length - ShardFormat.HEADER_BYTES);
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(40, data.length - ShardFormat.HEADER_BYTES).putLong(48, crc.getValue());
        }
        read(data);
    }

    private static void read(byte[] data) throws Exception {
        Path file = DIR.resolve("corpus-00000" + ShardFormat.EXTENSION);
        Files.write(file, data);
        ReaderContract.parsesOrRefuses(file, () -> {
            DocumentSource source = DocumentSource.shards(List.of(file));
            int vocabSize = source.vocabulary().vocabSize();
            try (DocumentSource.DocumentReader reader = source.open(new int[] {0}, CorpusPosition.START)) {
                for (DocumentSource.PendingDocument d; (d = reader.next()) != null; ) {
                    for (int[] sentence : d.sentences()) {
                        for (int id : sentence) {
                            if (id < 0 || id >= vocabSize) {
                                throw new AssertionError("id " + id + " outside the vocabulary of " + vocabSize);
                            }
                        }
                    }
                }
            }
        }, DataException.class, UncheckedIOException.class);
    }
}
