package dev.graft.zoo.inspect;

import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.impl.FrozenVertex;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Tables the layers of any MultiLayerNetwork or ComputationGraph (DL4J zoo, Keras-imported, Graft-made): name,
 * type, input/output shape, parameter count, frozen flag, and the cut points that make sense for transfer.
 * <pre>{@code
 * Inspection i = ModelInspector.inspect(GraftModel.load(Path.of("m.zip")));
 * System.out.println(i.toTable());  List<String> cuts = i.cutPoints();
 * }</pre>
 *
 * <p>A cut point is a layer whose output is the only way the input reaches everything above it: a
 * MultiLayerNetwork can be cut after any layer but the last; in a ComputationGraph, layers inside a residual or
 * inception block are not cut points, the block's merged output is. Shapes come from DL4J's shape inference;
 * they are {@code ?} when the input shape is neither given, nor on the card, nor evident from the first layer.
 */
public final class ModelInspector {
    private ModelInspector() {
    }

    /** Inspects a Graft model, taking the input shape from its card when the card has one. */
    public static Inspection inspect(GraftModel model) {
        InputType it = inputTypeOf(model.card().layout(), model.card().inputShape());
        return it == null ? inspect(model.network()) : inspect(model.network(), it);
    }

    /**
     * Inspects a network; the input shape is inferred from the network when it can be.
     *
     * @param inputTypes the network's input type(s), or none to infer them
     */
    public static Inspection inspect(Model model, InputType... inputTypes) {
        if (model instanceof MultiLayerNetwork) {
            return inspectMln((MultiLayerNetwork) model, inputTypes.length > 0 ? inputTypes[0] : null);
        }
        if (model instanceof ComputationGraph) {
            return inspectGraph((ComputationGraph) model, inputTypes);
        }
        throw new IllegalArgumentException("can inspect a MultiLayerNetwork or a ComputationGraph, got "
                + (model == null ? "null" : model.getClass().getName()));
    }

    /** The DL4J input type for one example of {@code shape} in {@code layout}, or null if the shape is empty. */
    public static InputType inputTypeOf(InputLayout layout, long[] shape) {
        if (shape == null || shape.length == 0) {
            return null;
        }
        switch (layout) {
            case FLAT: return InputType.feedForward(shape[0]);
            case NCHW: return InputType.convolutional(shape[1], shape[2], shape[0]);
            case NHWC: return InputType.convolutional(shape[0], shape[1], shape[2],
                    org.deeplearning4j.nn.conf.CNN2DFormat.NHWC);
            case NCW: return InputType.recurrent(shape[0], shape[1]);
            case NWC: return InputType.recurrent(shape[1], shape[0], org.deeplearning4j.nn.conf.RNNFormat.NWC);
            default: return null;
        }
    }

    private static Inspection inspectMln(MultiLayerNetwork net, InputType given) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        Layer[] layers = net.getLayers();
        InputType in = given != null ? given : inferMln(conf, layers);
        List<InputType> outs = null;
        if (in != null) {
            try {
                outs = conf.getLayerActivationTypes(in);
            } catch (RuntimeException e) {
                outs = null; // the given shape does not fit: report unknown shapes rather than fail
            }
        }
        List<LayerInfo> rows = new ArrayList<>();
        for (int i = 0; i < layers.length; i++) {
            org.deeplearning4j.nn.conf.layers.Layer cl = layers[i].conf().getLayer();
            String name = cl.getLayerName() == null ? String.valueOf(i) : cl.getLayerName();
            String inShape = outs == null ? "?" : shape(i == 0 ? in : outs.get(i - 1));
            String outShape = outs == null ? "?" : shape(outs.get(i));
            rows.add(new LayerInfo(name, typeName(cl), inShape, outShape, layers[i].numParams(), isFrozen(layers[i], cl),
                    i < layers.length - 1));
        }
        return new Inspection("MultiLayerNetwork", rows);
    }

    private static InputType inferMln(MultiLayerConfiguration conf, Layer[] layers) {
        if (layers.length == 0) {
            return null;
        }
        return inferFrom(conf.getInputPreProcess(0), layers[0].conf().getLayer());
    }

    static InputType inferFrom(InputPreProcessor pre, org.deeplearning4j.nn.conf.layers.Layer first) {
        if (pre instanceof FeedForwardToCnnPreProcessor) {
            FeedForwardToCnnPreProcessor p = (FeedForwardToCnnPreProcessor) pre;
            return InputType.convolutionalFlat(p.getInputHeight(), p.getInputWidth(), p.getNumChannels());
        }
        org.deeplearning4j.nn.conf.layers.Layer l = unwrap(first);
        if (pre == null && l instanceof BaseRecurrentLayer && ((BaseRecurrentLayer) l).getNIn() > 0) {
            return InputType.recurrent(((BaseRecurrentLayer) l).getNIn());
        }
        if (pre == null && l instanceof FeedForwardLayer && ((FeedForwardLayer) l).getNIn() > 0
                && !(l instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer)) {
            return InputType.feedForward(((FeedForwardLayer) l).getNIn());
        }
        return null;
    }

    private static Inspection inspectGraph(ComputationGraph graph, InputType[] given) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        List<String> inputs = conf.getNetworkInputs();
        InputType[] types = given.length == inputs.size() ? given : inferGraph(graph, conf);
        Map<String, InputType> outTypes = null;
        if (types != null) {
            try {
                outTypes = conf.getLayerActivationTypes(types);
            } catch (RuntimeException e) {
                outTypes = null;
            }
        }
        int[] order = graph.topologicalSortOrder();
        GraphVertex[] vertices = graph.getVertices();
        Map<String, Integer> position = new HashMap<>();
        for (int p = 0; p < order.length; p++) {
            position.put(vertices[order[p]].getVertexName(), p);
        }
        // reach[p]: the furthest position that consumes the output of the vertex at position p
        int[] reach = new int[order.length];
        Arrays.fill(reach, -1);
        for (Map.Entry<String, List<String>> e : conf.getVertexInputs().entrySet()) {
            int consumer = position.get(e.getKey());
            for (String src : e.getValue()) {
                int p = position.get(src);
                reach[p] = Math.max(reach[p], consumer);
            }
        }
        List<String> outputs = conf.getNetworkOutputs();
        List<LayerInfo> rows = new ArrayList<>();
        int furthestBefore = -1;
        for (int p = 0; p < order.length; p++) {
            GraphVertex v = vertices[order[p]];
            String name = v.getVertexName();
            boolean isInput = v.isInputVertex();
            boolean cut = !isInput && !outputs.contains(name) && reach[p] > p && furthestBefore <= p;
            furthestBefore = Math.max(furthestBefore, reach[p]);
            String type;
            boolean frozen = v instanceof FrozenVertex;
            if (isInput) {
                type = "Input";
            } else if (v.hasLayer()) {
                org.deeplearning4j.nn.conf.layers.Layer cl = v.getLayer().conf().getLayer();
                type = typeName(cl);
                frozen |= isFrozen(v.getLayer(), cl);
            } else {
                org.deeplearning4j.nn.conf.graph.GraphVertex cv = conf.getVertices().get(name);
                while (cv instanceof org.deeplearning4j.nn.conf.graph.FrozenVertex) {
                    cv = ((org.deeplearning4j.nn.conf.graph.FrozenVertex) cv).getUnderlying();
                    frozen = true;
                }
                type = cv != null ? cv.getClass().getSimpleName() : v.getClass().getSimpleName();
            }
            String inShape = "?";
            String outShape = "?";
            if (outTypes != null) {
                if (isInput) {
                    inShape = shape(types[inputs.indexOf(name)]);
                    outShape = inShape;
                } else {
                    List<String> srcs = conf.getVertexInputs().get(name);
                    List<String> ins = new ArrayList<>();
                    for (String s : srcs) {
                        ins.add(shape(outTypes.get(s)));
                    }
                    inShape = String.join(" + ", ins);
                    outShape = shape(outTypes.get(name));
                }
            }
            rows.add(new LayerInfo(name, type, inShape, outShape, v.numParams(), frozen, cut));
        }
        return new Inspection("ComputationGraph", rows);
    }

    private static InputType[] inferGraph(ComputationGraph graph, ComputationGraphConfiguration conf) {
        List<String> inputs = conf.getNetworkInputs();
        InputType[] types = new InputType[inputs.size()];
        for (int i = 0; i < inputs.size(); i++) {
            String in = inputs.get(i);
            for (Map.Entry<String, List<String>> e : conf.getVertexInputs().entrySet()) {
                if (types[i] == null && e.getValue().equals(List.of(in))) {
                    GraphVertex v = graph.getVertex(e.getKey());
                    if (v.hasLayer()) {
                        org.deeplearning4j.nn.conf.graph.GraphVertex cv = conf.getVertices().get(e.getKey());
                        InputPreProcessor pre = cv instanceof org.deeplearning4j.nn.conf.graph.LayerVertex
                                ? ((org.deeplearning4j.nn.conf.graph.LayerVertex) cv).getPreProcessor() : null;
                        types[i] = inferFrom(pre, v.getLayer().conf().getLayer());
                    }
                }
            }
            if (types[i] == null) {
                return null;
            }
        }
        return types;
    }

    static org.deeplearning4j.nn.conf.layers.Layer unwrap(org.deeplearning4j.nn.conf.layers.Layer l) {
        while (true) {
            if (l instanceof BaseWrapperLayer) {
                l = ((BaseWrapperLayer) l).getUnderlying();
            } else if (l instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayer) {
                l = ((org.deeplearning4j.nn.conf.layers.misc.FrozenLayer) l).getLayer();
            } else {
                return l;
            }
        }
    }

    private static String typeName(org.deeplearning4j.nn.conf.layers.Layer cl) {
        org.deeplearning4j.nn.conf.layers.Layer inner = unwrap(cl);
        return inner.getClass().getSimpleName();
    }

    private static boolean isFrozen(Layer layer, org.deeplearning4j.nn.conf.layers.Layer cl) {
        return layer instanceof org.deeplearning4j.nn.layers.FrozenLayer
                || layer instanceof org.deeplearning4j.nn.layers.FrozenLayerWithBackprop
                || cl instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayer
                || cl instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
    }

    private static String shape(InputType t) {
        if (t == null) {
            return "?";
        }
        if (t instanceof InputType.InputTypeConvolutionalFlat) {
            InputType.InputTypeConvolutionalFlat f = (InputType.InputTypeConvolutionalFlat) t;
            return "[" + f.getFlattenedSize() + "] (flat " + f.getDepth() + "x" + f.getHeight() + "x" + f.getWidth() + ")";
        }
        long[] s = t.getShape(false);
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < s.length; i++) {
            sb.append(i > 0 ? ", " : "").append(s[i] < 0 ? "T" : String.valueOf(s[i]));
        }
        return sb.append("]").toString();
    }
}
