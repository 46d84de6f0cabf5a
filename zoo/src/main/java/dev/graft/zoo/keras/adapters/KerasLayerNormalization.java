package dev.graft.zoo.keras.adapters;

import dev.graft.zoo.layers.LayerNormalization;
import java.util.HashMap;
import java.util.Map;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Keras {@code LayerNormalization} over the last (channel) axis, as Graft's {@link LayerNormalization}: epsilon,
 * {@code center} (trainable beta) and {@code scale} (trainable gamma) from the config; weights {@code gamma} and
 * {@code beta}, each {@code [C]}.
 */
public class KerasLayerNormalization extends SameShapeKerasLayer {
    private final int params;

    /** Called by DL4J's importer with the layer's config. */
    public KerasLayerNormalization(Map<String, Object> layerConfig)
            throws InvalidKerasConfigurationException, UnsupportedKerasConfigurationException {
        super(layerConfig);
        Map<?, ?> c = (Map<?, ?>) layerConfig.get("config");
        boolean center = !Boolean.FALSE.equals(c.get("center"));
        boolean scale = !Boolean.FALSE.equals(c.get("scale"));
        Object eps = c.get("epsilon");
        LayerNormalization.Builder b = new LayerNormalization.Builder().center(center).scale(scale);
        if (eps instanceof Number) {
            b.epsilon(((Number) eps).doubleValue());
        }
        LayerNormalization l = b.build();
        l.setLayerName(layerName);
        this.layer = l;
        this.params = (center ? 1 : 0) + (scale ? 1 : 0);
    }

    @Override
    public int getNumParams() {
        return params;
    }

    @Override
    public void setWeights(Map<String, INDArray> weights) throws InvalidKerasConfigurationException {
        this.weights = new HashMap<>();
        for (String k : new String[] {LayerNormalization.GAMMA, LayerNormalization.BETA}) {
            if (weights.containsKey(k)) {
                this.weights.put(k, weights.get(k).reshape(1, weights.get(k).length()));
            }
        }
        if (this.weights.size() != params) {
            throw new InvalidKerasConfigurationException("LayerNormalization '" + layerName + "' expects " + params
                    + " weights (gamma/beta), got " + weights.keySet());
        }
    }
}
