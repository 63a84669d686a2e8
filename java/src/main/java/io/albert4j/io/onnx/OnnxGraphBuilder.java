package io.albert4j.io.onnx;

import com.google.protobuf.ByteString;
import io.albert4j.io.onnx.proto.AttributeProto;
import io.albert4j.io.onnx.proto.GraphProto;
import io.albert4j.io.onnx.proto.NodeProto;
import io.albert4j.io.onnx.proto.TensorProto;
import io.albert4j.io.onnx.proto.TensorShapeProto;
import io.albert4j.io.onnx.proto.TypeProto;
import io.albert4j.io.onnx.proto.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds an ONNX {@link GraphProto} one standard operator at a time: each call adds a node and returns the name
 * of its output, so the graph reads as the computation it records ({@code add(matMul(x, w), b)}). Constants are
 * initializers, created once per value.
 */
final class OnnxGraphBuilder {
    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Map<String, Integer> counters = new HashMap<>();
    private final Map<String, String> constants = new HashMap<>();
    private long initializerBytes;

    OnnxGraphBuilder(String name) {
        graph.setName(name);
    }

    /** A fresh value name {@code prefix_N}. */
    String fresh(String prefix) {
        int n = counters.merge(prefix, 1, Integer::sum);
        return prefix + "_" + n;
    }

    /** One node with one output; returns the output name. */
    String node(String op, String outputPrefix, String[] inputs, AttributeProto... attributes) {
        String output = fresh(outputPrefix);
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(op).setName(output + "/" + op).addOutput(output);
        for (String input : inputs) {
            node.addInput(input);
        }
        for (AttributeProto a : attributes) {
            node.addAttribute(a);
        }
        graph.addNode(node);
        return output;
    }

    String node(String op, String... inputs) {
        return node(op, op.toLowerCase(java.util.Locale.ROOT), inputs);
    }

    // ---- attributes ----------------------------------------------------------------------------------------

    static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto floatAttribute(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value)
                .build();
    }

    static AttributeProto intsAttribute(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    // ---- initializers and constants ------------------------------------------------------------------------

    /** A float initializer {@code name} of {@code shape} (row-major values). */
    void floatInitializer(String name, int[] shape, float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(bytes.array()));
        for (int d : shape) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        initializerBytes += values.length * 4L;
    }

    /** A scalar float constant (shared by every use of the same value). */
    String scalar(float value) {
        return constants.computeIfAbsent("f:" + Float.floatToIntBits(value), k -> {
            String name = fresh("const_f");
            floatInitializer(name, new int[0], new float[] {value});
            return name;
        });
    }

    /** An int64 constant of the given shape ({@code new int[0]} for a scalar). */
    String int64s(int[] shape, long... values) {
        StringBuilder key = new StringBuilder("i:").append(java.util.Arrays.toString(shape));
        for (long v : values) {
            key.append(',').append(v);
        }
        return constants.computeIfAbsent(key.toString(), k -> {
            String name = fresh("const_i");
            ByteBuffer bytes = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asLongBuffer().put(values);
            TensorProto.Builder t = TensorProto.newBuilder().setName(name)
                    .setDataType(TensorProto.DataType.INT64_VALUE).setRawData(ByteString.copyFrom(bytes.array()));
            for (int d : shape) {
                t.addDims(d);
            }
            graph.addInitializer(t);
            return name;
        });
    }

    String int64Vector(long... values) {
        return int64s(new int[] {values.length}, values);
    }

    long initializerBytes() {
        return initializerBytes;
    }

    // ---- inputs and outputs --------------------------------------------------------------------------------

    /** A graph input or output: element type and dims, each a size ({@code Long}) or a symbolic name. */
    static ValueInfoProto valueInfo(String name, TensorProto.DataType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof String symbol) {
                dim.setDimParam(symbol);
            } else {
                dim.setDimValue(((Number) d).longValue());
            }
            shape.addDim(dim);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape))).build();
    }

    void input(ValueInfoProto info) {
        graph.addInput(info);
    }

    /** Declares {@code value} a graph output named {@code name} (through an Identity node when they differ). */
    void output(String value, ValueInfoProto info) {
        if (!value.equals(info.getName())) {
            graph.addNode(NodeProto.newBuilder().setOpType("Identity").setName(info.getName() + "/Identity")
                    .addInput(value).addOutput(info.getName()));
        }
        graph.addOutput(info);
    }

    GraphProto build() {
        return graph.build();
    }
}
