package dev.graft.zoo.onnx;

import dev.graft.zoo.Checksums;
import dev.graft.zoo.InputFiles;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.Normalization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import onnx.Onnx;
import org.nd4j.shade.protobuf.InvalidProtocolBufferException;

/**
 * An ONNX model read in Java: graph inputs and outputs, nodes, initializers, opset, metadata, the tensors it can be
 * cut at, and cutting itself. Immutable; reads the ONNX protobuf with the classes DL4J already ships
 * ({@code onnx.Onnx} in nd4j-api), so no extra dependency.
 * <pre>{@code
 * OnnxGraph g = OnnxGraph.read(Path.of("resnet18.onnx"));
 * g.cutPoints().forEach(System.out::println);
 * OnnxGraph base = g.cut("/Flatten_output_0");   // the graph up to the pooled features, one output
 * }</pre>
 */
public final class OnnxGraph {
    /** Ops whose output is a pooled feature vector (or a 1x1 map of one). */
    private static final Set<String> POOLING = Set.of("GlobalAveragePool", "GlobalMaxPool", "Flatten", "ReduceMean",
            "ReduceMax", "Reshape", "Squeeze");
    /** Element types a cut may end at: float32, and those {@link #cut} casts to float32 exactly or by rounding. */
    private static final Set<String> CUTTABLE = Set.of("float", "float16", "bfloat16", "double");
    /** Ops a classifier ends with. */
    private static final Set<String> CLASSIFIER = Set.of("Gemm", "MatMul");

    private final byte[] bytes;
    private final Onnx.ModelProto model;
    private final String source;
    private final String sha256;

    private OnnxGraph(byte[] bytes, Onnx.ModelProto model, String source) {
        this.bytes = bytes;
        this.model = model;
        this.source = source;
        this.sha256 = Checksums.sha256(bytes);
    }

    /**
     * Reads an {@code .onnx} file.
     *
     * @throws java.io.FileNotFoundException if the file is missing or a folder
     * @throws IOException if it is not an ONNX model (the message names the file), has no graph, or keeps its
     *     weights in external data files (not supported: save the model with its weights inside)
     */
    public static OnnxGraph read(Path file) throws IOException {
        InputFiles.requireReadableFile(file, "ONNX model");
        return parse(Files.readAllBytes(file), file.toString());
    }

    /**
     * Parses ONNX bytes.
     *
     * @param source names the bytes in error messages (a file name)
     * @throws IOException as {@link #read(Path)}
     */
    public static OnnxGraph parse(byte[] bytes, String source) throws IOException {
        Onnx.ModelProto m;
        try {
            m = Onnx.ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IOException(source + " is not an ONNX model (" + e.getMessage() + "); export it with "
                    + "torch.onnx.export(...) or another ONNX exporter", e);
        }
        if (!m.hasGraph() || m.getGraph().getNodeCount() == 0) {
            throw new IOException(source + " is not an ONNX model with a graph (" + bytes.length + " bytes, "
                    + m.getGraph().getNodeCount() + " nodes); export it with torch.onnx.export(...)");
        }
        for (Onnx.TensorProto t : m.getGraph().getInitializerList()) {
            if (t.getDataLocation() == Onnx.TensorProto.DataLocation.EXTERNAL) {
                throw new IOException(source + " keeps initializer '" + t.getName() + "' in an external data file; "
                        + "Graft reads self-contained ONNX files only — save it with onnx.save(model, path, "
                        + "save_as_external_data=False) (models under 2 GB)");
            }
        }
        return new OnnxGraph(bytes, m, source);
    }

    /** The serialized model, as read or as cut (a copy). */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Size of the serialized model in bytes. */
    public int size() {
        return bytes.length;
    }

    /** sha256 (lowercase hex) of {@link #bytes()}. */
    public String sha256() {
        return sha256;
    }

    /** Where the bytes came from (a file name, or the cut they were made by). */
    public String source() {
        return source;
    }

    /** The parsed protobuf (read-only use). */
    Onnx.ModelProto proto() {
        return model;
    }

    /** The default-domain opset the model was exported with, or -1 if it declares none. */
    public long opset() {
        for (Onnx.OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                return o.getVersion();
            }
        }
        return -1;
    }

    /** Producer, e.g. {@code pytorch 2.13.0}. */
    public String producer() {
        return (model.getProducerName() + " " + model.getProducerVersion()).trim();
    }

    /** The model's metadata_props (key to value), in file order. */
    public Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        model.getMetadataPropsList().forEach(p -> m.put(p.getKey(), p.getValue()));
        return Collections.unmodifiableMap(m);
    }

    /** One graph input or output: name, element type and shape ({@code -1} for a dynamic dimension). */
    public record Port(String name, String elementType, long[] shape) {
        @Override
        public String toString() {
            return name + " " + elementType + " " + Arrays.toString(shape).replace("-1", "?");
        }
    }

    /** The graph's real inputs (initializers listed as inputs by old exporters are left out). */
    public List<Port> inputs() {
        Set<String> inits = initializerNames();
        List<Port> l = new ArrayList<>();
        for (Onnx.ValueInfoProto v : model.getGraph().getInputList()) {
            if (!inits.contains(v.getName())) {
                l.add(port(v));
            }
        }
        return l;
    }

    /** The graph's outputs. */
    public List<Port> outputs() {
        List<Port> l = new ArrayList<>();
        model.getGraph().getOutputList().forEach(v -> l.add(port(v)));
        return l;
    }

    /** The only input, or an error saying how many there are. */
    public Port input() {
        List<Port> in = inputs();
        if (in.size() != 1) {
            throw new IllegalArgumentException(source + " has " + in.size() + " inputs " + in
                    + "; Graft runs ONNX models with exactly one (image) input");
        }
        return in.get(0);
    }

    private static Port port(Onnx.ValueInfoProto v) {
        Onnx.TypeProto.Tensor t = v.getType().getTensorType();
        long[] shape = new long[t.getShape().getDimCount()];
        for (int i = 0; i < shape.length; i++) {
            Onnx.TensorShapeProto.Dimension d = t.getShape().getDim(i);
            shape[i] = d.hasDimValue() && d.getDimValue() > 0 ? d.getDimValue() : -1;
        }
        return new Port(v.getName(), typeName(t.getElemType()), shape);
    }

    /**
     * The element type of every tensor the graph holds (inputs, initializers, node outputs), lower case as in
     * {@link Port#elementType()} ({@code float}, {@code float16}, {@code int64}, ...): declared types where the file
     * records them, else inferred node by node (Cast and CastLike give their target type, Shape/Size/ArgMax and the
     * like int64, comparisons bool, DequantizeLinear its scale's type, other ops their first typed input's).
     */
    public Map<String, String> elementTypes() {
        Map<String, Integer> t = new HashMap<>();
        Onnx.GraphProto g = model.getGraph();
        for (Onnx.ValueInfoProto v : g.getInputList()) {
            t.put(v.getName(), v.getType().getTensorType().getElemType());
        }
        for (Onnx.TensorProto i : g.getInitializerList()) {
            t.put(i.getName(), i.getDataType());
        }
        Map<String, Integer> declared = new HashMap<>();
        for (Onnx.ValueInfoProto v : g.getValueInfoList()) {
            declared.put(v.getName(), v.getType().getTensorType().getElemType());
        }
        for (Onnx.ValueInfoProto v : g.getOutputList()) {
            declared.put(v.getName(), v.getType().getTensorType().getElemType());
        }
        for (Onnx.NodeProto n : g.getNodeList()) {
            int type = switch (n.getOpType()) {
                case "Cast" -> (int) attributeInt(n, "to", 0);
                case "CastLike" -> t.getOrDefault(n.getInputCount() > 1 ? n.getInput(1) : "", 0);
                case "Constant" -> n.getAttributeList().stream().filter(a -> a.getName().equals("value"))
                        .map(a -> a.getT().getDataType()).findFirst().orElse(Onnx.TensorProto.DataType.FLOAT_VALUE);
                case "Shape", "Size", "ArgMax", "ArgMin", "NonZero", "NonMaxSuppression" ->
                        Onnx.TensorProto.DataType.INT64_VALUE;
                case "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Xor", "IsNaN",
                        "IsInf" -> Onnx.TensorProto.DataType.BOOL_VALUE;
                case "DequantizeLinear" -> t.getOrDefault(n.getInputCount() > 1 ? n.getInput(1) : "",
                        Onnx.TensorProto.DataType.FLOAT_VALUE);
                case "QuantizeLinear" -> n.getInputCount() > 2 ? t.getOrDefault(n.getInput(2), 0)
                        : Onnx.TensorProto.DataType.UINT8_VALUE;
                default -> n.getInputList().stream().filter(i -> !i.isEmpty() && t.getOrDefault(i, 0) != 0)
                        .map(t::get).findFirst().orElse(0);
            };
            for (String o : n.getOutputList()) {
                if (!o.isEmpty()) {
                    t.put(o, declared.getOrDefault(o, 0) != 0 ? declared.get(o) : type);
                }
            }
        }
        Map<String, String> names = new LinkedHashMap<>();
        t.forEach((k, v) -> names.put(k, typeName(v)));
        return names;
    }

    private static long attributeInt(Onnx.NodeProto n, String name, long dflt) {
        for (Onnx.AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return dflt;
    }

    private static String typeName(int elemType) {
        Onnx.TensorProto.DataType d = Onnx.TensorProto.DataType.forNumber(elemType);
        return elemType == 0 ? "unknown" : d == null ? "type" + elemType : d.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Number of nodes. */
    public int nodeCount() {
        return model.getGraph().getNodeCount();
    }

    /** The op type of every node, in graph order (index = {@link CutPoint#index()}). */
    public List<String> opTypes() {
        List<String> l = new ArrayList<>();
        model.getGraph().getNodeList().forEach(n -> l.add(n.getOpType()));
        return l;
    }

    /** Number of nodes per op type, most frequent first. */
    public Map<String, Integer> opCounts() {
        Map<String, Integer> counts = new HashMap<>();
        model.getGraph().getNodeList().forEach(n -> counts.merge(n.getOpType(), 1, Integer::sum));
        Map<String, Integer> sorted = new LinkedHashMap<>();
        counts.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue() != 0 ? b.getValue() - a.getValue()
                : a.getKey().compareTo(b.getKey())).forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    /** Number of initializers (weight tensors). */
    public int initializerCount() {
        return model.getGraph().getInitializerCount();
    }

    /** Number of values in all initializers. */
    public long parameterCount() {
        long n = 0;
        for (Onnx.TensorProto t : model.getGraph().getInitializerList()) {
            long c = 1;
            for (long d : t.getDimsList()) {
                c *= d;
            }
            n += c;
        }
        return n;
    }

    private Set<String> initializerNames() {
        Set<String> s = new HashSet<>();
        model.getGraph().getInitializerList().forEach(t -> s.add(t.getName()));
        return s;
    }

    /** Names of every tensor a node produces, in node order. */
    public List<String> tensorNames() {
        List<String> l = new ArrayList<>();
        model.getGraph().getNodeList().forEach(n -> l.addAll(n.getOutputList()));
        return l;
    }

    /**
     * The tensors the graph can be cut at: node outputs through which everything between the input and the outputs
     * passes (above them, the graph needs nothing else from below but constants), in graph order. Constants (and
     * nodes computed from constants only, such as the Identity copies of shared weights PyTorch writes) and the graph
     * outputs themselves are left out, and so are tensors that are not floating point (see {@link #elementTypes()};
     * float16, bfloat16 and double tensors are cut points: {@link #cut} casts them to float32). Each is labelled with a role: {@link CutPoint.Role#LOGITS_INPUT} for the input of the
     * final classifier (Gemm/MatMul), {@link CutPoint.Role#POOLED} for pooled features, {@link CutPoint.Role#BLOCK}
     * where a module of the exporter's naming ends (the first two levels of {@code /layer4/layer4.1/relu/Relu}), else
     * {@link CutPoint.Role#INNER}.
     */
    public List<CutPoint> cutPoints() {
        List<Onnx.NodeProto> nodes = model.getGraph().getNodeList();
        Set<String> consts = initializerNames();
        Set<Onnx.NodeProto> constNodes = new HashSet<>(); // Constant, or computed from constants only (Identity)
        for (Onnx.NodeProto n : nodes) {
            boolean allConst = n.getInputList().stream().allMatch(in -> in.isEmpty() || consts.contains(in));
            if (n.getOpType().equals("Constant") || (n.getInputCount() > 0 && allConst)) {
                consts.addAll(n.getOutputList());
                constNodes.add(n);
            }
        }
        Map<String, Integer> lastUse = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String in : nodes.get(i).getInputList()) {
                lastUse.put(in, i);
            }
        }
        Set<String> graphOutputs = new HashSet<>();
        model.getGraph().getOutputList().forEach(o -> graphOutputs.add(o.getName()));
        for (String o : graphOutputs) {
            lastUse.put(o, Integer.MAX_VALUE);
        }
        // the final classifier: the last Gemm/MatMul, when no convolution follows it
        int classifier = -1;
        for (int i = nodes.size() - 1; i >= 0; i--) {
            String op = nodes.get(i).getOpType();
            if (CLASSIFIER.contains(op)) {
                classifier = i;
                break;
            }
            if (op.equals("Conv")) {
                break;
            }
        }
        int lastConv = -1;
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).getOpType().equals("Conv") || nodes.get(i).getOpType().equals("MaxPool")
                    || nodes.get(i).getOpType().equals("AveragePool")) {
                lastConv = i;
            }
        }
        String classifierInput = classifier >= 0 ? nodes.get(classifier).getInput(0) : null;
        int reach = -1; // the furthest node any tensor produced so far (input included) is used at
        for (Port p : inputs()) {
            reach = Math.max(reach, lastUse.getOrDefault(p.name(), -1));
        }
        Map<String, String> types = elementTypes();
        List<CutPoint> cuts = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            Onnx.NodeProto n = nodes.get(i);
            if (constNodes.contains(n)) {
                continue;
            }
            List<String> outs = new ArrayList<>();
            for (String o : n.getOutputList()) {
                if (!o.isEmpty()) {
                    outs.add(o);
                }
            }
            boolean single = outs.size() == 1 && !graphOutputs.contains(outs.get(0));
            if (single && reach <= i && lastUse.getOrDefault(outs.get(0), -1) > i
                    && CUTTABLE.contains(types.get(outs.get(0)))) {
                String t = outs.get(0);
                CutPoint.Role role;
                if (t.equals(classifierInput)) {
                    role = CutPoint.Role.LOGITS_INPUT;
                } else if (POOLING.contains(n.getOpType()) && i > lastConv) {
                    role = CutPoint.Role.POOLED;
                } else if (i + 1 < nodes.size() && endsScope(n.getName(), nodes.get(i + 1).getName())) {
                    role = CutPoint.Role.BLOCK;
                } else {
                    role = CutPoint.Role.INNER;
                }
                cuts.add(new CutPoint(t, n.getName(), n.getOpType(), i, role));
            }
            for (String o : outs) {
                reach = Math.max(reach, lastUse.getOrDefault(o, -1));
            }
        }
        return cuts;
    }

    /**
     * True when {@code name} and {@code next} lie in different modules: their scopes (the first two segments of an
     * exporter's {@code /stage/block/.../op} name, or one where the name has only two) differ.
     */
    private static boolean endsScope(String name, String next) {
        String scope = scope(name);
        return !scope.isEmpty() && !scope.equals(scope(next));
    }

    private static String scope(String name) {
        String[] parts = name.replaceFirst("^/", "").split("/");
        int depth = Math.min(2, parts.length - 1);
        return depth <= 0 ? "" : String.join("/", java.util.Arrays.copyOf(parts, depth));
    }

    /**
     * Looks a cut point up by tensor name, by node name, or by the node's index (the {@code node} column of
     * {@code graft inspect}) when no tensor or node has that name.
     *
     * @throws IllegalArgumentException if it names no cut point; the message lists the recommended ones
     */
    public CutPoint cutPoint(String name) {
        List<CutPoint> cuts = cutPoints();
        for (CutPoint c : cuts) {
            if (c.tensor().equals(name) || c.node().equals(name)) {
                return c;
            }
        }
        if (name.matches("\\d{1,9}")) {
            int index = Integer.parseInt(name);
            for (CutPoint c : cuts) {
                if (c.index() == index) {
                    return c;
                }
            }
        }
        boolean exists = tensorNames().contains(name);
        String type = exists ? elementTypes().get(name) : null;
        List<String> shown = new ArrayList<>();
        for (CutPoint c : cuts) {
            if (c.role() != CutPoint.Role.INNER) {
                shown.add(c.tensor());
            }
        }
        throw new IllegalArgumentException((exists && !CUTTABLE.contains(type) ? "tensor '" + name + "' of " + source
                + " is " + type + ", so it is not a cut point (Graft's features are floating point: float32, or "
                + "float16/bfloat16/double cast to float32; cut at one of those)"
                : exists ? "tensor '" + name + "' of " + source
                + " is not a cut point (nodes above it also use tensors from below it, or it is a graph output)"
                : "no tensor or node '" + name + "' in " + source)
                + "; cut points are: " + String.join(", ", shown) + " (all " + cuts.size()
                + " with 'graft inspect " + source + " --all')");
    }

    /**
     * The graph up to and including the tensor {@code tensor}: that tensor becomes the only graph output and every
     * node and initializer it does not need is pruned. The model's opset, metadata and producer are kept. A float16,
     * bfloat16 or double tensor is cast to float32 by a Cast node added at the end (output {@code tensor + "/float32"}):
     * Graft's features are float32.
     *
     * @param tensor a tensor name (any node output; not necessarily a {@link #cutPoints() cut point})
     * @throws IllegalArgumentException if no node produces that tensor
     */
    public OnnxGraph cut(String tensor) {
        Onnx.GraphProto g = model.getGraph();
        Map<String, Onnx.NodeProto> producer = new HashMap<>();
        for (Onnx.NodeProto n : g.getNodeList()) {
            for (String o : n.getOutputList()) {
                producer.put(o, n);
            }
        }
        if (!producer.containsKey(tensor)) {
            throw new IllegalArgumentException("no node of " + source + " produces tensor '" + tensor
                    + "'; cut at a node output (see 'graft inspect " + source + "')");
        }
        Set<Onnx.NodeProto> keep = new HashSet<>();
        Set<String> needed = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(tensor));
        while (!todo.isEmpty()) {
            String t = todo.pop();
            if (!needed.add(t)) {
                continue;
            }
            Onnx.NodeProto p = producer.get(t);
            if (p != null && keep.add(p)) {
                for (String in : p.getInputList()) {
                    if (!in.isEmpty()) {
                        todo.push(in);
                    }
                }
                for (Onnx.AttributeProto a : p.getAttributeList()) {
                    if (a.hasG() || a.getGraphsCount() > 0) {
                        throw new IllegalArgumentException("cannot cut " + source + " below node '" + p.getName()
                                + "' (" + p.getOpType() + "): it holds a subgraph, and Graft cuts flat graphs only");
                    }
                }
            }
        }
        Onnx.GraphProto.Builder b = g.toBuilder().clearNode().clearInitializer().clearInput().clearOutput()
                .clearValueInfo();
        for (Onnx.NodeProto n : g.getNodeList()) {
            if (keep.contains(n)) {
                b.addNode(n);
            }
        }
        for (Onnx.TensorProto t : g.getInitializerList()) {
            if (needed.contains(t.getName())) {
                b.addInitializer(t);
            }
        }
        for (Onnx.ValueInfoProto v : g.getInputList()) {
            if (needed.contains(v.getName())) {
                b.addInput(v);
            }
        }
        Onnx.ValueInfoProto out = null;
        for (Onnx.ValueInfoProto v : g.getValueInfoList()) {
            if (needed.contains(v.getName())) {
                b.addValueInfo(v);
                if (v.getName().equals(tensor)) {
                    out = v;
                }
            }
        }
        for (Onnx.ValueInfoProto v : g.getOutputList()) {
            if (v.getName().equals(tensor)) {
                out = v;
            }
        }
        String type = elementTypes().getOrDefault(tensor, "float");
        if (!type.equals("float") && CUTTABLE.contains(type)) {
            String cast = tensor + "/float32";
            b.addNode(Onnx.NodeProto.newBuilder().setOpType("Cast").setName(cast).addInput(tensor).addOutput(cast)
                    .addAttribute(Onnx.AttributeProto.newBuilder().setName("to").setType(
                            Onnx.AttributeProto.AttributeType.INT).setI(Onnx.TensorProto.DataType.FLOAT_VALUE)));
            b.addOutput(Onnx.ValueInfoProto.newBuilder().setName(cast).setType(Onnx.TypeProto.newBuilder()
                    .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE))));
            Onnx.ModelProto cut = model.toBuilder().setGraph(b).build();
            return new OnnxGraph(cut.toByteArray(), cut, source + " cut at '" + tensor + "' (" + type
                    + ", cast to float32)");
        }
        if (out == null) {
            // no shape is recorded for an inner tensor: its element type (inferred) and an unknown shape, which ONNX
            // Runtime accepts
            Onnx.TensorProto.DataType d = Onnx.TensorProto.DataType.FLOAT;
            for (Onnx.TensorProto.DataType e : Onnx.TensorProto.DataType.values()) {
                if (e.name().equalsIgnoreCase(type)) {
                    d = e;
                }
            }
            out = Onnx.ValueInfoProto.newBuilder().setName(tensor).setType(Onnx.TypeProto.newBuilder()
                    .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(d.getNumber()))).build();
        }
        b.addOutput(out);
        Onnx.ModelProto cut = model.toBuilder().setGraph(b).build();
        byte[] cutBytes = cut.toByteArray();
        return new OnnxGraph(cutBytes, cut, source + " cut at '" + tensor + "'");
    }

    /**
     * This graph with an Identity node in front: it copies the input into the tensor {@code tensor}, which every node
     * reads instead of the input, so that the input itself can serve as a cut (index 0; what
     * {@link #cutPoint(String)} finds). Nothing else changes: the graph computes the same.
     *
     * @throws IllegalArgumentException if a tensor of that name exists already
     */
    public OnnxGraph withInputIdentity(String tensor) {
        String in = input().name();
        if (tensorNames().contains(tensor) || in.equals(tensor)) {
            throw new IllegalArgumentException(source + " already has a tensor '" + tensor + "'");
        }
        Onnx.GraphProto.Builder b = model.getGraph().toBuilder().clearNode();
        b.addNode(Onnx.NodeProto.newBuilder().setOpType("Identity").setName(tensor).addInput(in).addOutput(tensor));
        for (Onnx.NodeProto n : model.getGraph().getNodeList()) {
            Onnx.NodeProto.Builder nb = n.toBuilder();
            for (int i = 0; i < nb.getInputCount(); i++) {
                if (nb.getInput(i).equals(in)) {
                    nb.setInput(i, tensor);
                }
            }
            b.addNode(nb);
        }
        Onnx.ModelProto m = model.toBuilder().setGraph(b).build();
        return new OnnxGraph(m.toByteArray(), m, source);
    }

    /**
     * This graph taking raw input: the card's normalization ({@code (x * scale - mean[c]) / std[c]},
     * {@link Normalization#apply}) runs as the graph's first nodes (Mul, then Sub and Div per channel on the
     * layout's channel axis), so ONNX Runtime does it in its own threads instead of a separate pass over the batch.
     * The same float operations in the same order as {@link Normalization#apply}. The input keeps its name and shape;
     * the identity normalization returns this graph.
     *
     * @param layout layout of the input (batch dimension first), for the channel axis
     * @throws IllegalArgumentException if the input is not float, or its channel count is known and differs from the
     *     number of per-channel statistics, or a tensor named like the added ones exists
     */
    public OnnxGraph withNormalization(Normalization normalization, InputLayout layout) {
        if (normalization.isIdentity()) {
            return this;
        }
        Port in = input();
        if (!"float".equals(in.elementType())) {
            throw new IllegalArgumentException(source + ": input '" + in.name() + "' is " + in.elementType()
                    + "; normalization in the graph needs a float input (normalize before running it instead)");
        }
        int rank = in.shape().length;
        int axis = layout.channelAxis() + 1;
        int channels = normalization.mean().length;
        if (channels > 1 && (axis >= rank || in.shape()[axis] > 0 && in.shape()[axis] != channels)) {
            throw new IllegalArgumentException(source + ": the normalization has " + channels + " per-channel values but "
                    + "input '" + in.name() + "' " + Arrays.toString(in.shape()) + " has "
                    + (axis >= rank ? "no axis " + axis : in.shape()[axis] + " channels on axis " + axis)
                    + " (layout " + layout + "); give the card the model's layout and statistics");
        }
        String prefix = "graft_normalize/";
        for (String t : tensorNames()) {
            if (t.startsWith(prefix)) {
                throw new IllegalArgumentException(source + " already has a tensor '" + t + "' (normalized twice?)");
            }
        }
        Onnx.GraphProto.Builder b = model.getGraph().toBuilder().clearNode();
        String x = addNormalization(b, in.name(), rank, normalization, layout);
        for (Onnx.NodeProto n : model.getGraph().getNodeList()) {
            Onnx.NodeProto.Builder nb = n.toBuilder();
            for (int i = 0; i < nb.getInputCount(); i++) {
                if (nb.getInput(i).equals(in.name())) {
                    nb.setInput(i, x);
                }
            }
            b.addNode(nb);
        }
        Onnx.ModelProto m = model.toBuilder().setGraph(b).build();
        return new OnnxGraph(m.toByteArray(), m, source + " from raw input");
    }

    /**
     * Appends the nodes (and constant initializers) of {@code normalization} to {@code b}, reading {@code input}: Mul by
     * the scale, then Sub of the mean and Div by the std per channel on the layout's axis, as
     * {@link Normalization#apply} does; tensors are named {@code graft_normalize/...}. Used for the featurizer's graph
     * ({@link #withNormalization}) and for a whole-model export.
     *
     * @param rank rank of the input, batch dimension included
     * @return the name of the normalized tensor
     */
    public static String addNormalization(Onnx.GraphProto.Builder b, String input, int rank,
            Normalization normalization, InputLayout layout) {
        String prefix = "graft_normalize/";
        String x = addBinary(b, "Mul", input, prefix + "scale", new long[0],
                new float[] {(float) normalization.scale()}, prefix + "scaled");
        int channels = normalization.mean().length;
        if (channels > 0) {
            long[] perChannel = new long[rank];
            Arrays.fill(perChannel, 1);
            perChannel[layout.channelAxis() + 1] = channels;
            x = addBinary(b, "Sub", x, prefix + "mean", perChannel, floats(normalization.mean()), prefix + "centered");
            x = addBinary(b, "Div", x, prefix + "std", perChannel, floats(normalization.std()), prefix + "normalized");
        }
        return x;
    }

    /** Adds {@code out = op(x, constant)} with the constant as an initializer; returns {@code out}. */
    private static String addBinary(Onnx.GraphProto.Builder b, String op, String x, String constant, long[] dims,
            float[] values, String out) {
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(constant)
                .setDataType(Onnx.TensorProto.DataType.FLOAT_VALUE);
        for (long d : dims) {
            t.addDims(d);
        }
        for (float v : values) {
            t.addFloatData(v);
        }
        b.addInitializer(t);
        b.addNode(Onnx.NodeProto.newBuilder().setOpType(op).setName(out).addInput(x).addInput(constant).addOutput(out));
        return out;
    }

    private static float[] floats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    @Override
    public String toString() {
        return source + " (opset " + opset() + ", " + nodeCount() + " nodes, " + parameterCount() + " parameters)";
    }
}
