package io.albert4j.io.tf;

import com.google.protobuf.InvalidProtocolBufferException;
import io.albert4j.io.CheckpointException;
import io.albert4j.io.CheckpointReader;
import io.albert4j.io.SafetensorsDType;
import io.albert4j.io.StoredElements;
import io.albert4j.io.StoredTensor;
import io.albert4j.io.tf.proto.BundleEntryProto;
import io.albert4j.io.tf.proto.BundleHeaderProto;
import io.albert4j.io.tf.proto.DataType;
import io.albert4j.io.tf.proto.TensorShapeProto;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A TensorFlow checkpoint in the tensor-bundle ("V2") format: {@code PREFIX.index}, a {@link LevelDbTable} whose
 * empty key holds a {@code BundleHeaderProto} (shard count, endianness) and whose other keys are tensor names with
 * a {@code BundleEntryProto} each (dtype, shape, shard, offset, size, masked CRC32C), and the data shards {@code
 * PREFIX.data-0000i-of-0000N}, raw little-endian bytes.
 *
 * <p>Opening checks every entry against its shard's size; reading a tensor checks its CRC32C (masked as TF stores
 * it), so a flipped byte is reported with the tensor's name. Entries that are not numeric tensors (the object
 * graph that TF2 adds as a string) are listed in {@link #otherEntries()}, not in {@link #names()}.
 */
public final class TensorBundleReader implements CheckpointReader {
    private record Entry(StoredTensor stored, int shard, long offset, long size, int maskedCrc) {
    }

    private final Path prefix;
    private final Path index;
    private final Path[] shardFiles;
    private final MemorySegment[] shards;
    private final Arena arena = Arena.ofShared();
    private final Map<String, Entry> entries;
    private final Map<String, String> otherEntries;

    private TensorBundleReader(Path prefix, Path index, Path[] shardFiles, Map<String, Entry> entries,
                               Map<String, String> otherEntries) {
        this.prefix = prefix;
        this.index = index;
        this.shardFiles = shardFiles;
        this.shards = new MemorySegment[shardFiles.length];
        this.entries = entries;
        this.otherEntries = otherEntries;
    }

    /** {@code model.ckpt-1000} for {@code model.ckpt-1000.index} (either form may be given). */
    public static Path prefixOf(Path path) {
        String name = path.getFileName().toString();
        if (name.endsWith(".index")) {
            return path.resolveSibling(name.substring(0, name.length() - ".index".length()));
        }
        int data = name.indexOf(".data-");
        return data > 0 ? path.resolveSibling(name.substring(0, data)) : path;
    }

    /** True when {@code path} is a bundle prefix (or its .index) whose index exists. */
    public static boolean isBundle(Path path) {
        Path prefix = prefixOf(path);
        return Files.isRegularFile(prefix.resolveSibling(prefix.getFileName() + ".index"));
    }

    /** The data shard {@code i} of {@code n}: {@code PREFIX.data-0000i-of-0000n}, as TF names them. */
    public static Path shardFile(Path prefix, int shard, int shards) {
        return prefix.resolveSibling(String.format("%s.data-%05d-of-%05d", prefix.getFileName(), shard, shards));
    }

    public static TensorBundleReader open(Path path) {
        Path prefix = prefixOf(path);
        Path index = prefix.resolveSibling(prefix.getFileName() + ".index");
        if (!Files.isRegularFile(index)) {
            throw new CheckpointException(index, "missing: " + prefix + " is not a TensorFlow checkpoint prefix");
        }
        BundleHeaderProto header = null;
        Map<String, BundleEntryProto> protos = new LinkedHashMap<>();
        for (LevelDbTable.Entry e : LevelDbTable.read(index)) {
            String name = e.keyString();
            try {
                if (name.isEmpty()) {
                    header = BundleHeaderProto.parseFrom(e.value());
                } else {
                    protos.put(name, BundleEntryProto.parseFrom(e.value()));
                }
            } catch (InvalidProtocolBufferException ex) {
                throw new CheckpointException(index, (name.isEmpty() ? "the bundle header" : "tensor '" + name + "'")
                        + ": not a valid " + (name.isEmpty() ? "BundleHeaderProto" : "BundleEntryProto") + " ("
                        + ex.getMessage() + ")", ex);
            }
        }
        if (header == null) {
            throw new CheckpointException(index, "has no bundle header (the entry under the empty key): not a "
                    + "tensor bundle");
        }
        if (header.getEndianness() != BundleHeaderProto.Endianness.LITTLE) {
            throw new CheckpointException(index, "was written big-endian; albert4j reads little-endian bundles");
        }
        int numShards = header.getNumShards();
        if (numShards < 1 || numShards > 100_000) {
            throw new CheckpointException(index, "header says " + numShards + " data shards");
        }
        Path[] shardFiles = new Path[numShards];
        long[] shardSizes = new long[numShards];
        for (int i = 0; i < numShards; i++) {
            shardFiles[i] = shardFile(prefix, i, numShards);
            shardSizes[i] = -1;
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> others = new LinkedHashMap<>();
        for (Map.Entry<String, BundleEntryProto> e : protos.entrySet()) {
            String name = e.getKey();
            BundleEntryProto proto = e.getValue();
            SafetensorsDType dtype = dtype(proto.getDtype());
            if (dtype == null) {
                others.put(name, proto.getDtype().name());
                continue;
            }
            String where = "tensor '" + name + "'";
            if (proto.getSlicesCount() > 0) {
                throw new CheckpointException(index, where + " is a partitioned variable (" + proto.getSlicesCount()
                        + " slices); albert4j reads whole tensors");
            }
            int[] shape = shape(index, where, proto.getShape());
            int shard = proto.getShardId();
            if (shard < 0 || shard >= numShards) {
                throw new CheckpointException(index, where + " is in shard " + shard + " of a bundle of " + numShards);
            }
            if (shardSizes[shard] < 0) {
                if (!Files.isRegularFile(shardFiles[shard])) {
                    throw new CheckpointException(index, where + " is in data shard " + shardFiles[shard].getFileName()
                            + ", which is missing");
                }
                try {
                    shardSizes[shard] = Files.size(shardFiles[shard]);
                } catch (IOException ex) {
                    throw new CheckpointException(shardFiles[shard], "cannot read: " + ex, ex);
                }
            }
            long expected;
            try {
                expected = Math.multiplyExact(Tensor.numelOf(shape), (long) dtype.byteSize());
            } catch (ArithmeticException ex) {
                throw new CheckpointException(index, where + ": shape " + Arrays.toString(shape)
                        + " overflows");
            }
            if (proto.getSize() != expected) {
                throw new CheckpointException(index, where + ": size " + proto.getSize() + " bytes, but "
                        + Arrays.toString(shape) + " " + dtype + " needs " + expected);
            }
            if (proto.getOffset() < 0 || proto.getOffset() > shardSizes[shard] - proto.getSize()) {
                throw new CheckpointException(index, where + ": bytes [" + proto.getOffset() + ", +" + proto.getSize()
                        + ") run past the end of " + shardFiles[shard].getFileName() + " (" + shardSizes[shard]
                        + " bytes)");
            }
            entries.put(name, new Entry(new StoredTensor(name, dtype, shape, shardFiles[shard]), shard,
                    proto.getOffset(), proto.getSize(), proto.getCrc32C()));
        }
        return new TensorBundleReader(prefix, index, shardFiles, Collections.unmodifiableMap(entries),
                Collections.unmodifiableMap(others));
    }

    /** TF's element types albert4j can hold (after conversion), or null for strings, resources, variants... */
    private static SafetensorsDType dtype(DataType type) {
        return switch (type) {
            case DT_FLOAT -> SafetensorsDType.F32;
            case DT_DOUBLE -> SafetensorsDType.F64;
            case DT_HALF -> SafetensorsDType.F16;
            case DT_BFLOAT16 -> SafetensorsDType.BF16;
            case DT_INT64 -> SafetensorsDType.I64;
            case DT_INT32 -> SafetensorsDType.I32;
            case DT_INT16 -> SafetensorsDType.I16;
            case DT_INT8 -> SafetensorsDType.I8;
            case DT_UINT8 -> SafetensorsDType.U8;
            case DT_UINT16 -> SafetensorsDType.U16;
            case DT_UINT32 -> SafetensorsDType.U32;
            case DT_UINT64 -> SafetensorsDType.U64;
            case DT_BOOL -> SafetensorsDType.BOOL;
            default -> null;
        };
    }

    private static int[] shape(Path index, String where, TensorShapeProto proto) {
        if (proto.getUnknownRank()) {
            throw new CheckpointException(index, where + " has an unknown rank");
        }
        int[] shape = new int[proto.getDimCount()];
        for (int i = 0; i < shape.length; i++) {
            long d = proto.getDim(i).getSize();
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new CheckpointException(index, where + ": dimension " + i + " is " + d);
            }
            shape[i] = (int) d;
        }
        return shape;
    }

    @Override
    public Path path() {
        return prefix;
    }

    /** The {@code .index} file. */
    public Path indexFile() {
        return index;
    }

    @Override
    public Set<String> names() {
        return entries.keySet();
    }

    @Override
    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** Entries that are not numeric tensors, with their TF dtype (e.g. the TF2 object graph, a DT_STRING). */
    public Map<String, String> otherEntries() {
        return otherEntries;
    }

    private Entry entry(String name) {
        Entry entry = entries.get(name);
        if (entry == null) {
            throw new CheckpointException(index, otherEntries.containsKey(name)
                    ? "entry '" + name + "' is " + otherEntries.get(name) + ", not a numeric tensor"
                    : "no tensor named '" + name + "'");
        }
        return entry;
    }

    @Override
    public StoredTensor stored(String name) {
        return entry(name).stored();
    }

    /** The tensor's bytes, their CRC32C checked against the index. */
    @Override
    public Tensor read(String name, DType as) {
        Entry entry = entry(name);
        MemorySegment bytes = shard(entry.shard()).asSlice(entry.offset(), entry.size());
        int actual = TableFormat.mask(TableFormat.crc32c(bytes.asByteBuffer()));
        if (actual != entry.maskedCrc()) {
            throw new CheckpointException(shardFiles[entry.shard()], "tensor '" + name + "': bytes ["
                    + entry.offset() + ", +" + entry.size() + ") have masked CRC32C " + Integer.toHexString(actual)
                    + ", the index says " + Integer.toHexString(entry.maskedCrc()) + " (corrupt)");
        }
        StoredTensor stored = entry.stored();
        return StoredElements.decode(shardFiles[entry.shard()], name, bytes, stored.dtype(), stored.shape(), as);
    }

    private synchronized MemorySegment shard(int i) {
        if (shards[i] == null) {
            try (FileChannel channel = FileChannel.open(shardFiles[i], StandardOpenOption.READ)) {
                shards[i] = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            } catch (IOException e) {
                throw new CheckpointException(shardFiles[i], "cannot read: " + e, e);
            }
        }
        return shards[i];
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
