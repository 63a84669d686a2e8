package io.albert4j.io.torch;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle reader that understands only what {@code torch.save} writes for a state dict, and runs nothing.
 *
 * <p>Python's unpickler is a small virtual machine whose {@code GLOBAL} + {@code REDUCE} opcodes call any function
 * in any module, which is how a {@code pytorch_model.bin} can run code when {@code torch.load} reads it. This one
 * builds plain Java values (strings, numbers, lists, tuples, maps) and knows the meaning of a fixed list of globals
 * ({@link #ALLOWED_GLOBALS}: the tensor and parameter rebuilders, the storage types, {@code
 * collections.OrderedDict}); calling them builds a {@link TensorRef} or a map, never calls into anything. Any other
 * global, and every opcode that constructs arbitrary objects ({@code INST}, {@code OBJ}, {@code NEWOBJ}, {@code
 * NEWOBJ_EX}, extension registry codes), is refused the moment it is read, with the global's name. Protocols 2 to
 * 5 (torch writes 2) are read; the text opcodes of protocols 0 and 1 are not.
 *
 * <p>Sizes come from the input: a length field is checked against the bytes left before anything is allocated, so a
 * lying pickle fails with {@link PickleException} instead of exhausting memory.
 */
final class RestrictedUnpickler {
    /** The globals a state dict needs, and nothing else. */
    static final Set<String> ALLOWED_GLOBALS = Set.of(
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter",
            "torch.DoubleStorage", "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage",
            "torch.LongStorage", "torch.IntStorage", "torch.ShortStorage", "torch.CharStorage",
            "torch.ByteStorage", "torch.BoolStorage");

    /** A pickled {@code module.name} reference (only those in {@link #ALLOWED_GLOBALS} are ever created). */
    record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /** A Python tuple (immutable, compared by value, so it can be a dict key). */
    record Tuple(List<Object> items) {
        Tuple {
            items = List.copyOf(nullsAllowed(items));
        }

        private static List<Object> nullsAllowed(List<Object> items) {
            // List.copyOf refuses nulls; None is a legal tuple member, kept as the NONE marker.
            List<Object> out = new ArrayList<>(items.size());
            for (Object o : items) {
                out.add(o == null ? NONE : o);
            }
            return out;
        }

        Object get(int i) {
            Object o = items.get(i);
            return o == NONE ? null : o;
        }

        int size() {
            return items.size();
        }
    }

    /** Python's None inside tuples (see {@link Tuple}). */
    static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    /** What {@code torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)} describes. */
    record TensorRef(Object storage, long storageOffset, long[] size, long[] stride) {
    }

    /** Resolves a {@code BINPERSID} id (torch's storage references) to a value. */
    interface PersistentLoader {
        Object load(Object pid);
    }

    private static final Object MARK = new Object();

    private final MemorySegment input;
    private final long limit;
    private final PersistentLoader persistentLoader;
    private long position;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private RestrictedUnpickler(MemorySegment input, long start, PersistentLoader persistentLoader) {
        this.input = input;
        this.position = start;
        this.limit = input.byteSize();
        this.persistentLoader = persistentLoader;
    }

    /** One pickle read from {@code input} at {@code start}: its value and the position just after its STOP. */
    record Result(Object value, long end) {
    }

    static Result load(MemorySegment input, long start, PersistentLoader persistentLoader) {
        RestrictedUnpickler u = new RestrictedUnpickler(input, start, persistentLoader);
        Object value = u.run();
        return new Result(value, u.position);
    }

    static Result load(byte[] input, PersistentLoader persistentLoader) {
        return load(MemorySegment.ofArray(input), 0, persistentLoader);
    }

    private Object run() {
        while (true) {
            long at = position;
            int op = u8();
            switch (op) {
                case 0x80 -> { // PROTO
                    int protocol = u8();
                    if (protocol < 2 || protocol > 5) {
                        throw fail(at, "pickle protocol " + protocol + " (torch.save writes 2; 2 to 5 are read)");
                    }
                }
                case 0x95 -> need(8, at, "FRAME"); // FRAME: a length hint; the opcodes follow inline
                case '.' -> { // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) {
                        throw fail(at, "STOP with " + stack.size() + " values on the stack");
                    }
                    return unwrap(stack.get(0));
                }
                case '(' -> { // MARK
                    marks.add(stack.size());
                    stack.add(MARK);
                }
                case '0' -> pop(at); // POP
                case '1' -> popMark(at); // POP_MARK
                case '2' -> push(peek(at)); // DUP
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'J' -> push((long) i32());
                case 'K' -> push((long) u8());
                case 'M' -> push((long) u16());
                case 0x8a -> push(longN(u8(), at)); // LONG1
                case 0x8b -> push(longN(lengthField(i32(), at, "LONG4"), at)); // LONG4
                case 'G' -> push(Double.longBitsToDouble(big64())); // BINFLOAT
                case 'X' -> push(utf8(lengthField(i32() & 0xffffffffL, at, "BINUNICODE"), at)); // BINUNICODE
                case 0x8c -> push(utf8(u8(), at)); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(lengthField(i64(), at, "BINUNICODE8"), at)); // BINUNICODE8
                case 'T' -> push(latin1(lengthField(i32() & 0xffffffffL, at, "BINSTRING"), at)); // BINSTRING
                case 'U' -> push(latin1(u8(), at)); // SHORT_BINSTRING
                case 'B' -> push(bytes(lengthField(i32() & 0xffffffffL, at, "BINBYTES"), at)); // BINBYTES
                case 'C' -> push(bytes(u8(), at)); // SHORT_BINBYTES
                case 0x8e -> push(bytes(lengthField(i64(), at, "BINBYTES8"), at)); // BINBYTES8
                case ']' -> push(new ArrayList<>()); // EMPTY_LIST
                case ')' -> push(new Tuple(List.of())); // EMPTY_TUPLE
                case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case 'l' -> push(new ArrayList<>(popMark(at))); // LIST
                case 't' -> push(new Tuple(popMark(at))); // TUPLE
                case 0x85 -> push(new Tuple(popN(1, at))); // TUPLE1
                case 0x86 -> push(new Tuple(popN(2, at))); // TUPLE2
                case 0x87 -> push(new Tuple(popN(3, at))); // TUPLE3
                case 'd' -> push(dictOf(popMark(at), at)); // DICT
                case 'a' -> { // APPEND
                    Object value = pop(at);
                    list(peek(at), at).add(value);
                }
                case 'e' -> { // APPENDS
                    List<Object> values = popMark(at);
                    list(peek(at), at).addAll(values);
                }
                case 's' -> { // SETITEM
                    Object value = pop(at);
                    Object key = key(pop(at), at);
                    dict(peek(at), at).put(key, value);
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popMark(at);
                    Map<Object, Object> dict = dict(peek(at), at);
                    if (items.size() % 2 != 0) {
                        throw fail(at, "SETITEMS with an odd number of values");
                    }
                    for (int i = 0; i < items.size(); i += 2) {
                        dict.put(key(items.get(i), at), items.get(i + 1));
                    }
                }
                case 'c' -> push(global(line(at), line(at), at)); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop(at);
                    Object module = pop(at);
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw fail(at, "STACK_GLOBAL needs two strings");
                    }
                    push(global(m, n, at));
                }
                case 'R' -> { // REDUCE
                    Object args = pop(at);
                    Object callable = pop(at);
                    push(reduce(callable, args, at));
                }
                case 'b' -> { // BUILD: set an object's state; a state dict's only state is OrderedDict._metadata
                    pop(at);
                    Object target = peek(at);
                    if (!(target instanceof Map<?, ?>) && !(target instanceof TensorRef)) {
                        throw fail(at, "BUILD on " + describe(target) + " (only a dict's or a tensor's state is "
                                + "accepted, and ignored)");
                    }
                }
                case 'Q' -> push(persistentLoader.load(pop(at))); // BINPERSID
                case 'q' -> memo.put((long) u8(), peek(at)); // BINPUT
                case 'r' -> memo.put(i32() & 0xffffffffL, peek(at)); // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), peek(at)); // MEMOIZE
                case 'h' -> push(memoGet(u8(), at)); // BINGET
                case 'j' -> push(memoGet(i32() & 0xffffffffL, at)); // LONG_BINGET
                case 'i', 'o', 0x81, 0x92 -> throw fail(at, "opcode " + opName(op)
                        + " constructs an arbitrary object; a state dict never needs it");
                case 0x82, 0x83, 0x84 -> throw fail(at, "opcode " + opName(op)
                        + " names a global through the extension registry; refused");
                default -> throw fail(at, "opcode " + opName(op) + " is not one torch.save writes for a state dict");
            }
        }
    }

    // ---- the allowed globals ---------------------------------------------------------------------------------

    private Global global(String module, String name, long at) {
        String qualified = module + "." + name;
        if (!ALLOWED_GLOBALS.contains(qualified)) {
            throw fail(at, "the pickle asks for global '" + qualified + "', which a state dict does not need; "
                    + "refused without running anything (allowed: the tensor rebuilders, storage types and "
                    + "collections.OrderedDict)");
        }
        return new Global(module, name);
    }

    private Object reduce(Object callable, Object args, long at) {
        if (!(callable instanceof Global g)) {
            throw fail(at, "REDUCE calls " + describe(callable) + ", not a global");
        }
        if (!(args instanceof Tuple t)) {
            throw fail(at, "REDUCE of " + g.qualified() + " with " + describe(args) + " instead of an argument tuple");
        }
        return switch (g.qualified()) {
            case "collections.OrderedDict" -> {
                Map<Object, Object> dict = new LinkedHashMap<>();
                if (t.size() == 1 && t.get(0) instanceof List<?> pairs) {
                    for (Object pair : pairs) {
                        List<Object> kv = pair instanceof Tuple p ? p.items() : pair instanceof List<?> l
                                ? new ArrayList<>(l) : null;
                        if (kv == null || kv.size() != 2) {
                            throw fail(at, "OrderedDict item " + describe(pair) + " is not a (key, value) pair");
                        }
                        dict.put(key(unwrap(kv.get(0)), at), unwrap(kv.get(1)));
                    }
                } else if (t.size() != 0) {
                    throw fail(at, "OrderedDict called with " + t.size() + " arguments");
                }
                yield dict;
            }
            case "torch._utils._rebuild_tensor_v2" -> {
                // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
                if (t.size() < 4) {
                    throw fail(at, "_rebuild_tensor_v2 with " + t.size() + " arguments (needs at least 4)");
                }
                yield new TensorRef(t.get(0), integer(t.get(1), "storage_offset", at), longs(t.get(2), "size", at),
                        longs(t.get(3), "stride", at));
            }
            case "torch._utils._rebuild_parameter" -> {
                // (data, requires_grad, backward_hooks): the parameter is its data
                if (t.size() < 1 || !(t.get(0) instanceof TensorRef tensor)) {
                    throw fail(at, "_rebuild_parameter without a tensor as its first argument");
                }
                yield tensor;
            }
            default -> throw fail(at, g.qualified() + " is a type, not something a state dict calls");
        };
    }

    private long integer(Object value, String what, long at) {
        if (value instanceof Long l) {
            return l;
        }
        throw fail(at, "tensor " + what + " is " + describe(value) + ", not an integer");
    }

    private long[] longs(Object value, String what, long at) {
        if (!(value instanceof Tuple t)) {
            throw fail(at, "tensor " + what + " is " + describe(value) + ", not a tuple");
        }
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = integer(t.get(i), what, at);
        }
        return out;
    }

    // ---- the stack, the memo -----------------------------------------------------------------------------------

    private void push(Object value) {
        stack.add(value);
    }

    private Object pop(long at) {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw fail(at, "stack underflow");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek(long at) {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw fail(at, "stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popN(int n, long at) {
        if (stack.size() < n) {
            throw fail(at, "stack underflow");
        }
        List<Object> items = new ArrayList<>(stack.subList(stack.size() - n, stack.size()));
        if (items.contains(MARK)) {
            throw fail(at, "a tuple over a MARK");
        }
        stack.subList(stack.size() - n, stack.size()).clear();
        return items;
    }

    private List<Object> popMark(long at) {
        if (marks.isEmpty()) {
            throw fail(at, "no MARK to pop to");
        }
        int mark = marks.remove(marks.size() - 1);
        List<Object> items = new ArrayList<>(stack.subList(mark + 1, stack.size()));
        stack.subList(mark, stack.size()).clear();
        return items;
    }

    private Object memoGet(long index, long at) {
        if (!memo.containsKey(index)) {
            throw fail(at, "memo entry " + index + " was never stored");
        }
        return memo.get(index);
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object target, long at) {
        if (target instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        throw fail(at, "APPEND to " + describe(target));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object target, long at) {
        if (target instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw fail(at, "SETITEM on " + describe(target));
    }

    private Map<Object, Object> dictOf(List<Object> items, long at) {
        if (items.size() % 2 != 0) {
            throw fail(at, "DICT with an odd number of values");
        }
        Map<Object, Object> dict = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i += 2) {
            dict.put(key(items.get(i), at), items.get(i + 1));
        }
        return dict;
    }

    /**
     * A dict key: a string, integer, boolean or None, which is all a state dict and its metadata use. A tuple or
     * list key could contain itself (APPEND of a list to itself is legal), and hashing it would never end.
     */
    private Object key(Object key, long at) {
        if (key == null || key instanceof String || key instanceof Long || key instanceof Boolean
                || key instanceof BigInteger) {
            return key;
        }
        throw fail(at, "dict key " + describe(key) + " (a state dict's keys are strings)");
    }

    private static Object unwrap(Object o) {
        return o == NONE ? null : o;
    }

    static String describe(Object o) {
        if (o == null || o == NONE) {
            return "None";
        }
        if (o instanceof Global g) {
            return "global " + g.qualified();
        }
        if (o instanceof TensorRef) {
            return "a tensor";
        }
        if (o instanceof Tuple t) {
            return "a tuple of " + t.size();
        }
        if (o instanceof List<?> l) {
            return "a list of " + l.size();
        }
        if (o instanceof Map<?, ?> m) {
            return "a dict of " + m.size();
        }
        if (o instanceof String s) {
            return "'" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
        }
        if (o instanceof byte[] b) {
            return b.length + " bytes";
        }
        return o.getClass().getSimpleName() + " " + o;
    }

    // ---- reading the input ---------------------------------------------------------------------------------

    private MemorySegment need(long n, long at, String what) {
        if (n < 0 || n > limit - position) {
            throw fail(at, what + " needs " + n + " bytes, " + (limit - position) + " are left (truncated?)");
        }
        MemorySegment slice = input.asSlice(position, n);
        position += n;
        return slice;
    }

    private long lengthField(long length, long at, String what) {
        if (length < 0 || length > limit - position) {
            throw fail(at, what + " claims " + length + " bytes, " + (limit - position) + " are left");
        }
        return length;
    }

    private int u8() {
        if (position >= limit) {
            throw fail(position, "the pickle ends without STOP (truncated?)");
        }
        return input.get(ValueLayout.JAVA_BYTE, position++) & 0xff;
    }

    private int u16() {
        MemorySegment s = need(2, position, "an integer");
        return s.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0) & 0xffff;
    }

    private int i32() {
        return need(4, position, "an integer").get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
    }

    private long i64() {
        return need(8, position, "an integer").get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
    }

    private long big64() {
        return need(8, position, "a float").get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 0);
    }

    /** LONG1/LONG4: little-endian two's complement; a Long when it fits, else a BigInteger. */
    private Object longN(long n, long at) {
        byte[] le = need(n, at, "a long").toArray(ValueLayout.JAVA_BYTE);
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) {
            be[i] = le[le.length - 1 - i];
        }
        BigInteger value = new BigInteger(be);
        return value.bitLength() < 64 ? (Object) value.longValue() : value;
    }

    private String utf8(long n, long at) {
        byte[] b = need(n, at, "a string").toArray(ValueLayout.JAVA_BYTE);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw fail(at, "a string that is not valid UTF-8");
        }
    }

    private String latin1(long n, long at) {
        return new String(need(n, at, "a string").toArray(ValueLayout.JAVA_BYTE), StandardCharsets.ISO_8859_1);
    }

    private byte[] bytes(long n, long at) {
        return need(n, at, "bytes").toArray(ValueLayout.JAVA_BYTE);
    }

    /** A GLOBAL operand: text up to a newline (module and name are short; 256 bytes is generous). */
    private String line(long at) {
        StringBuilder out = new StringBuilder();
        while (true) {
            int c = u8();
            if (c == '\n') {
                return out.toString();
            }
            if (out.length() >= 256 || c < 0x20 || c > 0x7e) {
                throw fail(at, "GLOBAL operand is not a short ASCII line");
            }
            out.append((char) c);
        }
    }

    private static String opName(int op) {
        return op >= 0x20 && op < 0x7f ? "'" + (char) op + "' (0x" + Integer.toHexString(op) + ")"
                : "0x" + Integer.toHexString(op);
    }

    private PickleException fail(long at, String problem) {
        return new PickleException("pickle byte " + at + ": " + problem);
    }

    /** A pickle this reader refuses or cannot read; the checkpoint reader adds the file. */
    static final class PickleException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PickleException(String message) {
            super(message);
        }
    }
}
