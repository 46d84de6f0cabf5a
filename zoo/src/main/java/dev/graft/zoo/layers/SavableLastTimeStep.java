package dev.graft.zoo.layers;

import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * DL4J's {@link LastTimeStep} (the last step of a recurrent layer's output), asking its wrapped layer for the updater
 * of a parameter.
 *
 * <p>DL4J 1.0.0-M2.1's Keras importer wraps each direction of a {@code Bidirectional(LSTM)} without
 * {@code return_sequences} in a {@code LastTimeStep}, which does not answer {@code getUpdaterByParam}: the network
 * imports and predicts, then {@code ModelSerializer.writeModel} (building the updater) fails with "all layers with
 * parameters should override this method", so {@code graft import --out} could not save it. Same computation, same
 * JSON fields.
 */
public class SavableLastTimeStep extends LastTimeStep {
    private static final long serialVersionUID = 1L;

    /** For JSON: the wrapped layer is set from the JSON fields. */
    protected SavableLastTimeStep() {
        super(new LSTM.Builder().nIn(1).nOut(1).build());
    }

    /** The last time step of {@code underlying}'s output. */
    public SavableLastTimeStep(Layer underlying) {
        super(underlying);
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return getUnderlying().getUpdaterByParam(paramName);
    }
}
