package dev.graft.transfer.cache;

import dev.graft.engine.Engine;
import dev.graft.engine.FeaturizeEngine;
import dev.graft.transfer.LayerRef;
import dev.graft.zoo.GraftModel;
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
     * <p>{@code layer} is resolved by {@link LayerRef}'s rules, as everywhere in Graft: a layer (MultiLayerNetwork)
     * or vertex (ComputationGraph) name, or an index ({@code "4"}); names win when a name is itself a number (as
     * in DL4J's VGG16, whose layers are named "0" to "20"). Unknown names are rejected with the nearest and the
     * valid ones (DL4J itself silently freezes nothing on a bad name). For a planned model, the cut it recorded
     * is {@code Cut.of(model).layer()}.
     *
     * <p>The engine that runs it follows {@link Engine#settings()}' {@code featurizeEngine} in force now (see
     * {@link FeaturizeEngine}); it is decided on the first batch, or when {@link Featurizer#engine()} or
     * {@link Featurizer#fingerprint()} is first asked, and {@link Featurizer#engine()} says which and why.
     *
     * @throws IllegalArgumentException if the layer does not exist ({@link dev.graft.transfer.UnknownLayerException}),
     *     is a graph input, or the graph has several inputs
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
        if (model.onnxBase().isPresent()) {
            throw new IllegalArgumentException("model '" + model.card().name() + "' runs a frozen ONNX part below its "
                    + "DL4J head; featurize the imported ONNX model instead (OnnxFeaturizer.cut, or 'graft finetune' on "
                    + "the model 'graft import' saved)");
        }
        if (model.isGraph()) {
            ComputationGraphConfiguration conf = ((ComputationGraph) model.network()).getConfiguration();
            if (conf.getNetworkInputs().size() != 1) {
                throw new IllegalArgumentException("model '" + model.card().name() + "' is a graph with "
                        + conf.getNetworkInputs().size() + " inputs " + conf.getNetworkInputs()
                        + "; feature caches support single-input graphs only");
            }
            return new GraphFeaturizer(model, LayerRef.resolve(model, layer).name(), engine);
        }
        return new LayerFeaturizer(model, LayerRef.resolve(model, layer).index(), engine);
    }

    static String layerName(MultiLayerNetwork net, int i) {
        String n = net.getLayerWiseConfigurations().getConf(i).getLayer().getLayerName();
        return n == null ? "layer" + i : n;
    }
}
