package io.albert4j.io.tf;

import io.albert4j.io.tf.proto.BundleEntryProto;
import io.albert4j.io.tf.proto.BundleHeaderProto;
import io.albert4j.io.tf.proto.DataType;
import io.albert4j.io.tf.proto.TensorShapeProto;
import io.albert4j.io.tf.proto.VersionDef;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.xerial.snappy.Snappy;

/**
 * Writes tensor bundles the way TensorFlow's BundleWriter and table builder do (test code: ALBERT-shaped
 * checkpoints for the reader and the converter, and lying ones). Tensors go to the data shards in the order given
 * (round-robin over shards); the index holds them sorted by name, in LevelDB blocks of {@link #blockSize} bytes
 * with a restart point every 16 entries, each block Snappy-compressed when that saves an eighth, index keys
 * shortened as LevelDB's bytewise comparator does. {@code TensorBundleReaderTest} checks that this writer
 * reproduces TF's own files byte for byte.
 */
public final class TensorBundleWriter {
    /** One tensor: TF dtype, shape, raw little-endian bytes. */
    public record Tensor(DataType dtype, long[] shape, byte[] bytes) {
        public static Tensor floats(long[] shape, float... values) {
            ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : values) {
                b.putFloat(v);
            }
            return new Tensor(DataType.DT_FLOAT, shape, b.array());
        }
    }

    private int blockSize = 262144; // TF's table::Options default
    private int restartInterval = 16;
    private boolean compress = true;
    private int shards = 1;

    public TensorBundleWriter blockSize(int bytes) {
        this.blockSize = bytes;
        return this;
    }

    public TensorBundleWriter compress(boolean on) {
        this.compress = on;
        return this;
    }

    public TensorBundleWriter shards(int n) {
        this.shards = n;
        return this;
    }

    /** Writes PREFIX.index and PREFIX.data-*; returns the BundleEntryProto of each tensor, as written. */
    public Map<String, BundleEntryProto> write(Path prefix, Map<String, Tensor> tensors) throws IOException {
        ByteArrayOutputStream[] data = new ByteArrayOutputStream[shards];
        for (int i = 0; i < shards; i++) {
            data[i] = new ByteArrayOutputStream();
        }
        Map<String, BundleEntryProto> entries = new LinkedHashMap<>();
        int next = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            int shard = next++ % shards;
            Tensor t = e.getValue();
            TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
            for (long d : t.shape()) {
                shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
            }
            entries.put(e.getKey(), BundleEntryProto.newBuilder().setDtype(t.dtype()).setShape(shape)
                    .setShardId(shard).setOffset(data[shard].size()).setSize(t.bytes().length)
                    .setCrc32C(TableFormat.mask(TableFormat.crc32c(t.bytes(), 0, t.bytes().length))).build());
            data[shard].writeBytes(t.bytes());
        }
        for (int i = 0; i < shards; i++) {
            Files.write(TensorBundleReader.shardFile(prefix, i, shards), data[i].toByteArray());
        }
        TreeMap<String, byte[]> table = new TreeMap<>(TensorBundleWriter::compareUtf8);
        table.put("", BundleHeaderProto.newBuilder().setNumShards(shards)
                .setVersion(VersionDef.newBuilder().setProducer(1)).build().toByteArray());
        entries.forEach((name, entry) -> table.put(name, entry.toByteArray()));
        writeIndex(prefix.resolveSibling(prefix.getFileName() + ".index"), table);
        return entries;
    }

    /** The .index of {@code sortedTable} (key -> serialized proto): a test changes an entry to make it lie. */
    void writeIndex(Path indexFile, Map<String, byte[]> sortedTable) throws IOException {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        List<byte[]> indexKeys = new ArrayList<>();
        List<long[]> indexHandles = new ArrayList<>();
        BlockBuilder block = new BlockBuilder(restartInterval);
        byte[] lastKey = null;
        for (Map.Entry<String, byte[]> e : sortedTable.entrySet()) {
            byte[] key = e.getKey().getBytes(StandardCharsets.UTF_8);
            if (block.estimatedSize() >= blockSize && lastKey != null) {
                indexHandles.add(writeBlock(file, block.finish()));
                indexKeys.add(shortestSeparator(lastKey, key));
                block = new BlockBuilder(restartInterval);
            }
            block.add(key, e.getValue());
            lastKey = key;
        }
        if (!block.isEmpty()) {
            indexHandles.add(writeBlock(file, block.finish()));
            indexKeys.add(shortSuccessor(lastKey));
        }
        long[] metaindex = writeBlock(file, new BlockBuilder(restartInterval).finish());
        BlockBuilder index = new BlockBuilder(1);
        for (int i = 0; i < indexKeys.size(); i++) {
            ByteArrayOutputStream handle = new ByteArrayOutputStream();
            varint(handle, indexHandles.get(i)[0]);
            varint(handle, indexHandles.get(i)[1]);
            index.add(indexKeys.get(i), handle.toByteArray());
        }
        long[] indexHandle = writeBlock(file, index.finish());
        ByteArrayOutputStream footer = new ByteArrayOutputStream();
        varint(footer, metaindex[0]);
        varint(footer, metaindex[1]);
        varint(footer, indexHandle[0]);
        varint(footer, indexHandle[1]);
        footer.writeBytes(new byte[40 - footer.size()]);
        footer.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(TableFormat.MAGIC).array());
        file.writeBytes(footer.toByteArray());
        Files.write(indexFile, file.toByteArray());
    }

    private long[] writeBlock(ByteArrayOutputStream file, byte[] raw) throws IOException {
        byte[] contents = raw;
        int type = TableFormat.NO_COMPRESSION;
        if (compress) {
            byte[] compressed = Snappy.compress(raw);
            if (compressed.length < raw.length - raw.length / 8) { // LevelDB keeps a block compressed only then
                contents = compressed;
                type = TableFormat.SNAPPY;
            }
        }
        long offset = file.size();
        file.writeBytes(contents);
        file.write(type);
        file.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(TableFormat.blockCrc(contents, 0, contents.length, type)).array());
        return new long[] {offset, contents.length};
    }

    /** LevelDB's block: prefix-compressed entries, a restart point every {@code interval}, the restart array. */
    private static final class BlockBuilder {
        private final int interval;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final List<Integer> restarts = new ArrayList<>(List.of(0));
        private byte[] last = new byte[0];
        private int counter;
        private boolean empty = true;

        BlockBuilder(int interval) {
            this.interval = interval;
        }

        void add(byte[] key, byte[] value) {
            int shared = 0;
            if (counter < interval) {
                int max = Math.min(last.length, key.length);
                while (shared < max && last[shared] == key[shared]) {
                    shared++;
                }
            } else {
                restarts.add(out.size());
                counter = 0;
            }
            varint(out, shared);
            varint(out, key.length - shared);
            varint(out, value.length);
            out.write(key, shared, key.length - shared);
            out.writeBytes(value);
            last = key;
            counter++;
            empty = false;
        }

        boolean isEmpty() {
            return empty;
        }

        int estimatedSize() {
            return out.size() + restarts.size() * 4 + 4;
        }

        byte[] finish() {
            ByteBuffer tail = ByteBuffer.allocate(restarts.size() * 4 + 4).order(ByteOrder.LITTLE_ENDIAN);
            restarts.forEach(tail::putInt);
            tail.putInt(restarts.size());
            out.writeBytes(tail.array());
            return out.toByteArray();
        }
    }

    /** LevelDB's BytewiseComparator::FindShortestSeparator. */
    static byte[] shortestSeparator(byte[] start, byte[] limit) {
        int min = Math.min(start.length, limit.length);
        int diff = 0;
        while (diff < min && start[diff] == limit[diff]) {
            diff++;
        }
        if (diff < min) {
            int b = start[diff] & 0xff;
            if (b < 0xff && b + 1 < (limit[diff] & 0xff)) {
                byte[] out = Arrays.copyOf(start, diff + 1);
                out[diff]++;
                return out;
            }
        }
        return start;
    }

    /** LevelDB's BytewiseComparator::FindShortSuccessor. */
    static byte[] shortSuccessor(byte[] key) {
        for (int i = 0; i < key.length; i++) {
            if ((key[i] & 0xff) != 0xff) {
                byte[] out = Arrays.copyOf(key, i + 1);
                out[i]++;
                return out;
            }
        }
        return key;
    }

    private static void varint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7fL) != 0) {
            out.write((int) ((value & 0x7f) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    private static int compareUtf8(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
