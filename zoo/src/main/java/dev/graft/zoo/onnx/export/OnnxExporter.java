package dev.graft.zoo.onnx.export;

import static dev.graft.zoo.onnx.export.OnnxGraphDraft.attr;

import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.layers.ChannelwiseLayer;
import dev.graft.zoo.layers.GlobalPoolingKeepDims;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.layers.convolutional.Cropping2D;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Writes a DL4J {@link MultiLayerNetwork} or {@link ComputationGraph} — whole, or up to a cut layer/vertex — as an
 * ONNX graph (opset 17, dynamic batch) that ONNX Runtime can run, computing DL4J's inference output.
 *
 * <p>Translated: {@code ConvolutionLayer} (Same/Truncate/Strict modes, dilation, NCHW and NHWC),
 * {@code DepthwiseConvolution2D}, {@code SeparableConvolution2D}, {@code BatchNormalization} (folded into the
 * convolution before it where that is exact, else ONNX {@code BatchNormalization}), {@code DenseLayer} and
 * {@code OutputLayer} (as {@code Gemm}), {@code SubsamplingLayer} (max, average), {@code GlobalPoolingLayer}
 * (max, average, sum), {@code ZeroPaddingLayer}, {@code Cropping2D}, {@code Upsampling2D}, {@code DropoutLayer}
 * (identity), {@code LocalResponseNormalization}, {@code ActivationLayer} and layers' activations (see
 * {@code ActivationExporter}), DL4J's frozen wrappers, Graft's {@code ChannelAffineLayer},
 * {@code GlobalPoolingKeepDims} and {@code BroadcastMultiplyVertex}; merge, element-wise, scale, shift and
 * preprocessor vertices; the {@code CnnToFeedForward} (DL4J's flatten order for NCHW and NHWC) and
 * {@code FeedForwardToCnn} preprocessors. Anything else fails with an {@link OnnxExportException} naming the layer
 * and its type — never a graph that computes something else.
 *
 * <p>Example: {@code OnnxExporter.builder(vgg16).cutAt("fc2").build().export().save(Path.of("vgg16-fc2.onnx"))}.
 */
public final class OnnxExporter {
    /** Name of a MultiLayerNetwork's input in the exported graph. */
    public static final String MLN_INPUT = "input";
    /** The most weight bytes one exported file holds (protobuf's 2 GB limit, less room for the graph). */
    static final long MAX_WEIGHT_BYTES = 2_000_000_000L;

    private final Model network;
    private final String cut;
    private final List<InputType> inputTypes;
    private final boolean foldBatchNorm;

    private OnnxExporter(Builder b) {
        this.network = b.network;
        this.cut = b.cut;
        this.inputTypes = b.inputTypes;
        this.foldBatchNorm = b.foldBatchNorm;
    }

    /** A builder for exporting {@code network}, a MultiLayerNetwork or ComputationGraph. */
    public static Builder builder(Model network) {
        return new Builder(network);
    }

    /**
     * A builder for exporting a Graft model's network, its input type taken from the card (layout and shape), so
     * the graph's input has fixed channels, height and width. The graph takes what the network takes: the card's
     * normalization is not part of it (apply {@code model.preprocess} first, as featurizers do).
     *
     * @throws IllegalArgumentException if the model is null
     */
    public static Builder builder(GraftModel model) {
        if (model == null) {
            throw new IllegalArgumentException("model is null; pass a GraftModel");
        }
        Builder b = new Builder(model.network());
        InputType t = inputTypeOf(model.card().layout(), model.card().inputShape());
        if (t != null && !(model.network() instanceof ComputationGraph
                && ((ComputationGraph) model.network()).getConfiguration().getNetworkInputs().size() != 1)) {
            b.inputTypes(t);
        }
        return b;
    }

    /** DL4J's input type for a card's layout and per-example shape; null when the card does not say. */
    static InputType inputTypeOf(InputLayout layout, long[] shape) {
        if (layout == null || shape == null) {
            return null;
        }
        if (layout == InputLayout.NCHW && shape.length == 3) {
            return InputType.convolutional(shape[1], shape[2], shape[0], CNN2DFormat.NCHW);
        }
        if (layout == InputLayout.NHWC && shape.length == 3) {
            return InputType.convolutional(shape[0], shape[1], shape[2], CNN2DFormat.NHWC);
        }
        if (layout == InputLayout.FLAT && shape.length == 1) {
            return InputType.feedForward(shape[0]);
        }
        return null;
    }

    /**
     * Exports the network (up to the cut, if one was set).
     *
     * @throws OnnxExportException if a layer, vertex, preprocessor or activation on the way is not translated, or
     *         the input's kind cannot be worked out (then set {@link Builder#inputTypes})
     */
    public ExportedOnnxModel export() throws OnnxExportException {
        OnnxGraphDraft g = new OnnxGraphDraft();
        Set<String> reserved = new LinkedHashSet<>();
        if (network instanceof MultiLayerNetwork) {
            MultiLayerNetwork n = (MultiLayerNetwork) network;
            reserved.add(MLN_INPUT);
            reserved.add(Builder.layerName(n, cut == null ? n.getnLayers() - 1 : Builder.layerIndex(n, cut)));
        } else {
            ComputationGraphConfiguration c = ((ComputationGraph) network).getConfiguration();
            reserved.addAll(c.getNetworkInputs());
            reserved.addAll(cut == null ? c.getNetworkOutputs() : List.of(cut));
        }
        reserved.forEach(g::reserve);
        List<String> ins = new ArrayList<>();
        List<String> outs = new ArrayList<>();
        if (network instanceof MultiLayerNetwork) {
            exportMultiLayer(g, (MultiLayerNetwork) network, ins, outs);
        } else {
            exportGraph(g, (ComputationGraph) network, ins, outs);
        }
        int folded = foldBatchNorm ? BatchNormFolding.apply(g) : 0;
        long bytes = g.initializerBytes();
        if (bytes > MAX_WEIGHT_BYTES) {
            throw new OnnxExportException("cannot export " + bytes + " bytes of weights in one ONNX file: protobuf "
                    + "messages are limited to 2 GB and this exporter does not write ONNX's external-data form. "
                    + "Cut the network earlier (" + (cut == null ? "whole network" : "cut '" + cut + "'") + ")");
        }
        String doc = "Exported by Graft from a DL4J " + network.getClass().getSimpleName()
                + (cut == null ? "" : " cut at '" + cut + "'");
        return new ExportedOnnxModel(g.toModel("graft-dl4j-export", doc), ins, outs, folded);
    }

    private void exportMultiLayer(OnnxGraphDraft g, MultiLayerNetwork net, List<String> ins, List<String> outs)
            throws OnnxExportException {
        int last = net.getnLayers() - 1;
        if (cut != null) {
            last = Builder.layerIndex(net, cut);
        }
        InputType type = inputTypes.isEmpty() ? null : inputTypes.get(0);
        Dl4jTensor x = declareInput(g, MLN_INPUT, type, inferMultiLayerInput(net, last));
        ins.add(MLN_INPUT);
        String name = null;
        for (int i = 0; i <= last; i++) {
            name = Builder.layerName(net, i);
            InputPreProcessor p = net.getLayerWiseConfigurations().getInputPreProcess(i);
            if (p != null) {
                x = LayerExporter.preprocessor(g, name, p, x);
            }
            x = LayerExporter.layer(g, name, net.getLayer(i).conf().getLayer(), net.getLayer(i).paramTable(), x);
        }
        outs.add(declareOutput(g, name, x));
    }

    private void exportGraph(OnnxGraphDraft g, ComputationGraph net, List<String> ins, List<String> outs)
            throws OnnxExportException {
        ComputationGraphConfiguration conf = net.getConfiguration();
        List<String> outputs = cut == null ? conf.getNetworkOutputs() : List.of(cut);
        Map<String, List<String>> vertexInputs = conf.getVertexInputs();
        Set<String> needed = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(outputs);
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (needed.add(v) && vertexInputs.get(v) != null) {
                todo.addAll(vertexInputs.get(v));
            }
        }
        Map<String, Dl4jTensor> tensors = new HashMap<>();
        List<String> networkInputs = conf.getNetworkInputs();
        for (int i = 0; i < networkInputs.size(); i++) {
            String in = networkInputs.get(i);
            if (needed.contains(in)) {
                InputType type = inputTypes.isEmpty() ? null : inputTypes.get(i);
                tensors.put(in, declareInput(g, in, type, inferGraphInput(conf, in)));
                ins.add(in);
            }
        }
        for (int idx : net.topologicalSortOrder()) {
            String name = net.getVertices()[idx].getVertexName();
            if (!needed.contains(name) || tensors.containsKey(name)) {
                continue;
            }
            GraphVertex v = conf.getVertices().get(name);
            List<Dl4jTensor> in = new ArrayList<>();
            for (String s : vertexInputs.get(name)) {
                in.add(tensors.get(s));
            }
            Dl4jTensor y;
            if (v instanceof LayerVertex) {
                LayerVertex lv = (LayerVertex) v;
                if (in.size() != 1) {
                    throw new OnnxExportException("cannot export layer vertex '" + name + "' with " + in.size()
                            + " inputs " + vertexInputs.get(name) + "; DL4J layers take one (merge them first)");
                }
                Dl4jTensor x = in.get(0);
                if (lv.getPreProcessor() != null) {
                    x = LayerExporter.preprocessor(g, name, lv.getPreProcessor(), x);
                }
                y = LayerExporter.layer(g, name, lv.getLayerConf().getLayer(), net.getLayer(name).paramTable(), x);
            } else {
                y = VertexExporter.vertex(g, name, v, in);
            }
            tensors.put(name, y);
        }
        for (String o : outputs) {
            outs.add(declareOutput(g, o, tensors.get(o)));
        }
    }

    /** Declares graph input {@code name}; images held channels-last by DL4J are transposed once, here. */
    private static Dl4jTensor declareInput(OnnxGraphDraft g, String name, InputType type, Dl4jTensor inferred)
            throws OnnxExportException {
        String onnxName = name;
        boolean image;
        CNN2DFormat format;
        long[] dims;
        long height = -1;
        long width = -1;
        if (type instanceof InputType.InputTypeConvolutional) {
            InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) type;
            height = c.getHeight();
            width = c.getWidth();
            image = true;
            format = c.getFormat();
            dims = format == CNN2DFormat.NCHW ? new long[] {-1, c.getChannels(), c.getHeight(), c.getWidth()}
                    : new long[] {-1, c.getHeight(), c.getWidth(), c.getChannels()};
        } else if (type instanceof InputType.InputTypeFeedForward) {
            image = false;
            format = null;
            dims = new long[] {-1, ((InputType.InputTypeFeedForward) type).getSize()};
        } else if (type != null) {
            throw new OnnxExportException("cannot export input '" + name + "' of type " + type + ": only "
                    + "convolutional and feed-forward inputs are translated");
        } else if (inferred != null) {
            image = inferred.image();
            format = inferred.format();
            dims = image ? new long[] {-1, -1, -1, -1} : new long[] {-1, -1};
        } else {
            throw new OnnxExportException("cannot tell whether input '" + name + "' is an image or a feature "
                    + "vector from the layers after it; set OnnxExporter.Builder.inputTypes(InputType...)");
        }
        String[] symbols = image ? (format == CNN2DFormat.NCHW ? new String[] {"batch", "channels", "height", "width"}
                : new String[] {"batch", "height", "width", "channels"}) : new String[] {"batch", "features"};
        g.inputs.add(OnnxGraphDraft.valueInfo(onnxName, dims, symbols));
        if (image && format == CNN2DFormat.NHWC) {
            String t = g.node("Transpose", name + "/nchw", List.of(onnxName), attr("perm", 0L, 3L, 1L, 2L));
            return Dl4jTensor.image(t, format, height, width);
        }
        return image ? Dl4jTensor.image(onnxName, format, height, width) : Dl4jTensor.features(onnxName);
    }

    /** Declares graph output {@code name}: {@code x} in DL4J's layout; returns the output's name in the graph. */
    private static String declareOutput(OnnxGraphDraft g, String name, Dl4jTensor x) {
        String in = LayerExporter.toDl4jLayout(g, x, name + "/dl4j_layout");
        String out = g.nodeWriting("Identity", name, List.of(in));
        long[] dims = x.image() ? new long[] {-1, -1, -1, -1} : new long[] {-1, -1};
        String[] symbols = x.image() ? new String[] {"batch", null, null, null} : new String[] {"batch", null};
        g.outputs.add(OnnxGraphDraft.valueInfo(out, dims, symbols));
        return out;
    }

    private static Dl4jTensor inferMultiLayerInput(MultiLayerNetwork net, int last) {
        for (int i = 0; i <= last; i++) {
            Dl4jTensor k = kindExpectedBy(net.getLayerWiseConfigurations().getInputPreProcess(i),
                    net.getLayer(i).conf().getLayer());
            if (k != null) {
                return k;
            }
        }
        return null;
    }

    /** The input's kind, from the first layer or preprocessor reachable from it that says (breadth first). */
    private static Dl4jTensor inferGraphInput(ComputationGraphConfiguration conf, String input) {
        Deque<String> todo = new ArrayDeque<>(List.of(input));
        Set<String> seen = new LinkedHashSet<>();
        while (!todo.isEmpty()) {
            String from = todo.pop();
            for (Map.Entry<String, List<String>> e : conf.getVertexInputs().entrySet()) {
                if (!e.getValue().contains(from) || !seen.add(e.getKey())) {
                    continue;
                }
                GraphVertex v = VertexExporter.unwrap(conf.getVertices().get(e.getKey()));
                Dl4jTensor k = null;
                if (v instanceof LayerVertex) {
                    k = kindExpectedBy(((LayerVertex) v).getPreProcessor(),
                            ((LayerVertex) v).getLayerConf().getLayer());
                } else if (v instanceof org.deeplearning4j.nn.conf.graph.PreprocessorVertex) {
                    k = kindExpectedBy(((org.deeplearning4j.nn.conf.graph.PreprocessorVertex) v).getPreProcessor(),
                            null);
                }
                if (k != null) {
                    return k;
                }
                todo.add(e.getKey());
            }
        }
        return null;
    }

    /** The kind of activation a layer (after its preprocessor) expects, or null if it works on either kind. */
    private static Dl4jTensor kindExpectedBy(InputPreProcessor p, Layer wrapped) {
        if (p instanceof CnnToFeedForwardPreProcessor) {
            CNN2DFormat f = ((CnnToFeedForwardPreProcessor) p).getFormat();
            return Dl4jTensor.image("", f == null ? CNN2DFormat.NCHW : f);
        }
        if (p instanceof FeedForwardToCnnPreProcessor) {
            // DL4J's convolutionalFlat input type: the preprocessor also passes [N, C, H, W] images through, and
            // images are what a featurizer feeds; a flat input needs inputTypes(InputType.feedForward(n))
            return Dl4jTensor.image("", CNN2DFormat.NCHW);
        }
        if (wrapped == null) {
            return null;
        }
        Layer l = LayerExporter.unwrap(wrapped);
        CNN2DFormat f = null;
        if (l instanceof ConvolutionLayer) {
            f = ((ConvolutionLayer) l).getCnn2dDataFormat();
        } else if (l instanceof SubsamplingLayer) {
            f = ((SubsamplingLayer) l).getCnn2dDataFormat();
        } else if (l instanceof ZeroPaddingLayer) {
            f = ((ZeroPaddingLayer) l).getDataFormat();
        } else if (l instanceof Cropping2D) {
            f = ((Cropping2D) l).getDataFormat();
        } else if (l instanceof Upsampling2D) {
            f = ((Upsampling2D) l).getFormat();
        } else if (l instanceof LocalResponseNormalization) {
            f = ((LocalResponseNormalization) l).getDataFormat();
        } else if (l instanceof GlobalPoolingKeepDims) {
            f = ((GlobalPoolingKeepDims) l).getDataFormat();
        } else if (l instanceof DenseLayer || l instanceof OutputLayer) {
            return Dl4jTensor.features("");
        } else if (l instanceof ChannelwiseLayer) {
            return null;
        }
        return f == null ? null : Dl4jTensor.image("", f);
    }

    /** Settings of an export; {@link #build} checks them against the network. */
    public static final class Builder {
        private final Model network;
        private String cut;
        private List<InputType> inputTypes = List.of();
        private boolean foldBatchNorm = true;

        private Builder(Model network) {
            this.network = network;
        }

        /**
         * Exports up to and including this layer (MultiLayerNetwork: layer name, or index as text) or vertex
         * (ComputationGraph); the export's single output is its activation. Default: the whole network.
         */
        public Builder cutAt(String layerOrVertex) {
            this.cut = layerOrVertex;
            return this;
        }

        /**
         * The networks' input types, one per input in DL4J's order: fixes the graph input's shape and layout.
         * Optional: by default the layout comes from the first layers (convolution, pooling, dense, ...) and the
         * spatial and channel dimensions are left symbolic; an input DL4J reshapes from flat
         * ({@code InputType.convolutionalFlat}) is taken as {@code [N, C, H, W]} images, which DL4J accepts too.
         */
        public Builder inputTypes(InputType... types) {
            this.inputTypes = List.of(types);
            return this;
        }

        /**
         * Whether to fold batch normalization into the convolution before it where that is exact (default true).
         * False writes every batch norm as an ONNX {@code BatchNormalization} node.
         */
        public Builder foldBatchNorm(boolean fold) {
            this.foldBatchNorm = fold;
            return this;
        }

        /**
         * The exporter.
         *
         * @throws IllegalArgumentException if the network is null, not a MultiLayerNetwork or ComputationGraph,
         *         not initialized, the cut names no layer or vertex, or the number of input types is wrong
         */
        public OnnxExporter build() {
            if (network == null) {
                throw new IllegalArgumentException("network is null; pass a MultiLayerNetwork or ComputationGraph");
            }
            if (network instanceof MultiLayerNetwork) {
                MultiLayerNetwork n = (MultiLayerNetwork) network;
                if (n.getLayers() == null) {
                    throw new IllegalArgumentException("the MultiLayerNetwork is not initialized; call init() first");
                }
                if (cut != null) {
                    layerIndex(n, cut);
                }
                checkInputCount(1);
            } else if (network instanceof ComputationGraph) {
                ComputationGraph n = (ComputationGraph) network;
                if (n.getVertices() == null) {
                    throw new IllegalArgumentException("the ComputationGraph is not initialized; call init() first");
                }
                if (cut != null && !n.getConfiguration().getVertices().containsKey(cut)) {
                    throw new IllegalArgumentException("vertex '" + cut + "' not found; vertices are: "
                            + String.join(", ", n.getConfiguration().getVertices().keySet())
                            + "; 'graft inspect MODEL' lists them with their shapes");
                }
                checkInputCount(n.getConfiguration().getNetworkInputs().size());
            } else {
                throw new IllegalArgumentException("cannot export a " + network.getClass().getName()
                        + "; pass a MultiLayerNetwork or ComputationGraph");
            }
            return new OnnxExporter(this);
        }

        private void checkInputCount(int n) {
            if (!inputTypes.isEmpty() && inputTypes.size() != n) {
                throw new IllegalArgumentException(inputTypes.size() + " input types given for a network with " + n
                        + " inputs; give one per input, in the network's input order");
            }
        }

        static String layerName(MultiLayerNetwork net, int i) {
            String n = net.getLayer(i).conf().getLayer().getLayerName();
            return n == null ? String.valueOf(i) : n;
        }

        /**
         * The layer a cut names, by the rules of {@code dev.graft.transfer.LayerRef} (which zoo cannot see): a layer
         * name first (a name wins even when it is a number, as in DL4J's VGG16), then an index.
         */
        static int layerIndex(MultiLayerNetwork net, String cut) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < net.getnLayers(); i++) {
                names.add(layerName(net, i));
            }
            int byName = names.indexOf(cut);
            if (byName >= 0) {
                return byName;
            }
            if (cut.matches("\\d{1,9}") && Integer.parseInt(cut) < names.size()) {
                return Integer.parseInt(cut);
            }
            throw new IllegalArgumentException("layer '" + cut + "' not found; layers are: " + String.join(", ", names)
                    + " (by name, or by index 0.." + (names.size() - 1) + "); 'graft inspect MODEL' lists them with their shapes");
        }
    }
}
