package dev.graft.zoo.keras.adapters;

import java.util.Map;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.modelimport.keras.KerasLayer;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;

/**
 * A Keras {@code Flatten} that is an output of a functional model (a feature extractor ending in Conv → Flatten).
 * DL4J imports Flatten as a preprocessor of the layer after it and has none to attach it to at the end ("could not
 * be mapped to Layer, Vertex, or InputPreProcessor"). Imported as a {@link PreprocessorVertex} with DL4J's
 * {@link CnnToFeedForwardPreProcessor} in the input's layout, which flattens row-major as Keras does:
 * {@code [N, H, W, C] -> [N, H*W*C]}. Image inputs only.
 */
public class KerasOutputFlatten extends KerasLayer {
    /** Called by DL4J's importer with the layer's config. */
    public KerasOutputFlatten(Map<String, Object> layerConfig)
            throws InvalidKerasConfigurationException, UnsupportedKerasConfigurationException {
        super(layerConfig, false);
    }

    @Override
    public InputType getOutputType(InputType... inputType) throws InvalidKerasConfigurationException {
        if (inputType.length != 1 || !(inputType[0] instanceof InputType.InputTypeConvolutional)) {
            throw new InvalidKerasConfigurationException("Flatten '" + layerName + "' as the model's output is "
                    + "supported after an image layer only, got " + java.util.Arrays.toString(inputType));
        }
        InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType[0];
        CnnToFeedForwardPreProcessor p = new CnnToFeedForwardPreProcessor(c.getHeight(), c.getWidth(),
                c.getChannels(), c.getFormat());
        this.vertex = new PreprocessorVertex(p);
        return p.getOutputType(c);
    }
}
