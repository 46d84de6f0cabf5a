package dev.graft.zoo.keras.adapters;

import dev.graft.zoo.layers.ChannelAffineLayer;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;

/**
 * Keras' {@code Normalization} layer ({@code invert=False}, channel axis last): {@code (x - mean) / max(sqrt(var),
 * 1e-7)} per channel, fixed. The mean and variance come from the config keys {@code graft_mean} and
 * {@code graft_variance} (one number or one per channel), which Graft's importer fills from the layer's stored
 * weights or its config. Imported as Graft's {@link ChannelAffineLayer#normalization}.
 */
public class KerasChannelNormalization extends SameShapeKerasLayer {
    /** Called by DL4J's importer with the layer's config. */
    public KerasChannelNormalization(Map<String, Object> layerConfig)
            throws InvalidKerasConfigurationException, UnsupportedKerasConfigurationException {
        super(layerConfig);
        Map<?, ?> c = (Map<?, ?>) layerConfig.get("config");
        ChannelAffineLayer l = ChannelAffineLayer.normalization(numbers(c, "graft_mean"),
                numbers(c, "graft_variance"));
        l.setLayerName(layerName);
        this.layer = l;
    }

    private static double[] numbers(Map<?, ?> config, String key) throws InvalidKerasConfigurationException {
        Object v = config == null ? null : config.get(key);
        if (v instanceof Number) {
            return new double[] {((Number) v).doubleValue()};
        }
        if (!(v instanceof List)) {
            throw new InvalidKerasConfigurationException("layer config lacks the numbers '" + key + "' (got " + v
                    + "); they are written by Graft's Keras importer");
        }
        List<?> l = (List<?>) v;
        double[] out = new double[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) l.get(i)).doubleValue();
        }
        return out;
    }
}
