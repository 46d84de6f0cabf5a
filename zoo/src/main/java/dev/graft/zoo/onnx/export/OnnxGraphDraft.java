package dev.graft.zoo.onnx.export;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import onnx.Onnx;
import org.nd4j.shade.protobuf.ByteString;

/**
 * An ONNX graph being written: nodes in execution order, float and int64 initializers, unique tensor names. Kept
 * in plain Java objects (not protobuf builders) so that passes such as {@link BatchNormFolding} can rewrite it
 * before {@link #toModel} freezes it.
 */
final class OnnxGraphDraft {
    static final int OPSET = 17;
    /** IR version 8 is the one that goes with opset 17 (onnx/helper.py VERSION_TABLE, ONNX 1.12). */
    static final long IR_VERSION = 8;

    /** One node: operator, inputs and outputs by tensor name, attributes. */
    static final class Node {
        final String op;
        final List<String> inputs;
        final List<String> outputs;
        final List<Onnx.AttributeProto> attributes = new ArrayList<>();
        final String name;

        Node(String op, String name, List<String> inputs, List<String> outputs) {
            this.op = op;
            this.name = name;
            this.inputs = new ArrayList<>(inputs);
            this.outputs = new ArrayList<>(outputs);
        }

        Onnx.AttributeProto attribute(String key) {
            return attributes.stream().filter(a -> a.getName().equals(key)).findFirst().orElse(null);
        }
    }

    /** A float initializer: values in C order and its shape. */
    static final class FloatConst {
        final float[] values;
        final long[] dims;

        FloatConst(float[] values, long[] dims) {
            long n = Arrays.stream(dims).reduce(1, (a, b) -> a * b);
            if (n != values.length) {
                throw new IllegalStateException("initializer of shape " + Arrays.toString(dims) + " given "
                        + values.length + " values");
            }
            this.values = values;
            this.dims = dims;
        }
    }

    final List<Node> nodes = new ArrayList<>();
    final Map<String, FloatConst> floats = new LinkedHashMap<>();
    final Map<String, long[]> int64s = new LinkedHashMap<>();
    final List<Onnx.ValueInfoProto> inputs = new ArrayList<>();
    final List<Onnx.ValueInfoProto> outputs = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    /** A tensor name not used yet, made from {@code hint} (ONNX allows any string; kept readable). */
    String fresh(String hint) {
        String base = hint.replaceAll("[^A-Za-z0-9_./-]", "_");
        String n = base;
        for (int i = 1; !names.add(n); i++) {
            n = base + "_" + i;
        }
        return n;
    }

    /**
     * Claims {@code name} exactly (graph inputs and outputs carry DL4J's names).
     *
     * @throws IllegalStateException if it is taken
     */
    String reserve(String name) {
        if (!names.add(name)) {
            throw new IllegalStateException("tensor name '" + name + "' is already used");
        }
        return name;
    }

    /** Adds node {@code op} reading {@code in}, writing one fresh tensor named after {@code hint}; returns its name. */
    String node(String op, String hint, List<String> in, Onnx.AttributeProto... attrs) {
        return nodeWriting(op, fresh(hint), in, attrs);
    }

    /** Adds node {@code op} reading {@code in}, writing tensor {@code out} (a name claimed already). */
    String nodeWriting(String op, String out, List<String> in, Onnx.AttributeProto... attrs) {
        Node n = new Node(op, out, in, List.of(out));
        n.attributes.addAll(Arrays.asList(attrs));
        nodes.add(n);
        return out;
    }

    String floatConst(String hint, float[] values, long... dims) {
        String n = fresh(hint);
        floats.put(n, new FloatConst(values, dims));
        return n;
    }

    String int64Const(String hint, long... values) {
        String n = fresh(hint);
        int64s.put(n, values);
        return n;
    }

    static Onnx.AttributeProto attr(String name, long value) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INT)
                .setI(value).build();
    }

    static Onnx.AttributeProto attr(String name, float value) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.FLOAT)
                .setF(value).build();
    }

    static Onnx.AttributeProto attr(String name, String value) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value)).build();
    }

    static Onnx.AttributeProto attr(String name, long... values) {
        Onnx.AttributeProto.Builder b = Onnx.AttributeProto.newBuilder().setName(name)
                .setType(Onnx.AttributeProto.AttributeType.INTS);
        for (long v : values) {
            b.addInts(v);
        }
        return b.build();
    }

    /** A float tensor graph input or output; a negative dimension is symbolic, named by {@code symbols}. */
    static Onnx.ValueInfoProto valueInfo(String name, long[] dims, String[] symbols) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder();
        for (int i = 0; i < dims.length; i++) {
            Onnx.TensorShapeProto.Dimension.Builder d = Onnx.TensorShapeProto.Dimension.newBuilder();
            if (dims[i] >= 0) {
                d.setDimValue(dims[i]);
            } else {
                d.setDimParam(symbols[i] == null ? name + "_d" + i : symbols[i]);
            }
            shape.addDim(d);
        }
        Onnx.TypeProto.Tensor.Builder t = Onnx.TypeProto.Tensor.newBuilder()
                .setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE).setShape(shape);
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder().setTensorType(t))
                .build();
    }

    /** Bytes of all initializers as written (float32, int64). */
    long initializerBytes() {
        long n = 0;
        for (FloatConst c : floats.values()) {
            n += 4L * c.values.length;
        }
        for (long[] v : int64s.values()) {
            n += 8L * v.length;
        }
        return n;
    }

    /** The nodes reading {@code tensor}. */
    List<Node> consumers(String tensor) {
        List<Node> out = new ArrayList<>();
        for (Node n : nodes) {
            if (n.inputs.contains(tensor)) {
                out.add(n);
            }
        }
        return out;
    }

    Node producer(String tensor) {
        for (Node n : nodes) {
            if (n.outputs.contains(tensor)) {
                return n;
            }
        }
        return null;
    }

    boolean isGraphOutput(String tensor) {
        return outputs.stream().anyMatch(v -> v.getName().equals(tensor));
    }

    /** The finished model: opset {@value #OPSET}, producer Graft; initializers not read by any node are dropped. */
    Onnx.ModelProto toModel(String graphName, String docString) {
        Set<String> used = new HashSet<>();
        nodes.forEach(n -> used.addAll(n.inputs));
        Onnx.GraphProto.Builder g = Onnx.GraphProto.newBuilder().setName(graphName);
        for (Node n : nodes) {
            g.addNode(Onnx.NodeProto.newBuilder().setOpType(n.op).setName(n.name).addAllInput(n.inputs)
                    .addAllOutput(n.outputs).addAllAttribute(n.attributes));
        }
        floats.forEach((name, c) -> {
            if (used.contains(name)) {
                ByteBuffer buf = ByteBuffer.allocate(c.values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                buf.asFloatBuffer().put(c.values);
                g.addInitializer(tensor(name, Onnx.TensorProto.DataType.FLOAT_VALUE, c.dims, buf.array()));
            }
        });
        int64s.forEach((name, v) -> {
            if (used.contains(name)) {
                ByteBuffer buf = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
                buf.asLongBuffer().put(v);
                g.addInitializer(tensor(name, Onnx.TensorProto.DataType.INT64_VALUE, new long[] {v.length},
                        buf.array()));
            }
        });
        g.addAllInput(inputs).addAllOutput(outputs);
        return Onnx.ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("graft")
                .setDocString(docString)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(g).build();
    }

    private static Onnx.TensorProto tensor(String name, int type, long[] dims, byte[] raw) {
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(name).setDataType(type)
                .setRawData(ByteString.copyFrom(raw));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }
}
