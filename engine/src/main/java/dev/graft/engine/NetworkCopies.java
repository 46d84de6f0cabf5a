package dev.graft.engine;

import java.lang.reflect.Field;
import java.util.ArrayList;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Independent copies of DL4J networks.
 *
 * <p>DL4J 1.0.0-M2.1's {@code ComputationGraph.clone()} hands the copy the original's listener collection itself
 * ({@code cg.trainingListeners = this.trainingListeners}), so setting or clearing the copy's listeners changes the
 * original's (found by FineTunerTest: a fine-tune cleared the user's listeners). {@link #copyOf} gives the copy a
 * collection of its own.
 *
 * @apiNote Internal: public only for transfer's featurizers.
 */
public final class NetworkCopies {
    private NetworkCopies() {
    }

    /**
     * A deep copy of {@code network}: configuration, parameters, updater state and frozen layers, with no listeners
     * and the layers' native helpers as {@link Engine#attachHelpers} gives them.
     *
     * @throws IllegalArgumentException if {@code network} is neither a MultiLayerNetwork nor a ComputationGraph
     */
    public static Model copyOf(Model network) {
        Model copy;
        if (network instanceof MultiLayerNetwork) {
            copy = ((MultiLayerNetwork) network).clone();
        } else if (network instanceof ComputationGraph) {
            ComputationGraph g = ((ComputationGraph) network).clone();
            ownListeners(g);
            copy = g;
        } else {
            throw new IllegalArgumentException("cannot copy a " + (network == null ? "null network"
                    : network.getClass().getName()) + "; expected a MultiLayerNetwork or a ComputationGraph");
        }
        copy.setListeners(new ArrayList<>());
        Engine.attachHelpers(copy);
        return copy;
    }

    private static void ownListeners(ComputationGraph g) {
        try {
            Field f = ComputationGraph.class.getDeclaredField("trainingListeners");
            f.setAccessible(true);
            f.set(g, new ArrayList<>());
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot give a copied ComputationGraph its own listener list (DL4J's "
                    + "field 'trainingListeners' changed?); its listeners would be shared with the original", e);
        }
    }
}
