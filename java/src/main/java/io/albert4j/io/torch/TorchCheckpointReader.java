package io.albert4j.io.torch;

import io.albert4j.io.CheckpointException;
import io.albert4j.io.CheckpointReader;
import io.albert4j.io.SafetensorsDType;
import io.albert4j.io.StoredElements;
import io.albert4j.io.StoredTensor;
import io.albert4j.io.torch.RestrictedUnpickler.Global;
import io.albert4j.io.torch.RestrictedUnpickler.PickleException;
import io.albert4j.io.torch.RestrictedUnpickler.TensorRef;
import io.albert4j.io.torch.RestrictedUnpickler.Tuple;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A {@code pytorch_model.bin} (what {@code torch.save(model.state_dict())} writes) read without running its pickle
 * ({@link RestrictedUnpickler}). Two layouts:
 * <ul>
 *   <li>the zip archive of PyTorch 1.6+: {@code NAME/data.pkl} (the pickled state dict, whose tensors refer to
 *       storages by key) and {@code NAME/data/KEY} (each storage's raw little-endian bytes, stored uncompressed);
 *       read with {@link ZipFile};</li>
 *   <li>the legacy stream ({@code _use_new_zipfile_serialization=False}): a magic-number pickle, a protocol
 *       pickle, a system-info pickle, the state dict, the list of storage keys, then each storage as an int64
 *       element count and its bytes; memory-mapped.</li>
 * </ul>
 * Opening unpickles and checks everything against the file: every storage exists and holds exactly the elements
 * its reference declares, and every tensor's offset, shape and strides stay inside its storage. A tensor's bytes
 * are read only by {@link #read}; strided views (a transposed or sliced tensor) are gathered there.
 */
public final class TorchCheckpointReader implements CheckpointReader {
    /** Longest data.pkl read: a state dict's pickle is kilobytes (names and shapes; the data is elsewhere). */
    static final long MAX_PICKLE_BYTES = 256L << 20;
    /** torch.serialization's MAGIC_NUMBER and PROTOCOL_VERSION of the legacy format. */
    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final long LEGACY_PROTOCOL = 1001;

    /** One storage: its element type and count, and where its bytes are (a zip entry, or a range of the file). */
    private record Storage(String key, SafetensorsDType dtype, long numel, String zipEntry, long fileOffset) {
    }

    /** What a pickled storage reference says, before it is checked against the file. */
    private record StorageRef(String key, SafetensorsDType dtype, long numel, long viewOffset, long viewNumel) {
    }

    private record Entry(StoredTensor stored, Storage storage, long storageOffset, long[] stride, long extent,
                         boolean contiguous) {
    }

    private final Path file;
    private final ZipFile zip;
    private final Arena arena;
    private final MemorySegment mapping;
    private final Map<String, Entry> entries;

    private TorchCheckpointReader(Path file, ZipFile zip, Arena arena, MemorySegment mapping,
                                  Map<String, Entry> entries) {
        this.file = file;
        this.zip = zip;
        this.arena = arena;
        this.mapping = mapping;
        this.entries = entries;
    }

    /** Opens a PyTorch checkpoint of either layout; a {@link CheckpointException} naming the problem otherwise. */
    public static TorchCheckpointReader open(Path file) {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(4);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read: " + e, e);
        }
        if (head.length == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return openZip(file);
        }
        if (head.length >= 1 && (head[0] & 0xff) == 0x80) {
            return openLegacy(file);
        }
        throw new CheckpointException(file, "is not a PyTorch checkpoint: neither a zip archive (torch.save since "
                + "1.6) nor a legacy pickle stream");
    }

    // ---- the zip layout ---------------------------------------------------------------------------------------

    private static TorchCheckpointReader openZip(Path file) {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new CheckpointException(file, "is not a readable zip archive (" + e.getMessage()
                    + "): truncated or corrupt?", e);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read: " + e, e);
        }
        try {
            String prefix = archivePrefix(file, zip);
            checkByteOrder(file, zip, prefix);
            ZipEntry pickleEntry = zip.getEntry(prefix + "data.pkl");
            byte[] pickle = readSmall(file, zip, pickleEntry);
            Object root;
            try {
                root = RestrictedUnpickler.load(pickle, pid -> storageRef(pid, false)).value();
            } catch (PickleException e) {
                throw new CheckpointException(file, prefix + "data.pkl: " + e.getMessage(), e);
            }
            Map<String, Storage> storages = new LinkedHashMap<>();
            Map<String, Entry> entries = entries(file, root, ref -> storages.computeIfAbsent(ref.key(),
                    key -> zipStorage(file, zip, prefix, ref)));
            return new TorchCheckpointReader(file, zip, null, null, entries);
        } catch (RuntimeException e) {
            closeQuietly(zip);
            throw e;
        }
    }

    /** The archive's one top-level folder (torch names it after the file: {@code pytorch_model/}, {@code archive/}). */
    private static String archivePrefix(Path file, ZipFile zip) {
        List<String> pickles = new ArrayList<>();
        for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
            String name = e.nextElement().getName();
            int slash = name.indexOf('/');
            if (slash > 0 && name.equals(name.substring(0, slash + 1) + "data.pkl")) {
                pickles.add(name);
            }
        }
        if (pickles.size() != 1) {
            throw new CheckpointException(file, pickles.isEmpty()
                    ? "is a zip archive without NAME/data.pkl: not a torch.save file"
                    : "holds " + pickles.size() + " data.pkl files " + pickles + "; torch.save writes one");
        }
        String pickle = pickles.get(0);
        return pickle.substring(0, pickle.length() - "data.pkl".length());
    }

    private static void checkByteOrder(Path file, ZipFile zip, String prefix) {
        ZipEntry entry = zip.getEntry(prefix + "byteorder");
        if (entry == null) {
            return; // before torch 2.1 there was no such record, and only little-endian writers
        }
        String order = new String(readSmall(file, zip, entry), StandardCharsets.US_ASCII).trim();
        if (!order.equals("little")) {
            throw new CheckpointException(file, "was written on a '" + order + "'-endian machine; albert4j reads "
                    + "little-endian storages");
        }
    }

    private static byte[] readSmall(Path file, ZipFile zip, ZipEntry entry) {
        if (entry.getSize() > MAX_PICKLE_BYTES) {
            throw new CheckpointException(file, entry.getName() + " claims " + entry.getSize() + " bytes (limit "
                    + MAX_PICKLE_BYTES + ")");
        }
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] bytes = in.readNBytes((int) MAX_PICKLE_BYTES + 1);
            if (bytes.length > MAX_PICKLE_BYTES) {
                throw new CheckpointException(file, entry.getName() + " is over " + MAX_PICKLE_BYTES + " bytes");
            }
            return bytes;
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read " + entry.getName() + ": " + e.getMessage()
                    + " (truncated or corrupt?)", e);
        }
    }

    private static Storage zipStorage(Path file, ZipFile zip, String prefix, StorageRef ref) {
        String name = prefix + "data/" + ref.key();
        ZipEntry entry = zip.getEntry(name);
        if (entry == null) {
            throw new StorageProblem("storage '" + ref.key() + "' is missing from the archive (no " + name + ")");
        }
        if (entry.getMethod() != ZipEntry.STORED) {
            throw new StorageProblem("storage '" + ref.key() + "' is compressed (zip method " + entry.getMethod()
                    + "); torch.save stores storages uncompressed");
        }
        long bytes = storageBytes(ref);
        if (entry.getSize() != bytes) {
            throw new StorageProblem("storage '" + ref.key() + "' holds " + entry.getSize() + " bytes; its reference "
                    + "declares " + ref.numel() + " " + ref.dtype() + " elements (" + bytes + " bytes)");
        }
        return new Storage(ref.key(), ref.dtype(), ref.numel(), name, -1);
    }

    // ---- the legacy layout -------------------------------------------------------------------------------------

    private static TorchCheckpointReader openLegacy(Path file) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment mapping;
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            }
            RestrictedUnpickler.Result magic = legacyPickle(file, mapping, 0, "magic number");
            if (!LEGACY_MAGIC.equals(magic.value() instanceof Long l ? BigInteger.valueOf(l) : magic.value())) {
                throw new CheckpointException(file, "starts with a pickle that is not torch's magic number: not a "
                        + "PyTorch checkpoint");
            }
            RestrictedUnpickler.Result protocol = legacyPickle(file, mapping, magic.end(), "protocol version");
            if (!Long.valueOf(LEGACY_PROTOCOL).equals(protocol.value())) {
                throw new CheckpointException(file, "legacy protocol " + protocol.value() + " (albert4j reads "
                        + LEGACY_PROTOCOL + ")");
            }
            RestrictedUnpickler.Result sysInfo = legacyPickle(file, mapping, protocol.end(), "system info");
            if (sysInfo.value() instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian"))) {
                throw new CheckpointException(file, "was written on a big-endian machine; albert4j reads "
                        + "little-endian storages");
            }
            List<StorageRef> refs = new ArrayList<>();
            RestrictedUnpickler.Result body;
            try {
                body = RestrictedUnpickler.load(mapping, sysInfo.end(), pid -> {
                    StorageRef ref = storageRef(pid, true);
                    refs.add(ref);
                    return ref;
                });
            } catch (PickleException e) {
                throw new CheckpointException(file, "the state dict pickle: " + e.getMessage(), e);
            }
            RestrictedUnpickler.Result keys = legacyPickle(file, mapping, body.end(), "storage key list");
            Map<String, Storage> storages = legacyStorages(file, mapping, keys, refs);
            Map<String, Entry> entries = entries(file, body.value(), ref -> {
                Storage root = storages.get(ref.key());
                if (root == null) {
                    throw new StorageProblem("storage '" + ref.key() + "' is not in the file's storage list");
                }
                if (ref.viewNumel() < 0) {
                    return root;
                }
                // A storage view (torch < 1.0): a sub-range of its root storage.
                if (ref.viewOffset() < 0 || ref.viewOffset() + ref.viewNumel() > root.numel()) {
                    throw new StorageProblem("storage view [" + ref.viewOffset() + ", +" + ref.viewNumel()
                            + ") runs past storage '" + ref.key() + "' of " + root.numel() + " elements");
                }
                return new Storage(ref.key(), root.dtype(), ref.viewNumel(), null,
                        root.fileOffset() + ref.viewOffset() * root.dtype().byteSize());
            });
            return new TorchCheckpointReader(file, null, arena, mapping, entries);
        } catch (IOException e) {
            arena.close();
            throw new CheckpointException(file, "cannot read: " + e, e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static RestrictedUnpickler.Result legacyPickle(Path file, MemorySegment mapping, long start,
                                                           String what) {
        try {
            return RestrictedUnpickler.load(mapping, start, pid -> {
                throw new PickleException("a persistent id in the " + what + " pickle");
            });
        } catch (PickleException e) {
            throw new CheckpointException(file, "the " + what + " pickle: " + e.getMessage(), e);
        }
    }

    /** After the pickles: for each key in the list, an int64 element count and the storage's bytes. */
    private static Map<String, Storage> legacyStorages(Path file, MemorySegment mapping,
                                                       RestrictedUnpickler.Result keys, List<StorageRef> refs) {
        if (!(keys.value() instanceof List<?> keyList)) {
            throw new CheckpointException(file, "the storage key list is " + RestrictedUnpickler.describe(keys.value()));
        }
        Map<String, StorageRef> declared = new LinkedHashMap<>();
        for (StorageRef ref : refs) {
            declared.putIfAbsent(ref.key(), ref);
        }
        Map<String, Storage> storages = new LinkedHashMap<>();
        long position = keys.end();
        for (Object key : keyList) {
            if (!(key instanceof String k) || !declared.containsKey(k)) {
                throw new CheckpointException(file, "storage key " + RestrictedUnpickler.describe(key)
                        + " is listed but no tensor refers to it");
            }
            StorageRef ref = declared.get(k);
            if (mapping.byteSize() - position < 8) {
                throw new CheckpointException(file, "storage '" + k + "' at byte " + position
                        + ": the file ends (truncated?)");
            }
            long numel = mapping.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), position);
            position += 8;
            if (numel != ref.numel()) {
                throw new CheckpointException(file, "storage '" + k + "' holds " + numel + " elements, its "
                        + "reference declares " + ref.numel());
            }
            long bytes = storageBytes(ref);
            if (bytes > mapping.byteSize() - position) {
                throw new CheckpointException(file, "storage '" + k + "' needs " + bytes + " bytes at byte "
                        + position + ", the file has " + (mapping.byteSize() - position) + " left (truncated?)");
            }
            storages.put(k, new Storage(k, ref.dtype(), numel, null, position));
            position += bytes;
        }
        return storages;
    }

    // ---- what both layouts share ---------------------------------------------------------------------------

    /** Thrown while resolving a storage; {@link #entries} adds the file and the tensor. */
    private static final class StorageProblem extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StorageProblem(String message) {
            super(message);
        }
    }

    /**
     * A pickled storage reference: {@code ('storage', storage_type, key, location, numel)} in the zip layout, with
     * a sixth member, {@code None} or {@code (view_key, offset, view_numel)}, in the legacy one.
     */
    private static StorageRef storageRef(Object pid, boolean legacy) {
        int members = legacy ? 6 : 5;
        if (!(pid instanceof Tuple t) || t.size() != members || !"storage".equals(t.get(0))) {
            throw new PickleException("persistent id " + RestrictedUnpickler.describe(pid) + " is not a storage "
                    + "reference ('storage', type, key, location, numel" + (legacy ? ", view" : "") + ")");
        }
        if (!(t.get(1) instanceof Global type)) {
            throw new PickleException("storage type " + RestrictedUnpickler.describe(t.get(1)) + " is not a global");
        }
        SafetensorsDType dtype = storageDType(type);
        Object key = t.get(2);
        if (!(key instanceof String) && !(key instanceof Long)) {
            throw new PickleException("storage key " + RestrictedUnpickler.describe(key) + " is not a string");
        }
        if (!(t.get(4) instanceof Long numel) || numel < 0) {
            throw new PickleException("storage '" + key + "' element count " + RestrictedUnpickler.describe(t.get(4))
                    + " is not a non-negative integer");
        }
        long viewOffset = -1;
        long viewNumel = -1;
        if (legacy && t.get(5) != null) {
            if (!(t.get(5) instanceof Tuple view) || view.size() != 3 || !(view.get(1) instanceof Long offset)
                    || !(view.get(2) instanceof Long size)) {
                throw new PickleException("storage view " + RestrictedUnpickler.describe(t.get(5))
                        + " is not (key, offset, size)");
            }
            viewOffset = offset;
            viewNumel = size;
        }
        return new StorageRef(key.toString(), dtype, numel, viewOffset, viewNumel);
    }

    private static SafetensorsDType storageDType(Global type) {
        return switch (type.name()) {
            case "DoubleStorage" -> SafetensorsDType.F64;
            case "FloatStorage" -> SafetensorsDType.F32;
            case "HalfStorage" -> SafetensorsDType.F16;
            case "BFloat16Storage" -> SafetensorsDType.BF16;
            case "LongStorage" -> SafetensorsDType.I64;
            case "IntStorage" -> SafetensorsDType.I32;
            case "ShortStorage" -> SafetensorsDType.I16;
            case "CharStorage" -> SafetensorsDType.I8;
            case "ByteStorage" -> SafetensorsDType.U8;
            case "BoolStorage" -> SafetensorsDType.BOOL;
            default -> throw new PickleException(type.qualified() + " is not a storage type");
        };
    }

    private static long storageBytes(StorageRef ref) {
        try {
            return Math.multiplyExact(ref.numel(), (long) ref.dtype().byteSize());
        } catch (ArithmeticException e) {
            throw new StorageProblem("storage '" + ref.key() + "' declares " + ref.numel() + " elements: overflows");
        }
    }

    private interface StorageResolver {
        Storage resolve(StorageRef ref);
    }

    /** The state dict: a (Ordered)dict of names to tensors, each checked against its storage. */
    private static Map<String, Entry> entries(Path file, Object root, StorageResolver storages) {
        if (!(root instanceof Map<?, ?> dict)) {
            throw new CheckpointException(file, "holds " + RestrictedUnpickler.describe(root)
                    + ", not a state dict (a dict of tensor names to tensors)");
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw new CheckpointException(file, "state dict key " + RestrictedUnpickler.describe(e.getKey())
                        + " is not a string");
            }
            if (!(e.getValue() instanceof TensorRef tensor)) {
                throw new CheckpointException(file, "entry '" + name + "' is "
                        + RestrictedUnpickler.describe(e.getValue()) + ", not a tensor: albert4j reads state dicts "
                        + "(name -> tensor), not training checkpoints holding other objects");
            }
            if (!(tensor.storage() instanceof StorageRef ref)) {
                throw new CheckpointException(file, "tensor '" + name + "': its storage is "
                        + RestrictedUnpickler.describe(tensor.storage()) + ", not a storage reference");
            }
            Storage storage;
            try {
                storage = storages.resolve(ref);
            } catch (StorageProblem p) {
                throw new CheckpointException(file, "tensor '" + name + "': " + p.getMessage(), p);
            }
            entries.put(name, entry(file, name, tensor, storage));
        }
        return Collections.unmodifiableMap(entries);
    }

    private static Entry entry(Path file, String name, TensorRef tensor, Storage storage) {
        long[] size = tensor.size();
        long[] stride = tensor.stride();
        String where = "tensor '" + name + "'";
        if (stride.length != size.length) {
            throw new CheckpointException(file, where + ": " + size.length + " dimensions but " + stride.length
                    + " strides");
        }
        int[] shape = new int[size.length];
        long numel = 1;
        long extent = 1;
        try {
            for (int i = 0; i < size.length; i++) {
                if (size[i] < 0 || size[i] > Integer.MAX_VALUE) {
                    throw new CheckpointException(file, where + ": dimension " + i + " is " + size[i]);
                }
                if (stride[i] < 0) {
                    throw new CheckpointException(file, where + ": stride " + i + " is " + stride[i]);
                }
                shape[i] = (int) size[i];
                numel = Math.multiplyExact(numel, size[i]);
                if (size[i] > 0) {
                    extent = Math.addExact(extent, Math.multiplyExact(size[i] - 1, stride[i]));
                }
            }
        } catch (ArithmeticException e) {
            throw new CheckpointException(file, where + ": shape " + Arrays.toString(size) + " with strides "
                    + Arrays.toString(stride) + " overflows");
        }
        if (numel == 0) {
            extent = 0;
        }
        long offset = tensor.storageOffset();
        if (offset < 0 || offset > storage.numel() || extent > storage.numel() - offset) {
            throw new CheckpointException(file, where + ": elements [" + offset + ", " + offset + " + " + extent
                    + ") (shape " + Arrays.toString(size) + ", strides " + Arrays.toString(stride)
                    + ") run past storage '" + storage.key() + "' of " + storage.numel() + " elements");
        }
        return new Entry(new StoredTensor(name, storage.dtype(), shape, file), storage, offset, stride, extent,
                isContiguous(size, stride));
    }

    private static boolean isContiguous(long[] size, long[] stride) {
        long expected = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= size[i];
        }
        return true;
    }

    // ---- CheckpointReader --------------------------------------------------------------------------------------

    @Override
    public Path path() {
        return file;
    }

    @Override
    public Set<String> names() {
        return entries.keySet();
    }

    @Override
    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    private Entry entry(String name) {
        Entry entry = entries.get(name);
        if (entry == null) {
            throw new CheckpointException(file, "no tensor named '" + name + "'");
        }
        return entry;
    }

    @Override
    public StoredTensor stored(String name) {
        return entry(name).stored();
    }

    /** Reads the storage range the tensor covers, gathers a strided view into row-major order, converts. */
    @Override
    public Tensor read(String name, DType as) {
        Entry entry = entry(name);
        StoredTensor stored = entry.stored();
        int elementSize = stored.dtype().byteSize();
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment covered = storageBytes(entry, scratch);
            MemorySegment rowMajor = entry.contiguous() ? covered.asSlice(0, stored.numel() * elementSize)
                    : gather(covered, stored.shape(), entry.stride(), elementSize, scratch);
            return StoredElements.decode(file, name, rowMajor, stored.dtype(), stored.shape(), as);
        }
    }

    private MemorySegment storageBytes(Entry entry, Arena scratch) {
        int elementSize = entry.stored().dtype().byteSize();
        long start = entry.storageOffset() * elementSize;
        long length = entry.extent() * elementSize;
        if (mapping != null) {
            return mapping.asSlice(entry.storage().fileOffset() + start, length);
        }
        MemorySegment out = scratch.allocate(Math.max(1, length), 8);
        ZipEntry zipEntry = zip.getEntry(entry.storage().zipEntry());
        try (InputStream in = zip.getInputStream(zipEntry)) {
            in.skipNBytes(start);
            byte[] buffer = new byte[(int) Math.min(1 << 20, Math.max(1, length))];
            long done = 0;
            while (done < length) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, length - done));
                if (n < 0) {
                    throw new CheckpointException(file, "tensor '" + entry.stored().name() + "': storage '"
                            + entry.storage().key() + "' ends after " + (start + done) + " bytes (truncated?)");
                }
                MemorySegment.copy(buffer, 0, out, ValueLayout.JAVA_BYTE, done, n);
                done += n;
            }
        } catch (IOException e) {
            throw new CheckpointException(file, "tensor '" + entry.stored().name() + "': cannot read storage '"
                    + entry.storage().key() + "': " + e.getMessage(), e);
        }
        return out.asSlice(0, length);
    }

    /** Copies a strided view, element by element, into a row-major segment. */
    private static MemorySegment gather(MemorySegment covered, int[] shape, long[] stride, int elementSize,
                                        Arena scratch) {
        long numel = Tensor.numelOf(shape);
        MemorySegment out = scratch.allocate(Math.max(1, numel * elementSize), 8);
        int[] index = new int[shape.length];
        for (long i = 0; i < numel; i++) {
            long source = 0;
            for (int d = 0; d < shape.length; d++) {
                source += index[d] * stride[d];
            }
            MemorySegment.copy(covered, source * elementSize, out, i * elementSize, elementSize);
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++index[d] < shape[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
        return out.asSlice(0, numel * elementSize);
    }

    @Override
    public void close() {
        if (zip != null) {
            closeQuietly(zip);
        }
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }

    private static void closeQuietly(ZipFile zip) {
        try {
            zip.close();
        } catch (IOException ignored) {
            // nothing was written; a failing close of a read-only archive loses nothing
        }
    }
}
