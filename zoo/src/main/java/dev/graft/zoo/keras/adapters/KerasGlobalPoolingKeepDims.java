package dev.graft.zoo.keras.adapters;

import dev.graft.zoo.layers.GlobalPoolingKeepDims;
import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.modelimport.keras.KerasLayer;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;

/**
 * Keras {@code GlobalAveragePooling2D(keepdims=True)} / {@code GlobalMaxPooling2D(keepdims=True)} (the squeeze of
 * squeeze-and-excitation blocks): {@code [N, H, W, C] -> [N, 1, 1, C]}, as Graft's {@link GlobalPoolingKeepDims}.
 * The pooling type comes from the config key {@code graft_pooling} ({@code avg} or {@code max}).
 */
public class KerasGlobalPoolingKeepDims extends KerasLayer {
    /** Called by DL4J's importer with the layer's config. */
    public KerasGlobalPoolingKeepDims(Map<String, Object> layerConfig)
            throws InvalidKerasConfigurationException, UnsupportedKerasConfigurationException {
        super(layerConfig, false);
        Map<?, ?> c = (Map<?, ?>) layerConfig.get("config");
        GlobalPoolingKeepDims l = "max".equals(c.get("graft_pooling")) ? GlobalPoolingKeepDims.max()
                : GlobalPoolingKeepDims.average();
        l.setLayerName(layerName);
        this.layer = l;
    }

    @Override
    public InputType getOutputType(InputType... inputType) throws InvalidKerasConfigurationException {
        if (inputType.length != 1 || !(inputType[0] instanceof InputType.InputTypeConvolutional)) {
            throw new InvalidKerasConfigurationException("layer '" + layerName + "' pools a 2-D image batch, got "
                    + java.util.Arrays.toString(inputType));
        }
        return layer.getOutputType(-1, inputType[0]);
    }
}
