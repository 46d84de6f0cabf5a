package dev.graft.transfer;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Read-only questions about a MultiLayerNetwork or ComputationGraph that Graft asks often.
 *
 * @apiNote Internal: public only for Graft's engine and tune packages and tests.
 */
public final class Networks {
    private Networks() {
    }

    /** Layer names (MLN, index order; a missing name reads as its index) or vertex names (CG, topological order). */
    public static List<String> layerNames(Model net) {
        return net instanceof MultiLayerNetwork ? Layers.names((MultiLayerNetwork) net) : Layers.names((ComputationGraph) net);
    }

    /** Names of the layers/vertices that are frozen in the network's configuration (as saved, so it survives save and load). */
    public static List<String> frozenLayers(Model net) {
        List<String> out = new ArrayList<>();
        if (net instanceof MultiLayerNetwork) {
            MultiLayerConfiguration c = ((MultiLayerNetwork) net).getLayerWiseConfigurations();
            List<String> names = Layers.names((MultiLayerNetwork) net);
            for (int i = 0; i < names.size(); i++) {
                if (Layers.isFrozen(c.getConf(i).getLayer())) {
                    out.add(names.get(i));
                }
            }
        } else {
            ComputationGraphConfiguration c = ((ComputationGraph) net).getConfiguration();
            for (String n : Layers.names((ComputationGraph) net)) {
                if (Layers.isFrozen(c.getVertices().get(n))) {
                    out.add(n);
                }
            }
        }
        return out;
    }
}
