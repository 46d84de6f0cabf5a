package dev.graft.transfer.tune;

import dev.graft.engine.Engine;
import dev.graft.transfer.Networks;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/** Rebuilds a network with its trainable layers' configurations changed and every parameter kept. */
final class Reconfigure {
    private Reconfigure() {
    }

    /** A copy of {@code net} where {@code change} was applied to each non-frozen layer configuration; parameters copied bit for bit. */
    static Model trainable(Model net, Consumer<Layer> change) {
        Set<String> frozen = new HashSet<>(Networks.frozenLayers(net));
        List<String> names = Networks.layerNames(net);
        if (net instanceof MultiLayerNetwork) {
            MultiLayerNetwork m = (MultiLayerNetwork) net;
            MultiLayerConfiguration c = m.getLayerWiseConfigurations().clone();
            for (int i = 0; i < names.size(); i++) {
                if (!frozen.contains(names.get(i))) {
                    change.accept(c.getConf(i).getLayer());
                }
            }
            MultiLayerNetwork out = new MultiLayerNetwork(c);
            out.init(m.params().dup(), false);
            Engine.attachHelpers(out);
            return out;
        }
        ComputationGraph g = (ComputationGraph) net;
        ComputationGraphConfiguration c = g.getConfiguration().clone();
        for (String n : names) {
            GraphVertex v = c.getVertices().get(n);
            if (!frozen.contains(n) && v instanceof LayerVertex) {
                change.accept(((LayerVertex) v).getLayerConf().getLayer());
            }
        }
        ComputationGraph out = new ComputationGraph(c);
        out.init(g.params().dup(), false);
        Engine.attachHelpers(out);
        return out;
    }
}
