package dev.graft.engine;

import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;

/**
 * DL4J's frozen wrappers, seen through: transfer learning wraps frozen layers, which compute the same.
 *
 * @apiNote Internal: public only for zoo and transfer, which read frozen wrappers with it.
 */
public final class Frozen {
    private Frozen() {
    }

    /** The layer configuration inside DL4J's frozen wrappers (any depth); {@code layer} itself when not wrapped. */
    public static Layer unwrap(Layer layer) {
        Layer l = layer;
        while (true) {
            if (l instanceof FrozenLayer) {
                l = ((FrozenLayer) l).getLayer();
            } else if (l instanceof FrozenLayerWithBackprop) {
                l = ((FrozenLayerWithBackprop) l).getUnderlying();
            } else {
                return l;
            }
        }
    }

    /** The layer inside DL4J's frozen wrappers (any depth); {@code layer} itself when not wrapped. */
    public static org.deeplearning4j.nn.api.Layer unwrap(org.deeplearning4j.nn.api.Layer layer) {
        org.deeplearning4j.nn.api.Layer l = layer;
        while (true) {
            if (l instanceof org.deeplearning4j.nn.layers.FrozenLayer) {
                l = ((org.deeplearning4j.nn.layers.FrozenLayer) l).getInsideLayer();
            } else if (l instanceof org.deeplearning4j.nn.layers.FrozenLayerWithBackprop) {
                l = ((org.deeplearning4j.nn.layers.FrozenLayerWithBackprop) l).getInsideLayer();
            } else {
                return l;
            }
        }
    }
}
