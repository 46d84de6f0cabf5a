package dev.graft.zoo.onnx;

import dev.graft.zoo.layers.BroadcastMultiplyVertex;
import dev.graft.zoo.layers.GlobalPoolingKeepDims;
import dev.graft.zoo.layers.HardSilu;
import dev.graft.zoo.layers.InputSafeActivationLayer;
import dev.graft.zoo.layers.KerasHardSigmoid;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import onnx.Onnx;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Maps the nodes of an ONNX graph above a cut into a DL4J {@link ComputationGraph} carrying the ONNX weights, so that
 * the pretrained top of an imported model can be fine-tuned in DL4J. Mapped: Conv (groups 1, or depthwise with one
 * output per channel; symmetric padding), BatchNormalization, Relu, Clip (to ReLU/ReLU6), Sigmoid, HardSigmoid
 * (PyTorch's alpha 1/6 or ONNX's default 0.2), HardSwish, Tanh, Add and Mul of two tensors (same shape, or a
 * per-channel gate {@code [N, C, 1, 1]}), GlobalAveragePool/GlobalMaxPool, ReduceMean over H and W (keepdims or not; axes as an attribute, or as a constant input from opset 18), MaxPool (symmetric padding, or ceil_mode adding one row/column at the end) and
 * AveragePool without padding, Flatten/Reshape to {@code [N, -1]}, Concat over channels, Gemm, MatMul with a
 * constant weight, Identity, Dropout.
 *
 * <p>{@link #unmapped(OnnxGraph, String)} says up front which nodes above a cut cannot be mapped (and why);
 * {@link #lowestMappableCut(OnnxGraph)} is the lowest cut point whose whole top can be. Vertex names are the ONNX
 * output tensor names. The graph input is the cut tensor (NCHW, or a vector).
 * <pre>{@code
 * ComputationGraph top = OnnxToDl4j.convert(graph, "/layer4/layer4.0/relu_1/Relu_output_0", 1);
 * INDArray logits = top.outputSingle(onnxRuntimeFeaturesAtTheCut);
 * }</pre>
 */
public final class OnnxToDl4j {
    private final OnnxGraph graph;
    private final String cut;
    private final Map<String, Onnx.TensorProto> constants = new HashMap<>();
    private final Map<String, long[]> shapes;
    private final Map<String, String> alias = new HashMap<>();
    private final List<String> problems = new ArrayList<>();
    private final Map<String, INDArray[]> weights = new LinkedHashMap<>();
    private ComputationGraphConfiguration.GraphBuilder gb;

    private OnnxToDl4j(OnnxGraph graph, String cut, int threads, boolean build) {
        this.graph = graph;
        this.cut = cut;
        graph.proto().getGraph().getInitializerList().forEach(t -> constants.put(t.getName(), t));
        for (Onnx.NodeProto n : graph.proto().getGraph().getNodeList()) {
            if (n.getOpType().equals("Constant")) {
                for (Onnx.AttributeProto a : n.getAttributeList()) {
                    if (a.getName().equals("value")) {
                        constants.put(n.getOutput(0), a.getT());
                    }
                }
            } else if (n.getOpType().equals("Identity") && constants.containsKey(n.getInput(0))) {
                constants.put(n.getOutput(0), constants.get(n.getInput(0))); // PyTorch's copies of shared weights
            }
        }
        List<String> tensors = new ArrayList<>();
        tensors.add(cut);
        for (Onnx.NodeProto n : above()) {
            tensors.addAll(n.getOutputList());
        }
        tensors.removeIf(t -> t.isEmpty() || constants.containsKey(t));
        OnnxGraph.Port in = graph.input();
        this.shapes = OnnxRunner.shapes(graph, tensors, Arrays.copyOfRange(in.shape(), 1, in.shape().length), threads);
    }

    /** The non-constant nodes above the cut point {@code cut}, in graph order. */
    private List<Onnx.NodeProto> above() {
        CutPoint point = graph.cutPoint(cut);
        List<Onnx.NodeProto> nodes = graph.proto().getGraph().getNodeList();
        List<Onnx.NodeProto> l = new ArrayList<>();
        for (int i = point.index() + 1; i < nodes.size(); i++) {
            Onnx.NodeProto n = nodes.get(i);
            if (!n.getOpType().equals("Constant") && !(n.getOpType().equals("Identity") && constants.containsKey(n.getOutput(0)))) {
                l.add(nodes.get(i));
            }
        }
        return l;
    }

    /**
     * The nodes above the cut that cannot be mapped to DL4J, each as {@code node (op): reason}; empty when the whole
     * top can be.
     *
     * @throws IllegalArgumentException if {@code cut} is not a cut point of the graph
     */
    public static List<String> unmapped(OnnxGraph graph, String cut) {
        OnnxToDl4j c = new OnnxToDl4j(graph, graph.cutPoint(cut).tensor(), 1, false);
        c.map();
        return List.copyOf(c.problems);
    }

    /**
     * The lowest (earliest) non-inner cut point whose whole top maps to DL4J, or null when not even the top above the
     * logits input does.
     */
    public static CutPoint lowestMappableCut(OnnxGraph graph) {
        List<CutPoint> cuts = graph.cutPoints().stream().filter(c -> c.role() != CutPoint.Role.INNER).toList();
        CutPoint best = null;
        for (int i = cuts.size() - 1; i >= 0; i--) {
            if (!unmapped(graph, cuts.get(i).tensor()).isEmpty()) {
                break;
            }
            best = cuts.get(i);
        }
        return best;
    }

    /**
     * Builds the DL4J graph of the nodes above {@code cut}, initialised with the ONNX weights (Adam 1e-3 as the
     * updater, to be replaced by whoever trains it).
     *
     * @param threads ONNX Runtime threads for working out the tensor shapes (one run of a zero example)
     * @throws IllegalArgumentException if {@code cut} is not a cut point, or a node above it cannot be mapped (all
     *     such nodes and their reasons are listed)
     */
    public static ComputationGraph convert(OnnxGraph graph, String cut, int threads) {
        OnnxToDl4j c = new OnnxToDl4j(graph, graph.cutPoint(cut).tensor(), threads, true);
        c.map();
        if (!c.problems.isEmpty()) {
            throw new IllegalArgumentException(c.problems.size() + " node(s) of " + graph.source() + " above '" + cut
                    + "' cannot be mapped to DL4J layers: " + String.join("; ", c.problems)
                    + "; cut higher (they stay frozen in ONNX Runtime)");
        }
        ComputationGraph net = new ComputationGraph(c.gb.build());
        net.init();
        c.weights.forEach((vertex, w) -> {
            org.deeplearning4j.nn.api.Layer l = net.getLayer(vertex);
            String[] names = l.conf().getLayer() instanceof BatchNormalization ? new String[] {"gamma", "beta", "mean", "var"}
                    : new String[] {"W", "b"};
            for (int i = 0; i < w.length && i < names.length; i++) {
                if (w[i] == null) {
                    continue;
                }
                INDArray p = l.getParam(names[i]);
                if (p.length() != w[i].length()) {
                    throw new IllegalStateException("ONNX weight " + i + " of '" + vertex + "' has shape "
                            + Arrays.toString(w[i].shape()) + " but DL4J's parameter '" + names[i] + "' has "
                            + Arrays.toString(p.shape()));
                }
                p.assign(w[i].reshape(p.shape()));
            }
        });
        return net;
    }

    private void map() {
        gb = new NeuralNetConfiguration.Builder().updater(new Adam(1e-3)).dataType(DataType.FLOAT).graphBuilder()
                .addInputs(cut);
        long[] inShape = shapes.get(cut);
        gb.setInputTypes(inShape.length == 4 ? InputType.convolutional(inShape[2], inShape[3], inShape[1])
                : InputType.feedForward(inShape[1]));
        alias.put(cut, cut);
        String last = null;
        for (Onnx.NodeProto n : above()) {
            try {
                mapNode(n);
            } catch (Unmappable e) {
                problems.add("'" + n.getName() + "' (" + n.getOpType() + "): " + e.getMessage());
                // let later nodes see the output, so all problems are listed at once
                for (String o : n.getOutputList()) {
                    alias.put(o, vertexOf(n.getInput(0)));
                }
            }
            last = n.getOutput(0);
        }
        if (last != null) {
            gb.setOutputs(vertexOf(graph.outputs().get(0).name()));
        }
    }

    private static final class Unmappable extends Exception {
        Unmappable(String why) {
            super(why);
        }
    }

    private String vertexOf(String tensor) {
        String v = alias.get(tensor);
        return v != null ? v : tensor;
    }

    private long[] shape(String tensor) {
        return shapes.get(tensor);
    }

    private void mapNode(Onnx.NodeProto n) throws Unmappable {
        String out = n.getOutput(0);
        String in0 = n.getInputCount() > 0 ? vertexOf(n.getInput(0)) : null;
        switch (n.getOpType()) {
            case "Identity", "Dropout" -> alias.put(out, in0);
            case "Relu" -> activation(out, in0, Activation.RELU.getActivationFunction());
            case "Sigmoid" -> activation(out, in0, Activation.SIGMOID.getActivationFunction());
            case "Tanh" -> activation(out, in0, Activation.TANH.getActivationFunction());
            case "HardSwish" -> activation(out, in0, new HardSilu());
            case "HardSigmoid" -> {
                double alpha = attrFloat(n, "alpha", 0.2f);
                double beta = attrFloat(n, "beta", 0.5f);
                if (Math.abs(alpha - 1 / 6.0) < 1e-6 && Math.abs(beta - 0.5) < 1e-6) {
                    activation(out, in0, new KerasHardSigmoid());
                } else if (Math.abs(alpha - 0.2) < 1e-6 && Math.abs(beta - 0.5) < 1e-6) {
                    activation(out, in0, Activation.HARDSIGMOID.getActivationFunction());
                } else {
                    throw new Unmappable("alpha " + alpha + ", beta " + beta + " (mapped: 1/6 and 0.5, or 0.2 and 0.5)");
                }
            }
            case "Clip" -> {
                // opset 11+: min and max are inputs; opset 6: attributes
                float min = n.getInputCount() > 1 && !n.getInput(1).isEmpty() ? scalar(n.getInput(1))
                        : attrFloat(n, "min", Float.NEGATIVE_INFINITY);
                float max = n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? scalar(n.getInput(2))
                        : attrFloat(n, "max", Float.POSITIVE_INFINITY);
                if (min == 0 && max == 6) {
                    activation(out, in0, Activation.RELU6.getActivationFunction());
                } else if (min == 0 && max == Float.POSITIVE_INFINITY) {
                    activation(out, in0, Activation.RELU.getActivationFunction());
                } else {
                    throw new Unmappable("clip to [" + min + ", " + max + "] (mapped: [0, 6] and [0, inf))");
                }
            }
            case "Add", "Mul" -> binary(n, out);
            case "Conv" -> conv(n, out, in0);
            case "BatchNormalization" -> {
                long c = shape(n.getInput(0))[1];
                gb.addLayer(out, new BatchNormalization.Builder().nIn(c).nOut(c).useLogStd(false).eps(attrFloat(n, "epsilon", 1e-5f))
                        .build(), in0);
                weights.put(out, new INDArray[] {array(n.getInput(1)), array(n.getInput(2)), array(n.getInput(3)),
                    array(n.getInput(4))});
            }
            case "GlobalAveragePool", "GlobalMaxPool" -> gb.addLayer(out, new GlobalPoolingKeepDims.Builder(
                    n.getOpType().equals("GlobalMaxPool") ? PoolingType.MAX : PoolingType.AVG).build(), in0);
            case "ReduceMean" -> {
                List<Long> axes = axes(n);
                if (!(axes.equals(List.of(2L, 3L)) || axes.equals(List.of(-2L, -1L))) || shape(n.getInput(0)).length != 4) {
                    throw new Unmappable("axes " + (axes.isEmpty() ? "[] (all)" : axes)
                            + " (mapped: the mean over H and W of an NCHW map)");
                }
                if (attrInt(n, "keepdims", 1) == 1) {
                    gb.addLayer(out, new GlobalPoolingKeepDims.Builder(PoolingType.AVG).build(), in0);
                } else {
                    gb.addLayer(out, new GlobalPoolingLayer.Builder(PoolingType.AVG).collapseDimensions(true).build(), in0);
                }
            }
            case "MaxPool", "AveragePool" -> pool(n, out, in0);
            case "Flatten", "Reshape" -> {
                long[] s = shape(n.getInput(0));
                long[] o = shape(out);
                if (o.length != 2 || (n.getOpType().equals("Flatten") && attrInt(n, "axis", 1) != 1)) {
                    throw new Unmappable("output shape " + Arrays.toString(o) + " (mapped: flattening to [N, features])");
                }
                if (s.length == 2) {
                    alias.put(out, in0);
                } else if (s.length == 4) {
                    gb.addVertex(out, new PreprocessorVertex(new CnnToFeedForwardPreProcessor(s[2], s[3], s[1])), in0);
                } else {
                    throw new Unmappable("input of rank " + s.length);
                }
            }
            case "Concat" -> {
                long axis = attrInt(n, "axis", 1);
                if (axis != 1) {
                    throw new Unmappable("axis " + axis + " (mapped: the channel axis 1)");
                }
                gb.addVertex(out, new MergeVertex(), n.getInputList().stream().map(this::vertexOf).toArray(String[]::new));
            }
            case "Gemm" -> {
                if (attrFloat(n, "alpha", 1) != 1 || attrFloat(n, "beta", 1) != 1 || attrInt(n, "transA", 0) != 0
                        || !constants.containsKey(n.getInput(1))) {
                    throw new Unmappable("alpha/beta other than 1, transA, or a weight that is not a constant");
                }
                INDArray w = array(n.getInput(1));
                if (attrInt(n, "transB", 0) == 1) {
                    w = w.transpose().dup('c');
                }
                INDArray b = n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? array(n.getInput(2)) : null;
                dense(out, in0, w, b);
            }
            case "MatMul" -> {
                if (!constants.containsKey(n.getInput(1)) || shape(n.getInput(0)).length != 2) {
                    throw new Unmappable("mapped only as [N, in] x constant [in, out]");
                }
                dense(out, in0, array(n.getInput(1)), null);
            }
            default -> throw new Unmappable("op not mapped to DL4J");
        }
    }

    private void activation(String out, String in, IActivation fn) {
        gb.addLayer(out, new InputSafeActivationLayer(fn), in);
    }

    private void dense(String out, String in, INDArray w, INDArray b) {
        gb.addLayer(out, new DenseLayer.Builder().nIn(w.size(0)).nOut(w.size(1)).hasBias(b != null)
                .activation(Activation.IDENTITY).build(), in);
        weights.put(out, new INDArray[] {w, b});
    }

    private void binary(Onnx.NodeProto n, String out) throws Unmappable {
        if (constants.containsKey(n.getInput(0)) || constants.containsKey(n.getInput(1))) {
            throw new Unmappable("an operand is a constant (mapped: two tensors)");
        }
        long[] a = shape(n.getInput(0));
        long[] b = shape(n.getInput(1));
        String va = vertexOf(n.getInput(0));
        String vb = vertexOf(n.getInput(1));
        boolean add = n.getOpType().equals("Add");
        if (Arrays.equals(a, b)) {
            gb.addVertex(out, new ElementWiseVertex(add ? ElementWiseVertex.Op.Add : ElementWiseVertex.Op.Product), va, vb);
        } else if (!add && a.length == 4 && b.length == 4 && isGate(b, a)) {
            gb.addVertex(out, new BroadcastMultiplyVertex(CNN2DFormat.NCHW), va, vb);
        } else if (!add && a.length == 4 && b.length == 4 && isGate(a, b)) {
            gb.addVertex(out, new BroadcastMultiplyVertex(CNN2DFormat.NCHW), vb, va);
        } else {
            throw new Unmappable("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                    + " (mapped: equal shapes, or a Mul by a [N, C, 1, 1] gate)");
        }
    }

    private static boolean isGate(long[] gate, long[] x) {
        return gate[1] == x[1] && gate[2] == 1 && gate[3] == 1;
    }

    private void conv(Onnx.NodeProto n, String out, String in) throws Unmappable {
        if (!constants.containsKey(n.getInput(1))) {
            throw new Unmappable("weight is not a constant");
        }
        INDArray w = array(n.getInput(1));
        long[] ws = w.shape();
        if (ws.length != 4) {
            throw new Unmappable("weight of rank " + ws.length + " (mapped: 2-D convolutions)");
        }
        long group = attrInt(n, "group", 1);
        int[] k = {(int) ws[2], (int) ws[3]};
        int[] stride = ints(attrInts(n, "strides"), 1);
        int[] dil = ints(attrInts(n, "dilations"), 1);
        List<Long> pads = attrInts(n, "pads");
        String autoPad = attrString(n, "auto_pad", "NOTSET");
        if (!autoPad.equals("NOTSET")) {
            throw new Unmappable("auto_pad " + autoPad + " (mapped: explicit pads)");
        }
        int[] pad = {0, 0};
        if (!pads.isEmpty()) {
            if (!pads.get(0).equals(pads.get(2)) || !pads.get(1).equals(pads.get(3))) {
                throw new Unmappable("asymmetric pads " + pads);
            }
            pad = new int[] {pads.get(0).intValue(), pads.get(1).intValue()};
        }
        INDArray b = n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? array(n.getInput(2)) : null;
        long cin = shape(n.getInput(0))[1];
        long cout = ws[0];
        if (group == 1) {
            gb.addLayer(out, new ConvolutionLayer.Builder(k).stride(stride).padding(pad).dilation(dil).nIn(cin).nOut(cout)
                    .hasBias(b != null).convolutionMode(ConvolutionMode.Truncate).activation(Activation.IDENTITY)
                    .dataFormat(CNN2DFormat.NCHW).build(), in);
            weights.put(out, new INDArray[] {w, b});
        } else if (group == cin && ws[1] == 1) {
            long mult = cout / cin;
            // ONNX [C * mult, 1, kh, kw] -> DL4J [kh, kw, C, mult]
            INDArray dw = w.reshape(cin, mult, k[0], k[1]).permute(2, 3, 0, 1).dup('c');
            gb.addLayer(out, new DepthwiseConvolution2D.Builder(k).stride(stride).padding(pad).dilation(dil).nIn(cin)
                    .nOut(cout).depthMultiplier((int) mult).hasBias(b != null).convolutionMode(ConvolutionMode.Truncate)
                    .activation(Activation.IDENTITY).dataFormat(CNN2DFormat.NCHW).build(), in);
            weights.put(out, new INDArray[] {dw, b});
        } else {
            throw new Unmappable("group " + group + " of " + cin + " input channels (mapped: 1, or depthwise)");
        }
    }

    private void pool(Onnx.NodeProto n, String out, String in) throws Unmappable {
        int[] k = ints(attrInts(n, "kernel_shape"), 1);
        int[] stride = ints(attrInts(n, "strides"), 1);
        List<Long> pads = attrInts(n, "pads");
        boolean max = n.getOpType().equals("MaxPool");
        if (!attrString(n, "auto_pad", "NOTSET").equals("NOTSET")) {
            throw new Unmappable("auto_pad (mapped: explicit pads)");
        }
        if (attrInt(n, "ceil_mode", 0) != 0 && !floorGivesTheSame(n, k, stride, pads)) {
            // ceil_mode pads at the bottom/right only; DL4J's Same mode does the same when the total padding is one
            // row/column (it puts the odd one at the end) and excludes padding from the max
            long[] s = shape(n.getInput(0));
            long[] o = shape(n.getOutput(0));
            boolean same = max && pads.stream().allMatch(p -> p == 0);
            for (int d = 0; same && d < 2; d++) {
                long size = s[d + 2];
                long sameOut = (size + stride[d] - 1) / stride[d];
                long total = Math.max(0, (sameOut - 1) * stride[d] + k[d] - size);
                same = sameOut == o[d + 2] && total <= 1;
            }
            if (!same) {
                throw new Unmappable("ceil_mode with shapes " + Arrays.toString(s) + " -> " + Arrays.toString(o)
                        + " (mapped: MaxPool whose ceil rounding adds at most one row/column at the end)");
            }
            gb.addLayer(out, new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(k).stride(stride)
                    .convolutionMode(ConvolutionMode.Same).dataFormat(CNN2DFormat.NCHW).build(), in);
            return;
        }
        int[] pad = {0, 0};
        if (!pads.isEmpty() && pads.stream().anyMatch(p -> p != 0)) {
            if (!max || !pads.get(0).equals(pads.get(2)) || !pads.get(1).equals(pads.get(3))) {
                throw new Unmappable("pads " + pads + " (mapped: symmetric padding for MaxPool, none for AveragePool)");
            }
            pad = new int[] {pads.get(0).intValue(), pads.get(1).intValue()};
        }
        gb.addLayer(out, new SubsamplingLayer.Builder(max ? PoolingType.MAX : PoolingType.AVG).kernelSize(k)
                .stride(stride).padding(pad).convolutionMode(ConvolutionMode.Truncate).dataFormat(CNN2DFormat.NCHW)
                .build(), in);
    }

    /** True when rounding down gives the output size ONNX Runtime computed with ceil_mode (then it changes nothing). */
    private boolean floorGivesTheSame(Onnx.NodeProto n, int[] k, int[] stride, List<Long> pads) {
        long[] s = shape(n.getInput(0));
        long[] o = shape(n.getOutput(0));
        for (int d = 0; d < 2; d++) {
            long pad = pads.isEmpty() ? 0 : pads.get(d) + pads.get(d + 2);
            if ((s[d + 2] + pad - k[d]) / stride[d] + 1 != o[d + 2]) {
                return false;
            }
        }
        return true;
    }

    private static int[] ints(List<Long> l, int dflt) {
        return l.isEmpty() ? new int[] {dflt, dflt} : l.stream().mapToInt(Long::intValue).toArray();
    }

    private static Onnx.AttributeProto attr(Onnx.NodeProto n, String name) {
        for (Onnx.AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    private static float attrFloat(Onnx.NodeProto n, String name, float dflt) {
        Onnx.AttributeProto a = attr(n, name);
        return a == null ? dflt : a.getF();
    }

    private static long attrInt(Onnx.NodeProto n, String name, long dflt) {
        Onnx.AttributeProto a = attr(n, name);
        return a == null ? dflt : a.getI();
    }

    private static List<Long> attrInts(Onnx.NodeProto n, String name) {
        Onnx.AttributeProto a = attr(n, name);
        return a == null ? List.of() : a.getIntsList();
    }

    /**
     * The axes of a Reduce* node: the {@code axes} attribute (up to opset 17), else its second input (opset 18, and
     * ReduceSum from 13), which must be a constant; sorted as given. Empty when neither is given (all axes).
     */
    private List<Long> axes(Onnx.NodeProto n) throws Unmappable {
        List<Long> a = attrInts(n, "axes");
        if (!a.isEmpty() || n.getInputCount() < 2 || n.getInput(1).isEmpty()) {
            return a;
        }
        Onnx.TensorProto t = constants.get(n.getInput(1));
        if (t == null) {
            throw new Unmappable("axes come from tensor '" + n.getInput(1) + "', which is not a constant (mapped: "
                    + "constant axes)");
        }
        if (t.getDataType() != Onnx.TensorProto.DataType.INT64_VALUE) {
            throw new Unmappable("axes tensor '" + n.getInput(1) + "' is "
                    + Onnx.TensorProto.DataType.forNumber(t.getDataType()) + " (ONNX requires int64)");
        }
        List<Long> l = new ArrayList<>();
        if (!t.getRawData().isEmpty()) {
            java.nio.LongBuffer b = ByteBuffer.wrap(t.getRawData().toByteArray()).order(ByteOrder.LITTLE_ENDIAN)
                    .asLongBuffer();
            while (b.hasRemaining()) {
                l.add(b.get());
            }
        } else {
            l.addAll(t.getInt64DataList());
        }
        return l;
    }

    private static String attrString(Onnx.NodeProto n, String name, String dflt) {
        Onnx.AttributeProto a = attr(n, name);
        return a == null ? dflt : a.getS().toStringUtf8();
    }

    private float scalar(String name) throws Unmappable {
        INDArray a = array(name);
        if (a.length() != 1) {
            throw new Unmappable("'" + name + "' is not a scalar");
        }
        return a.getFloat(0);
    }

    /** A constant tensor (initializer or Constant node) as a float INDArray of its shape. */
    private INDArray array(String name) throws Unmappable {
        Onnx.TensorProto t = constants.get(name);
        if (t == null) {
            throw new Unmappable("'" + name + "' is not a constant");
        }
        long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        int count = (int) Arrays.stream(dims).reduce(1, (x, y) -> x * y);
        float[] v = new float[count];
        if (t.getDataType() == Onnx.TensorProto.DataType.FLOAT_VALUE) {
            if (!t.getRawData().isEmpty()) {
                ByteBuffer.wrap(t.getRawData().toByteArray()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            } else {
                for (int i = 0; i < count; i++) {
                    v[i] = t.getFloatData(i);
                }
            }
        } else {
            throw new Unmappable("'" + name + "' is " + Onnx.TensorProto.DataType.forNumber(t.getDataType())
                    + " (mapped: float constants)");
        }
        return dims.length == 0 ? Nd4j.scalar(v[0]) : Nd4j.create(v, dims, 'c');
    }
}
