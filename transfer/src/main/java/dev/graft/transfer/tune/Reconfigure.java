package dev.graft.transfer.tune;

import dev.graft.engine.Engine;
import dev.graft.engine.Frozen;
import dev.graft.transfer.Networks;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.FrozenVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/** Rebuilds a network with layers unfrozen and its trainable layers' configurations changed; every parameter kept. */
final class Reconfigure {
    private Reconfigure() {
    }

    /**
     * A copy of {@code net} (one new network) where the frozen layers named in {@code unfreeze} lose their frozen
     * wrapper, then {@code change} is applied to each trainable layer configuration (by name); parameters copied
     * bit for bit. The input network is not changed. The new network's updater state is fresh; with
     * {@code restartCounts} its iteration and epoch counts start at 0 too (as Adam's bias correction expects of
     * fresh state), else they are the input's.
     */
    static Model rebuild(Model net, Set<String> unfreeze, boolean restartCounts, BiConsumer<String, Layer> change) {
        Set<String> frozen = new HashSet<>(Networks.frozenLayers(net));
        frozen.removeAll(unfreeze);
        List<String> names = Networks.layerNames(net);
        if (net instanceof MultiLayerNetwork) {
            MultiLayerNetwork m = (MultiLayerNetwork) net;
            MultiLayerConfiguration c = m.getLayerWiseConfigurations().clone();
            if (restartCounts) {
                c.setIterationCount(0);
                c.setEpochCount(0);
            }
            for (int i = 0; i < names.size(); i++) {
                NeuralNetConfiguration nc = c.getConf(i);
                if (unfreeze.contains(names.get(i))) {
                    nc.setLayer(Frozen.unwrap(nc.getLayer()));
                }
                if (!frozen.contains(names.get(i))) {
                    change.accept(names.get(i), nc.getLayer());
                }
            }
            MultiLayerNetwork out = new MultiLayerNetwork(c);
            out.init(m.params().dup(), false);
            Engine.attachHelpers(out);
            return out;
        }
        ComputationGraph g = (ComputationGraph) net;
        ComputationGraphConfiguration c = g.getConfiguration().clone();
        if (restartCounts) {
            c.setIterationCount(0);
            c.setEpochCount(0);
        }
        for (String n : names) {
            GraphVertex v = c.getVertices().get(n);
            if (unfreeze.contains(n)) {
                v = v instanceof FrozenVertex ? ((FrozenVertex) v).getUnderlying() : v;
                if (v instanceof LayerVertex) {
                    NeuralNetConfiguration nc = ((LayerVertex) v).getLayerConf();
                    nc.setLayer(Frozen.unwrap(nc.getLayer()));
                }
                c.getVertices().put(n, v);
            }
            if (!frozen.contains(n) && v instanceof LayerVertex) {
                change.accept(n, ((LayerVertex) v).getLayerConf().getLayer());
            }
        }
        ComputationGraph out = new ComputationGraph(c);
        out.init(g.params().dup(), false);
        Engine.attachHelpers(out);
        return out;
    }
}
