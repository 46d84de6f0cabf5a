package dev.graft.zoo.keras.adapters;

import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.modelimport.keras.KerasLayer;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;

/** A Graft adapter for a Keras layer with one input whose output has the input's shape. */
abstract class SameShapeKerasLayer extends KerasLayer {
    /** Reads the common parts of the layer's config (name, inbound layers); training config not enforced. */
    SameShapeKerasLayer(Map<String, Object> layerConfig)
            throws InvalidKerasConfigurationException, UnsupportedKerasConfigurationException {
        super(layerConfig, false);
    }

    @Override
    public InputType getOutputType(InputType... inputType) throws InvalidKerasConfigurationException {
        if (inputType.length != 1) {
            throw new InvalidKerasConfigurationException("layer '" + layerName + "' takes one input, got "
                    + inputType.length);
        }
        return inputType[0];
    }
}
