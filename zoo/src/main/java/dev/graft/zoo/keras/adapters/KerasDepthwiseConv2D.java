package dev.graft.zoo.keras.adapters;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.modelimport.keras.KerasLayer;
import org.deeplearning4j.nn.modelimport.keras.config.KerasLayerConfigurationFactory;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.layers.convolutional.KerasDepthwiseConvolution2D;
import org.deeplearning4j.nn.modelimport.keras.utils.KerasLayerUtils;

/**
 * Keras {@code DepthwiseConv2D}, built by DL4J's own importer, with its input channel count taken from the config
 * key {@code graft_in_channels} (the layer's input shape, which Keras 3 records) instead of from the layers built
 * before it. DL4J's importer searches those layers for the channel count ({@code KerasLayer.getNInFromConfig}) and
 * fails when the input is the model's input layer (a Sequential starting with a depthwise convolution), or loops
 * forever when that layer is missing. Same DL4J layer and weights otherwise.
 */
public class KerasDepthwiseConv2D extends KerasDepthwiseConvolution2D {
    /** Called by DL4J's importer with the layer's config. */
    public KerasDepthwiseConv2D(Map<String, Object> layerConfig)
            throws InvalidKerasConfigurationException, UnsupportedKerasConfigurationException {
        super(layerConfig, inputWithChannels(layerConfig), false);
    }

    /** One stand-in layer under the input's name, whose nOut is the channel count. */
    private static Map<String, KerasLayer> inputWithChannels(Map<String, Object> layerConfig)
            throws InvalidKerasConfigurationException, UnsupportedKerasConfigurationException {
        Map<?, ?> c = (Map<?, ?>) layerConfig.get("config");
        Object channels = c == null ? null : c.get("graft_in_channels");
        if (!(channels instanceof Number) || ((Number) channels).longValue() <= 0) {
            throw new InvalidKerasConfigurationException("DepthwiseConv2D config lacks 'graft_in_channels' (got "
                    + channels + "); it is written by Graft's Keras 3 translator");
        }
        List<String> inbound = KerasLayerUtils.getInboundLayerNamesFromConfig(layerConfig,
                KerasLayerConfigurationFactory.get((Integer) layerConfig.get("keras_version")));
        if (inbound.size() != 1) {
            throw new InvalidKerasConfigurationException("DepthwiseConv2D takes one input, config names "
                    + inbound);
        }
        return Map.of(inbound.get(0), new ChannelsOnly(((Number) channels).longValue()));
    }

    /** A layer that only says how many channels it outputs. */
    private static final class ChannelsOnly extends KerasLayer {
        ChannelsOnly(long channels) throws UnsupportedKerasConfigurationException {
            super();
            this.layer = new DenseLayer.Builder().nOut(channels).build();
        }
    }
}
