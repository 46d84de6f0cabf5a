package dev.graft.zoo.keras.adapters;

import dev.graft.zoo.layers.ChannelAffineLayer;
import java.util.HashMap;
import java.util.Map;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ConvNeXt's {@code LayerScale} ({@code keras.src.applications.convnext}): {@code x * gamma} with a trainable
 * per-channel {@code gamma} ({@code projection_dim} values), as Graft's {@link ChannelAffineLayer#layerScale}.
 */
public class KerasLayerScale extends SameShapeKerasLayer {
    /** Called by DL4J's importer with the layer's config. */
    public KerasLayerScale(Map<String, Object> layerConfig)
            throws InvalidKerasConfigurationException, UnsupportedKerasConfigurationException {
        super(layerConfig);
        Map<?, ?> c = (Map<?, ?>) layerConfig.get("config");
        Object dim = c.get("projection_dim");
        Object init = c.get("init_values");
        if (!(dim instanceof Number) || !(init instanceof Number)) {
            throw new InvalidKerasConfigurationException("LayerScale '" + layerName + "' needs numbers "
                    + "projection_dim and init_values, got " + dim + " and " + init);
        }
        ChannelAffineLayer l = ChannelAffineLayer.layerScale(((Number) dim).longValue(),
                ((Number) init).doubleValue());
        l.setLayerName(layerName);
        this.layer = l;
    }

    @Override
    public int getNumParams() {
        return 1;
    }

    @Override
    public void setWeights(Map<String, INDArray> weights) throws InvalidKerasConfigurationException {
        INDArray gamma = weights.get("gamma");
        if (gamma == null || weights.size() != 1) {
            throw new InvalidKerasConfigurationException("LayerScale '" + layerName + "' expects one weight 'gamma', "
                    + "got " + weights.keySet());
        }
        this.weights = new HashMap<>();
        this.weights.put(ChannelAffineLayer.SCALE, gamma.reshape(1, gamma.length()));
    }
}
