package dev.graft.zoo.inspect;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * What a network's configuration says about its input and output, without running it: the first layer (and its
 * input preprocessor), the input type it implies, and the size of the output. Used to check a model card against
 * its network and to infer a card for a plain DL4J zip.
 *
 * @apiNote Internal: public only for GraftModel (dev.graft.zoo).
 */
public final class NetworkShapes {
    private NetworkShapes() {
    }

    /** The layer that takes the network's (first) input, unwrapped from frozen/wrapper layers, with its preprocessor. */
    public record FirstLayer(Layer layer, InputPreProcessor preProcessor) {
    }

    /** The first layer, or null when the network's input goes to a vertex that is not a layer. */
    public static FirstLayer firstLayer(Model model) {
        if (model instanceof MultiLayerNetwork net) {
            MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
            if (conf.getConfs().isEmpty()) {
                return null;
            }
            return new FirstLayer(ModelInspector.unwrap(conf.getConf(0).getLayer()), conf.getInputPreProcess(0));
        }
        if (model instanceof ComputationGraph graph) {
            ComputationGraphConfiguration conf = graph.getConfiguration();
            List<String> inputs = conf.getNetworkInputs();
            if (inputs.size() != 1) {
                return null;
            }
            for (Map.Entry<String, List<String>> e : conf.getVertexInputs().entrySet()) {
                if (e.getValue().equals(List.of(inputs.get(0)))) {
                    GraphVertex v = conf.getVertices().get(e.getKey());
                    if (v instanceof LayerVertex lv) {
                        return new FirstLayer(ModelInspector.unwrap(lv.getLayerConf().getLayer()), lv.getPreProcessor());
                    }
                }
            }
        }
        return null;
    }

    /**
     * The input type the first layer implies (a dense or recurrent layer's nIn, a flat-to-CNN preprocessor), or null
     * when it does not say (an embedding's nIn is a vocabulary size, not an input size).
     */
    public static InputType impliedInputType(Model model) {
        FirstLayer f = firstLayer(model);
        if (f == null || f.layer() instanceof org.deeplearning4j.nn.conf.layers.EmbeddingLayer
                || f.layer() instanceof org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer) {
            return null;
        }
        return ModelInspector.inferFrom(f.preProcessor(), f.layer());
    }

    /** The nOut of the network's (first) output layer, or -1 when the configuration does not say. */
    public static long outputSize(Model model) {
        Layer last = null;
        if (model instanceof MultiLayerNetwork net) {
            MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
            last = conf.getConfs().isEmpty() ? null : conf.getConf(conf.getConfs().size() - 1).getLayer();
        } else if (model instanceof ComputationGraph graph) {
            ComputationGraphConfiguration conf = graph.getConfiguration();
            GraphVertex v = conf.getNetworkOutputs().isEmpty() ? null : conf.getVertices().get(conf.getNetworkOutputs().get(0));
            last = v instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : null;
        }
        last = last == null ? null : ModelInspector.unwrap(last);
        if (last instanceof FeedForwardLayer ff && !(last instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer)
                && ff.getNOut() > 0) {
            return ff.getNOut();
        }
        return -1;
    }
}
