package dev.graft.zoo.keras.adapters;

import dev.graft.zoo.layers.Affine;
import dev.graft.zoo.layers.InputSafeActivationLayer;
import java.util.Map;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;

/**
 * {@code y = scale * x + offset} with scalar {@code scale} and {@code offset} read from the config keys
 * {@code graft_scale} and {@code graft_offset} (written by Graft's translator): Keras 3 op nodes with a Python
 * constant ({@code x + 3.0}, {@code x * (1/6)}, {@code x - c}, {@code x / c}) and {@code Rescaling(scale, offset)}
 * with scalars. Imported as a {@link InputSafeActivationLayer} with Graft's {@link Affine}, any input shape.
 */
public class KerasScalarAffine extends SameShapeKerasLayer {
    /** Called by DL4J's importer with the layer's config. */
    public KerasScalarAffine(Map<String, Object> layerConfig)
            throws InvalidKerasConfigurationException, UnsupportedKerasConfigurationException {
        super(layerConfig);
        Map<?, ?> c = (Map<?, ?>) layerConfig.get("config");
        double scale = number(c, "graft_scale");
        double offset = number(c, "graft_offset");
        InputSafeActivationLayer l = new InputSafeActivationLayer(Affine.of(scale, offset));
        l.setLayerName(layerName);
        this.layer = l;
    }

    static double number(Map<?, ?> config, String key) throws InvalidKerasConfigurationException {
        Object v = config == null ? null : config.get(key);
        if (!(v instanceof Number)) {
            throw new InvalidKerasConfigurationException("layer config lacks the number '" + key + "' (got " + v
                    + "); it is written by Graft's Keras 3 translator");
        }
        return ((Number) v).doubleValue();
    }
}
