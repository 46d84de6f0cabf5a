package dev.graft.zoo.keras.adapters;

import dev.graft.zoo.layers.InputSafeActivationLayer;
import java.util.Map;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;
import org.nd4j.linalg.activations.impl.ActivationIdentity;

/**
 * A layer that is the identity at inference: Keras' augmentation layers (RandomFlip, RandomRotation, RandomZoom,
 * RandomTranslation, RandomContrast, RandomBrightness) and ActivityRegularization. Imported as a DL4J identity
 * {@code ActivationLayer}, any input shape. (Keras applies the augmentations only with {@code training=True}, which
 * featurizing and prediction never use; Graft's own augmentation is configured on the feature cache.)
 */
public class KerasIdentity extends SameShapeKerasLayer {
    /** Called by DL4J's importer with the layer's config. */
    public KerasIdentity(Map<String, Object> layerConfig)
            throws InvalidKerasConfigurationException, UnsupportedKerasConfigurationException {
        super(layerConfig);
        InputSafeActivationLayer l = new InputSafeActivationLayer(new ActivationIdentity());
        l.setLayerName(layerName);
        this.layer = l;
    }
}
