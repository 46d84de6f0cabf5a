package dev.graft.zoo.keras.adapters;

import java.util.Map;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.TimeDistributed;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.layers.core.KerasDense;

/**
 * A Keras {@code Dense} whose input is a sequence {@code [N, T, C]}: Keras applies the kernel to the last axis of
 * every time step and returns {@code [N, T, units]}. DL4J's importer flattens the sequence into {@code [N*T, C]} rows
 * and never restores it, so the output had the wrong shape and order. Imported as DL4J's {@link TimeDistributed}
 * around the same {@link DenseLayer} (same parameters {@code W [C, units]}, {@code b [1, units]}), in the sequence
 * layout of the layer's input.
 */
public class KerasDenseOnSequence extends KerasDense {
    /** Called by DL4J's importer with the layer's config. */
    public KerasDenseOnSequence(Map<String, Object> layerConfig)
            throws InvalidKerasConfigurationException, UnsupportedKerasConfigurationException {
        super(layerConfig, false);
    }

    private DenseLayer dense() {
        return layer instanceof TimeDistributed ? (DenseLayer) ((TimeDistributed) layer).getUnderlying()
                : (DenseLayer) layer;
    }

    @Override
    public DenseLayer getDenseLayer() {
        return dense();
    }

    @Override
    public InputType getOutputType(InputType... inputType) throws InvalidKerasConfigurationException {
        if (inputType.length != 1 || !(inputType[0] instanceof InputType.InputTypeRecurrent)) {
            throw new InvalidKerasConfigurationException("layer '" + layerName + "' applies Dense to a sequence "
                    + "and needs one sequence input, got " + java.util.Arrays.toString(inputType));
        }
        InputType.InputTypeRecurrent rnn = (InputType.InputTypeRecurrent) inputType[0];
        TimeDistributed td = new TimeDistributed(dense(), rnn.getFormat());
        td.setLayerName(layerName); // DL4J's importer finds the layer's weights by this name
        this.layer = td;
        return td.getOutputType(-1, rnn);
    }

    @Override
    public InputPreProcessor getInputPreprocessor(InputType... inputType) {
        return null; // TimeDistributed takes the sequence as it is
    }
}
