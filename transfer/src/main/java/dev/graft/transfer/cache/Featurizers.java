package dev.graft.transfer.cache;

import dev.graft.engine.Engine;
import dev.graft.engine.FeaturizeEngine;
import dev.graft.zoo.GraftModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Makes {@link Featurizer}s: the part of a pretrained network below (and including) a cut point.
 * <pre>{@code
 * Featurizer f = Featurizers.cut(GraftModel.load(Path.of("base.zip")), "fc2");
 * }</pre>
 */
public final class Featurizers {

    private Featurizers() {
    }

    /**
     * The network from its input through {@code layer}, inclusive: the featurizer outputs that layer's activations.
     *
     * <p>For a MultiLayerNetwork {@code layer} is a layer name or a layer index ({@code "4"}); names win when a
     * name is itself a number (as in DL4J's VGG16, whose layers are named "0" to "20"). For a ComputationGraph it
     * is a vertex name. Unknown names are rejected with the list of valid ones (DL4J itself silently freezes
     * nothing on a bad name).
     *
     * <p>The engine that runs it follows {@link Engine#settings()}' {@code featurizeEngine} in force now (see
     * {@link FeaturizeEngine}); it is decided on the first batch, or when {@link Featurizer#engine()} or
     * {@link Featurizer#fingerprint()} is first asked, and {@link Featurizer#engine()} says which and why.
     *
     * @throws IllegalArgumentException if the layer does not exist, is a graph input, or the graph has several inputs
     */
    public static Featurizer cut(GraftModel model, String layer) {
        return cut(model, layer, Engine.settings().featurizeEngine());
    }

    /**
     * As {@link #cut(GraftModel, String)}, run on {@code engine} whatever the settings say: {@code DL4J} never
     * exports, {@code ONNX} exports and fails (on first use) if the frozen part cannot be exported, {@code AUTO}
     * chooses.
     *
     * @throws IllegalArgumentException if the layer does not exist, is a graph input, or the graph has several
     *     inputs, or engine is null
     */
    public static Featurizer cut(GraftModel model, String layer, FeaturizeEngine engine) {
        Objects.requireNonNull(model, "model");
        if (engine == null) {
            throw new IllegalArgumentException("engine is null; pass FeaturizeEngine.AUTO, DL4J or ONNX");
        }
        if (layer == null || layer.isBlank()) {
            throw new IllegalArgumentException("a cut needs a layer name or index; " + validNames(model));
        }
        String name = layer.trim();
        if (model.onnxBase().isPresent()) {
            throw new IllegalArgumentException("model '" + model.card().name() + "' runs a frozen ONNX part below its "
                    + "DL4J head; featurize the imported ONNX model instead (OnnxFeaturizer.cut, or 'graft finetune' on "
                    + "the model 'graft import' saved)");
        }
        if (model.isGraph()) {
            ComputationGraph graph = (ComputationGraph) model.network();
            ComputationGraphConfiguration conf = graph.getConfiguration();
            if (conf.getNetworkInputs().size() != 1) {
                throw new IllegalArgumentException("model '" + model.card().name() + "' is a graph with "
                        + conf.getNetworkInputs().size() + " inputs " + conf.getNetworkInputs()
                        + "; feature caches support single-input graphs only");
            }
            if (conf.getNetworkInputs().contains(name)) {
                throw new IllegalArgumentException("'" + name + "' is the input of model '" + model.card().name()
                        + "', not a layer; cut at a vertex: " + String.join(", ", vertexNames(graph)));
            }
            if (!conf.getVertices().containsKey(name)) {
                throw new IllegalArgumentException("vertex '" + name + "' not found in model '" + model.card().name()
                        + "'; vertices are: " + String.join(", ", vertexNames(graph)));
            }
            return new GraphFeaturizer(model, name, engine);
        }
        MultiLayerNetwork net = model.multiLayerNetwork();
        int n = net.getnLayers();
        for (int i = 0; i < n; i++) {
            if (name.equals(layerName(net, i))) {
                return new LayerFeaturizer(model, i, engine);
            }
        }
        if (name.matches("\\d+")) {
            int idx = Integer.parseInt(name);
            if (idx < n) {
                return new LayerFeaturizer(model, idx, engine);
            }
        }
        throw new IllegalArgumentException("layer '" + name + "' not found in model '" + model.card().name()
                + "'; " + validNames(model));
    }

    /** Names of the layers of a MultiLayerNetwork, in order (DL4J's own default names where none was given). */
    static List<String> layerNames(MultiLayerNetwork net) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < net.getnLayers(); i++) {
            names.add(layerName(net, i));
        }
        return names;
    }

    static String layerName(MultiLayerNetwork net, int i) {
        String n = net.getLayerWiseConfigurations().getConf(i).getLayer().getLayerName();
        return n == null ? "layer" + i : n;
    }

    /** Vertex names of a graph in topological order, inputs excluded. */
    static List<String> vertexNames(ComputationGraph graph) {
        List<String> names = new ArrayList<>();
        List<String> inputs = graph.getConfiguration().getNetworkInputs();
        for (int idx : graph.topologicalSortOrder()) {
            String v = graph.getVertices()[idx].getVertexName();
            if (!inputs.contains(v)) {
                names.add(v);
            }
        }
        return names;
    }

    private static String validNames(GraftModel model) {
        if (model.isGraph()) {
            return "vertices are: " + String.join(", ", vertexNames((ComputationGraph) model.network()));
        }
        List<String> names = layerNames(model.multiLayerNetwork());
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            shown.add(i + " '" + names.get(i) + "'");
        }
        return "layers are: " + String.join(", ", shown);
    }
}
