package dev.graft.zoo.keras.adapters;

import dev.graft.zoo.layers.BroadcastMultiplyVertex;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.modelimport.keras.KerasLayer;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;

/**
 * A Keras {@code Multiply} of an image batch {@code [N, H, W, C]} and a per-example channel gate
 * {@code [N, 1, 1, C]} (the excite of squeeze-and-excitation blocks, EfficientNet and MobileNetV3), as Graft's
 * {@link BroadcastMultiplyVertex}. Graft's translator puts the image input first.
 */
public class KerasBroadcastMultiply extends KerasLayer {
    /** Called by DL4J's importer with the layer's config. */
    public KerasBroadcastMultiply(Map<String, Object> layerConfig)
            throws InvalidKerasConfigurationException, UnsupportedKerasConfigurationException {
        super(layerConfig, false);
        this.vertex = new BroadcastMultiplyVertex(CNN2DFormat.NHWC);
    }

    @Override
    public InputType getOutputType(InputType... inputType) throws InvalidKerasConfigurationException {
        if (inputType.length != 2) {
            throw new InvalidKerasConfigurationException("layer '" + layerName + "' multiplies two inputs, got "
                    + inputType.length);
        }
        return vertex.getOutputType(-1, inputType);
    }
}
