package io.albert4j.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Device;
import io.albert4j.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range, then the raw little-endian data.
 *
 * <p>The whole header is validated when the file is opened, so a malformed file fails here with a
 * {@link SafetensorsException} naming the file and the problem, never later with a JVM crash or an out-of-memory
 * error. Tensors whose dtype is already what the caller asks for are zero-copy views onto the mapping and die with
 * this reader ({@link #close()}); converted tensors (F16/BF16 to F32, I64 to I32) own their memory. Closing a
 * tensor returned here is always safe: views ignore it.
 */
public final class SafetensorsReader implements CheckpointReader {
    /** 100 MB: the header-size limit of the reference (Rust) safetensors implementation. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    static final String METADATA_KEY = "__metadata__";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** One tensor's header entry; {@code begin}/{@code end} are offsets into the data section. */
    public record TensorInfo(String name, SafetensorsDType dtype, int[] shape, long begin, long end) {
        public int[] shape() {
            return shape.clone();
        }

        public long byteSize() {
            return end - begin;
        }
    }

    private final Path file;
    private final Arena arena;
    private final MemorySegment mapping;
    private final long dataStart;
    private final Map<String, String> metadata;
    private final Map<String, TensorInfo> tensors;

    private SafetensorsReader(Path file, Arena arena, MemorySegment mapping, long dataStart,
                              Map<String, String> metadata, Map<String, TensorInfo> tensors) {
        this.file = file;
        this.arena = arena;
        this.mapping = mapping;
        this.dataStart = dataStart;
        this.metadata = metadata;
        this.tensors = tensors;
    }

    /** Maps {@code file} and validates its header. */
    public static SafetensorsReader open(Path file) {
        if (java.nio.file.Files.isDirectory(file)) {
            // FileChannel.open succeeds on a folder, and reading it then fails with "No such device"
            throw new SafetensorsException(file, "is a folder, not a safetensors file");
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment mapping;
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                long size = channel.size();
                if (size < 8) {
                    throw new SafetensorsException(file, "file is " + size
                            + " bytes, too short for the 8-byte header length");
                }
                mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            }
            long headerLength = mapping.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            long available = mapping.byteSize() - 8;
            if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
                throw new SafetensorsException(file, "header length " + Long.toUnsignedString(headerLength)
                        + " is absurdly large (limit " + MAX_HEADER_BYTES + " bytes)");
            }
            if (headerLength > available) {
                throw new SafetensorsException(file, "header length " + headerLength
                        + " points past the end of the file (" + available + " bytes after the length field)");
            }
            byte[] headerBytes = mapping.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
            long dataStart = 8 + headerLength;
            Header header = parseHeader(file, headerBytes, mapping.byteSize() - dataStart);
            return new SafetensorsReader(file, arena, mapping, dataStart, header.metadata, header.tensors);
        } catch (SafetensorsException e) {
            arena.close();
            throw e;
        } catch (java.nio.file.NoSuchFileException e) {
            arena.close();
            throw new SafetensorsException(file, "no such file", e);
        } catch (IOException | java.io.UncheckedIOException e) {
            arena.close();
            throw new SafetensorsException(file, "cannot read: " + e, e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private record Header(Map<String, String> metadata, Map<String, TensorInfo> tensors) {
    }

    private static Header parseHeader(Path file, byte[] headerBytes, long dataBytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(headerBytes)).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(file, "header is not valid UTF-8", e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JacksonException e) {
            String why = e.getOriginalMessage();
            if (why != null && why.startsWith("Duplicate field")) {
                throw new SafetensorsException(file, "header has a duplicate tensor name: " + why, e);
            }
            throw new SafetensorsException(file, "header is not valid JSON: " + why, e);
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsException(file, "header is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (name.equals(METADATA_KEY)) {
                if (!value.isObject()) {
                    throw new SafetensorsException(file, METADATA_KEY + " is not a JSON object");
                }
                for (Iterator<Map.Entry<String, JsonNode>> m = value.fields(); m.hasNext(); ) {
                    Map.Entry<String, JsonNode> entry = m.next();
                    if (!entry.getValue().isTextual()) {
                        throw new SafetensorsException(file, METADATA_KEY + " value '" + entry.getKey()
                                + "' is not a string");
                    }
                    metadata.put(entry.getKey(), entry.getValue().textValue());
                }
                continue;
            }
            tensors.put(name, parseEntry(file, name, value));
        }
        checkCoverage(file, tensors.values(), dataBytes);
        return new Header(Collections.unmodifiableMap(metadata), Collections.unmodifiableMap(tensors));
    }

    private static TensorInfo parseEntry(Path file, String name, JsonNode entry) {
        String where = "tensor '" + name + "'";
        if (!entry.isObject()) {
            throw new SafetensorsException(file, where + ": header entry is not a JSON object");
        }
        JsonNode dtypeNode = entry.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new SafetensorsException(file, where + ": missing or non-string \"dtype\"");
        }
        SafetensorsDType dtype = SafetensorsDType.parse(dtypeNode.textValue()).orElseThrow(() ->
                new SafetensorsException(file, where + ": unknown dtype '" + dtypeNode.textValue() + "'"));
        JsonNode shapeNode = entry.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new SafetensorsException(file, where + ": missing or non-array \"shape\"");
        }
        int[] shape = new int[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong()) {
                throw new SafetensorsException(file, where + ": shape " + shapeNode + " holds a non-integer");
            }
            long dim = d.longValue();
            if (dim < 0) {
                throw new SafetensorsException(file, where + ": shape " + shapeNode + " has a negative dimension");
            }
            if (dim > Integer.MAX_VALUE) {
                throw new SafetensorsException(file, where + ": shape " + shapeNode + " has a dimension over 2^31-1");
            }
            shape[i] = (int) dim;
        }
        JsonNode offsets = entry.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2
                || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()
                || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
            throw new SafetensorsException(file, where + ": \"data_offsets\" must be [begin, end], got " + offsets);
        }
        long begin = offsets.get(0).longValue();
        long end = offsets.get(1).longValue();
        if (begin < 0 || end < begin) {
            throw new SafetensorsException(file, where + ": data_offsets [" + begin + ", " + end + "] are invalid");
        }
        long expectedBytes;
        try {
            expectedBytes = Math.multiplyExact(Tensor.numelOf(shape), (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new SafetensorsException(file, where + ": shape " + Arrays.toString(shape) + " overflows");
        }
        if (expectedBytes != end - begin) {
            throw new SafetensorsException(file, where + ": shape " + Arrays.toString(shape) + " " + dtype
                    + " needs " + expectedBytes + " bytes, data_offsets [" + begin + ", " + end + "] hold "
                    + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    /** The byte ranges must tile the data section exactly: no gap, no overlap, nothing past the end. */
    private static void checkCoverage(Path file, java.util.Collection<TensorInfo> infos, long dataBytes) {
        List<TensorInfo> sorted = new ArrayList<>(infos);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long cursor = 0;
        for (TensorInfo info : sorted) {
            if (info.end > dataBytes) {
                throw new SafetensorsException(file, "tensor '" + info.name + "': data_offsets [" + info.begin
                        + ", " + info.end + "] run past the end of the data section (" + dataBytes + " bytes)");
            }
            if (info.begin < cursor) {
                throw new SafetensorsException(file, "tensor '" + info.name + "': data_offsets [" + info.begin
                        + ", " + info.end + "] overlap the previous tensor (which ends at " + cursor + ")");
            }
            if (info.begin > cursor) {
                throw new SafetensorsException(file, "tensor '" + info.name + "': data_offsets [" + info.begin
                        + ", " + info.end + "] leave a gap after byte " + cursor);
            }
            cursor = info.end;
        }
        if (cursor != dataBytes) {
            throw new SafetensorsException(file, "tensors cover " + cursor + " bytes but the data section holds "
                    + dataBytes + " (trailing bytes or a truncated header)");
        }
    }

    public Path file() {
        return file;
    }

    @Override
    public Path path() {
        return file;
    }

    /** The "__metadata__" strings (empty when the file has none). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensor names in header order. */
    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    @Override
    public StoredTensor stored(String name) {
        TensorInfo info = info(name);
        return new StoredTensor(name, info.dtype, info.shape, file);
    }

    /** Zero-copy views where the stored type is {@code as}, converted copies otherwise ({@link StoredElements}). */
    @Override
    public Tensor read(String name, DType as) {
        TensorInfo info = info(name);
        if (info.dtype.name().equals(as.name())) {
            return view(info, as);
        }
        try {
            return StoredElements.decode(file, name, segment(info), info.dtype, info.shape, as);
        } catch (SafetensorsException e) {
            throw e;
        } catch (CheckpointException e) {
            throw new SafetensorsException(file, e.problem(), e);
        }
    }

    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new SafetensorsException(file, "no tensor named '" + name + "'");
        }
        return info;
    }

    /**
     * The tensor in its stored type when albert4j has that type (F32, BF16, I32: zero-copy views), else converted:
     * F16 to F32, I64 to I32 (range-checked).
     */
    public Tensor read(String name) {
        TensorInfo info = info(name);
        return switch (info.dtype) {
            case F32, BF16, I32 -> view(info, DType.valueOf(info.dtype.name()));
            case F16, F64 -> readF32(name);
            case I64 -> readI32(name);
            default -> throw new SafetensorsException(file, "tensor '" + info.name + "' is stored as " + info.dtype
                    + "; albert4j reads F32, BF16, F16, F64, I32 or I64");
        };
    }

    /** The tensor as F32: a view when stored as F32, a converted copy for F16, BF16 and F64. */
    @Override
    public Tensor readF32(String name) {
        return read(name, DType.F32);
    }

    /** The tensor as I32: a view when stored as I32, a range-checked copy for I64. */
    public Tensor readI32(String name) {
        return read(name, DType.I32);
    }

    /** The raw bytes of a tensor (read-only, valid until {@link #close()}). */
    public MemorySegment bytes(String name) {
        return segment(info(name));
    }

    private MemorySegment segment(TensorInfo info) {
        return mapping.asSlice(dataStart + info.begin, info.byteSize());
    }

    private Tensor view(TensorInfo info, DType dtype) {
        MemorySegment src = segment(info);
        if (src.address() % dtype.byteSize() == 0) {
            return new Tensor(src, dtype, Device.CPU, info.shape).withName(info.name);
        }
        // A file from a writer that did not align its data: copy rather than hand out a misaligned view.
        Tensor out = Tensor.allocateHost(dtype, info.shape);
        MemorySegment.copy(src, 0, out.data(), 0, info.byteSize());
        return out.withName(info.name);
    }

    /** Unmaps the file; views returned by this reader become unusable (they fail loudly, never read freed memory). */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
