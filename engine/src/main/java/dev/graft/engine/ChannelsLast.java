package dev.graft.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An inference copy of a network with every 2-D convolutional layer switched to channels-last (NHWC) activations.
 *
 * <p>DL4J's oneDNN helpers run NHWC convolutions without the layout conversions they do around every NCHW layer:
 * measured on VGG16's convolutions, 6.2 against 3.3 to 4.7 img/s (BENCHMARKS.md). Kernels keep DL4J's
 * [out, in, h, w] layout in both formats, so parameters carry over unchanged, except a dense layer right after a
 * flatten: its input rows are reordered from (c, h, w) to (h, w, c). Features come out identical up to float
 * rounding (tested).
 *
 * <p>Only layer types whose NHWC behaviour is known are converted (2-D convolution, pooling, batch norm, LRN,
 * activation, dropout, dense and output layers, element-wise vertices, the CNN-to-dense flatten, a flat-to-image
 * reshape on the input layer (dropped: featurizer batches are images already); in graphs, zero padding in front of
 * a convolution, folded into it); for anything else {@link #convert} returns null and the
 * featurizer stays NCHW. Graph copies also fold inference batch norm into the convolution before it
 * ({@link BatchNormFolding}).
 *
 * @apiNote Internal: public only for transfer's featurizers (dev.graft.transfer.cache).
 */
public final class ChannelsLast {
    /** Exact classes (not subclasses: 1-D/3-D/depthwise variants differ) whose data format can be switched. */
    private static final Set<Class<?>> FORMATTED = Set.of(ConvolutionLayer.class, SubsamplingLayer.class,
            BatchNormalization.class, LocalResponseNormalization.class);
    /** Layers that do not care about the layout of their input. */
    private static final Set<Class<?>> NEUTRAL = Set.of(ActivationLayer.class, DropoutLayer.class);

    private ChannelsLast() {
    }

    /**
     * A channels-last inference copy of {@code network}, or null when it has no 2-D convolution or has a layer
     * or vertex this conversion does not know. The copy's parameters are a snapshot of the network's now.
     *
     * @param keep for a graph, the vertices the copy must end at (the cut; graphs need one): the copy keeps only
     *             them and their ancestors, with them as its outputs; a zero-padding vertex is folded into the
     *             convolution after it (DL4J 1.0.0-M2.1's NHWC zero padding leaves a workspace open)
     */
    public static Model convert(Model network, Set<String> keep) {
        Model copy = null;
        if (network instanceof MultiLayerNetwork) {
            copy = convert((MultiLayerNetwork) network);
        } else if (network instanceof ComputationGraph) {
            copy = convert((ComputationGraph) network, keep);
        }
        if (copy != null) {
            Engine.attachHelpers(copy); // helpers fed dense inputs, as on the original
        }
        return copy;
    }

    /**
     * Whether graph copies fold batch norm (and a following activation layer) into the convolution before it
     * ({@link BatchNormFolding}; {@link EngineSettings#foldBatchNorm()}).
     */
    static boolean foldBatchNorm() {
        return Engine.settings().foldBatchNorm();
    }

    /** NCHW {@code [b, c, h, w]} to a contiguous NHWC {@code [b, h, w, c]}. */
    public static INDArray toChannelsLast(INDArray nchw) {
        return nchw.permute(0, 2, 3, 1).dup('c');
    }

    /** Back from NHWC for rank-4 activations; other ranks pass through. */
    public static INDArray toChannelsFirst(INDArray out) {
        return out.rank() == 4 ? out.permute(0, 3, 1, 2).dup('c') : out;
    }

    private static MultiLayerNetwork convert(MultiLayerNetwork net) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations().clone();
        if (conf.getInputPreProcess(0) instanceof FeedForwardToCnnPreProcessor) {
            conf.getInputPreProcessors().remove(0); // featurizers convert only rank-4 image batches: not needed
        }
        boolean anyConv = false;
        for (int i = 0; i < conf.getConfs().size(); i++) {
            Layer layer = Frozen.unwrap(conf.getConf(i).getLayer());
            Verdict v = switchLayer(layer, conf.getInputPreProcess(i));
            if (v == Verdict.UNSUPPORTED) {
                return null;
            }
            anyConv |= v == Verdict.SWITCHED;
        }
        if (!anyConv) {
            return null;
        }
        MultiLayerNetwork copy = new MultiLayerNetwork(conf);
        copy.init(Nd4j.createUninitialized(net.params().dataType(), net.numParams()), false);
        for (int i = 0; i < conf.getConfs().size(); i++) {
            copyParams(net.getLayer(i), copy.getLayer(i));
            reorderFlattenedInput(conf.getInputPreProcess(i), copy.getLayer(i));
        }
        return copy;
    }

    private static ComputationGraph convert(ComputationGraph graph, Set<String> keep) {
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        if (keep.isEmpty()) {
            return null;
        }
        // The copy ends at the kept vertices (the cut), which become its outputs: nothing above the cut is copied
        // or computed, and callers use output(), not output(List) (see GraphFeaturizer#cutView).
        pruneTo(conf, keep);
        if (!foldZeroPadding(conf, keep)) {
            return null;
        }
        List<BatchNormFolding.Fold> folds = foldBatchNorm() ? BatchNormFolding.rewrite(conf, keep) : List.of();
        boolean anyConv = false;
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            GraphVertex v = e.getValue();
            if (v instanceof ElementWiseVertex) {
                continue;
            }
            if (!(v instanceof LayerVertex)) {
                return null;
            }
            LayerVertex lv = (LayerVertex) v;
            if (lv.getPreProcessor() instanceof FeedForwardToCnnPreProcessor
                    && conf.getNetworkInputs().containsAll(conf.getVertexInputs().get(e.getKey()))) {
                // DL4J's zoo puts a flat-to-image reshape on the first layer (VGG16); a rank-4 batch passes it
                // unchanged, and featurizers only convert rank-4 image batches, so the copy drops it
                lv.setPreProcessor(null);
            }
            Verdict verdict = switchLayer(Frozen.unwrap(lv.getLayerConf().getLayer()), lv.getPreProcessor());
            if (verdict == Verdict.UNSUPPORTED) {
                return null;
            }
            anyConv |= verdict == Verdict.SWITCHED;
        }
        if (!anyConv) {
            return null;
        }
        if (ChannelsLastConvolution.enabled()) {
            for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
                if (e.getValue() instanceof LayerVertex
                        && ChannelsLastConvolution.applies(((LayerVertex) e.getValue()).getLayerConf().getLayer())) {
                    LayerVertex lv = (LayerVertex) e.getValue();
                    e.setValue(new ChannelsLastConvolution.Vertex(lv.getLayerConf(), lv.getPreProcessor()));
                }
            }
        }
        ComputationGraph copy = new ComputationGraph(conf);
        long n = 0;
        for (GraphVertex v : conf.getVertices().values()) {
            n += v.numParams(false);
        }
        copy.init(Nd4j.createUninitialized(graph.params().dataType(), n), false);
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (e.getValue() instanceof LayerVertex && graph.getConfiguration().getVertices().containsKey(e.getKey())) {
                copyParams(graph.getLayer(e.getKey()), copy.getLayer(e.getKey()));
                reorderFlattenedInput(((LayerVertex) e.getValue()).getPreProcessor(), copy.getLayer(e.getKey()));
            }
        }
        BatchNormFolding.foldParameters(folds, graph, copy);
        return copy;
    }

    /** Keeps {@code keep} and their ancestors only, and makes {@code keep} the graph's outputs. */
    private static void pruneTo(ComputationGraphConfiguration conf, Set<String> keep) {
        Set<String> needed = new java.util.HashSet<>();
        java.util.Deque<String> todo = new java.util.ArrayDeque<>(keep);
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (needed.add(v) && conf.getVertexInputs().get(v) != null) {
                todo.addAll(conf.getVertexInputs().get(v));
            }
        }
        conf.getVertices().keySet().retainAll(needed);
        conf.getVertexInputs().keySet().retainAll(needed);
        List<String> outputs = new ArrayList<>();
        for (String k : keep) {
            outputs.add(outputVertex(conf, k));
        }
        conf.setNetworkOutputs(outputs);
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);
    }

    /**
     * An identity activation layer added after {@code vertex}, to be the graph's output in its place. DL4J
     * 1.0.0-M2.1 leaves an activation workspace open when some vertices are asked for as outputs (non-layer
     * vertices such as a residual add; a zero-padding layer), and every later call on the thread then fails; an
     * activation layer as the output does not. The added layer has no parameters, and costs one copy of the cut's
     * activations.
     */
    public static String outputVertex(ComputationGraphConfiguration conf, String vertex) {
        String name = vertex + "-graft-out";
        LayerVertex identity = new LayerVertex(new NeuralNetConfiguration.Builder()
                .layer(new ActivationLayer.Builder().activation(Activation.IDENTITY).name(name).build()).build(), null);
        conf.getVertices().put(name, identity);
        conf.getVertexInputs().put(name, List.of(vertex));
        return name;
    }

    private static void copyParams(org.deeplearning4j.nn.api.Layer from, org.deeplearning4j.nn.api.Layer to) {
        Map<String, INDArray> params = from.paramTable();
        for (Map.Entry<String, INDArray> p : params.entrySet()) {
            to.getParam(p.getKey()).assign(p.getValue());
        }
    }

    /**
     * Removes every zero-padding vertex by adding its padding to the single convolution it feeds (exact: a
     * Truncate/Strict convolution with explicit padding pads with zeros). False when a zero padding cannot be
     * folded (asymmetric, feeds something else, is kept, or is a network output).
     */
    private static boolean foldZeroPadding(ComputationGraphConfiguration conf, Set<String> keep) {
        Map<String, GraphVertex> vertices = conf.getVertices();
        Map<String, List<String>> inputs = conf.getVertexInputs();
        List<String> pads = new ArrayList<>();
        for (Map.Entry<String, GraphVertex> e : vertices.entrySet()) {
            if (e.getValue() instanceof LayerVertex
                    && ((LayerVertex) e.getValue()).getLayerConf().getLayer() instanceof ZeroPaddingLayer) {
                pads.add(e.getKey());
            }
        }
        for (String pad : pads) {
            LayerVertex padVertex = (LayerVertex) vertices.get(pad);
            int[] p = ((ZeroPaddingLayer) padVertex.getLayerConf().getLayer()).getPadding();
            List<String> consumers = new ArrayList<>();
            inputs.forEach((v, in) -> {
                if (in.contains(pad)) {
                    consumers.add(v);
                }
            });
            if (keep.contains(pad) || conf.getNetworkOutputs().contains(pad) || padVertex.getPreProcessor() != null
                    || consumers.size() != 1 || p[0] != p[1] || p[2] != p[3]) {
                return false;
            }
            GraphVertex consumer = vertices.get(consumers.get(0));
            if (!(consumer instanceof LayerVertex) || ((LayerVertex) consumer).getPreProcessor() != null
                    || ((LayerVertex) consumer).getLayerConf().getLayer().getClass() != ConvolutionLayer.class) {
                return false;
            }
            ConvolutionLayer conv = (ConvolutionLayer) ((LayerVertex) consumer).getLayerConf().getLayer();
            if (conv.getConvolutionMode() != ConvolutionMode.Truncate && conv.getConvolutionMode() != ConvolutionMode.Strict) {
                return false;
            }
            int[] cp = conv.getPadding();
            conv.setPadding(new int[] {cp[0] + p[0], cp[1] + p[2]});
            List<String> in = new ArrayList<>(inputs.get(consumers.get(0)));
            in.replaceAll(name -> name.equals(pad) ? inputs.get(pad).get(0) : name);
            inputs.put(consumers.get(0), in);
            vertices.remove(pad);
            inputs.remove(pad);
        }
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);
        return true;
    }

    private enum Verdict { SWITCHED, UNCHANGED, UNSUPPORTED }

    private static Verdict switchLayer(Layer layer, InputPreProcessor pre) {
        if (pre != null) {
            if (pre.getClass() != CnnToFeedForwardPreProcessor.class) {
                return Verdict.UNSUPPORTED;
            }
            CnnToFeedForwardPreProcessor flatten = (CnnToFeedForwardPreProcessor) pre;
            if (flatten.getFormat() != CNN2DFormat.NCHW) {
                return Verdict.UNSUPPORTED;
            }
            flatten.setFormat(CNN2DFormat.NHWC);
        }
        Class<?> type = layer.getClass();
        if (FORMATTED.contains(type)) {
            if (layer instanceof ConvolutionLayer) {
                ConvolutionLayer c = (ConvolutionLayer) layer;
                if (c.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
                    return Verdict.UNSUPPORTED;
                }
                c.setCnn2dDataFormat(CNN2DFormat.NHWC);
            } else if (layer instanceof SubsamplingLayer) {
                SubsamplingLayer s = (SubsamplingLayer) layer;
                if (s.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
                    return Verdict.UNSUPPORTED;
                }
                s.setCnn2dDataFormat(CNN2DFormat.NHWC);
            } else if (layer instanceof BatchNormalization) {
                BatchNormalization b = (BatchNormalization) layer;
                if (b.getCnn2DFormat() != CNN2DFormat.NCHW) {
                    return Verdict.UNSUPPORTED;
                }
                b.setCnn2DFormat(CNN2DFormat.NHWC);
            } else {
                LocalResponseNormalization l = (LocalResponseNormalization) layer;
                if (l.getDataFormat() != CNN2DFormat.NCHW) {
                    return Verdict.UNSUPPORTED;
                }
                l.setDataFormat(CNN2DFormat.NHWC);
            }
            return Verdict.SWITCHED;
        }
        if (NEUTRAL.contains(type)) {
            return Verdict.UNCHANGED;
        }
        if (type == DenseLayer.class || layer instanceof BaseOutputLayer) {
            // feed-forward: fine after a flatten (handled above) or after other feed-forward layers
            return Verdict.UNCHANGED;
        }
        return Verdict.UNSUPPORTED;
    }

    /** A dense layer fed by a flatten: reorder its weight rows from (c, h, w) to (h, w, c). */
    private static void reorderFlattenedInput(InputPreProcessor pre, org.deeplearning4j.nn.api.Layer layer) {
        if (!(pre instanceof CnnToFeedForwardPreProcessor)) {
            return;
        }
        CnnToFeedForwardPreProcessor flatten = (CnnToFeedForwardPreProcessor) pre;
        long c = flatten.getNumChannels();
        long h = flatten.getInputHeight();
        long w = flatten.getInputWidth();
        INDArray weights = layer.getParam("W");
        if (weights == null || h * w == 1) {
            return; // nothing to reorder: no weights, or a 1x1 map whose flatten order is the same in both layouts
        }
        long nOut = weights.size(1);
        INDArray reordered = weights.dup('c').reshape('c', c, h, w, nOut).permute(1, 2, 0, 3).dup('c')
                .reshape('c', h * w * c, nOut);
        weights.assign(reordered);
    }
}
