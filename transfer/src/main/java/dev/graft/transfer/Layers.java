package dev.graft.transfer;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.graph.FrozenVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.learning.config.NoOp;

/** Small helpers over DL4J layer configurations: names, frozen wrappers, output layers. */
public final class Layers {
    private Layers() {
    }

    /** The layer configuration inside any frozen wrapper ({@code FrozenLayer}, {@code FrozenLayerWithBackprop}). */
    public static Layer unwrap(Layer layer) {
        return dev.graft.engine.Frozen.unwrap(layer);
    }

    /** The vertex inside a frozen wrapper. */
    static GraphVertex unwrap(GraphVertex v) {
        GraphVertex out = v instanceof FrozenVertex ? ((FrozenVertex) v).getUnderlying() : v;
        if (out instanceof LayerVertex) {
            LayerVertex lv = (LayerVertex) out;
            Layer inner = unwrap(lv.getLayerConf().getLayer());
            if (inner != lv.getLayerConf().getLayer()) {
                lv.getLayerConf().setLayer(inner);
            }
        }
        return out;
    }

    static boolean isFrozen(Layer layer) {
        return layer instanceof FrozenLayer || layer instanceof FrozenLayerWithBackprop;
    }

    static boolean isFrozen(GraphVertex v) {
        return v instanceof FrozenVertex || (v instanceof LayerVertex && isFrozen(((LayerVertex) v).getLayerConf().getLayer()));
    }

    static boolean isOutputLayer(Layer layer) {
        Layer l = unwrap(layer);
        return l instanceof BaseOutputLayer || l instanceof LossLayer
                || l instanceof org.deeplearning4j.nn.conf.layers.CnnLossLayer
                || l instanceof org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
    }

    /**
     * Wraps a layer as frozen, clearing its regularization and updater first: a frozen layer must never move,
     * and L1/L2 or weight decay reaching it through a fine-tune configuration would move it (DL4J #4250).
     */
    static FrozenLayer freeze(Layer layer) {
        Layer inner = unwrap(layer);
        if (inner instanceof BaseLayer) {
            BaseLayer b = (BaseLayer) inner;
            b.setRegularization(new ArrayList<>());
            b.setRegularizationBias(new ArrayList<>());
            b.setIUpdater(new NoOp());
            b.setBiasUpdater(new NoOp());
        }
        inner.setIDropout(null);
        inner.setConstraints(null);
        FrozenLayer f = new FrozenLayer(inner);
        f.setLayerName(inner.getLayerName());
        return f;
    }

    /** Layer names of a MultiLayerNetwork, index order (a missing name reads as its index). */
    static List<String> names(MultiLayerNetwork net) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < net.getnLayers(); i++) {
            out.add(name(net.getLayerWiseConfigurations().getConf(i).getLayer(), i));
        }
        return out;
    }

    static String name(Layer layer, int index) {
        String n = layer.getLayerName();
        return n == null || n.isBlank() ? String.valueOf(index) : n;
    }

    /** Vertex names of a ComputationGraph in topological order (inputs excluded). */
    static List<String> names(ComputationGraph g) {
        List<String> out = new ArrayList<>();
        for (int idx : g.topologicalSortOrder()) {
            String n = g.getVertices()[idx].getVertexName();
            if (!g.getConfiguration().getNetworkInputs().contains(n)) {
                out.add(n);
            }
        }
        return out;
    }

    static String list(List<String> names) {
        return names.size() <= 40 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 20)) + ", ..., " + String.join(", ", names.subList(names.size() - 15, names.size()))
                        + " (" + names.size() + " in all)";
    }
}
