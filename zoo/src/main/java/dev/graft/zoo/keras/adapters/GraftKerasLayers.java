package dev.graft.zoo.keras.adapters;

import java.util.Map;
import org.deeplearning4j.nn.modelimport.keras.KerasLayer;

/**
 * The Graft adapters and the class names the translator writes for them. {@link #register()} adds them to DL4J's
 * custom Keras layer table; the names start with {@code Graft>} so that no Keras class can collide with them.
 */
public final class GraftKerasLayers {
    /** Inference-time identity (Keras augmentation layers: RandomFlip, RandomRotation, ...). */
    public static final String IDENTITY = "Graft>Identity";
    /** {@code x * scale + offset} with scalars (Keras 3 ops with a constant, Rescaling). */
    public static final String SCALAR_AFFINE = "Graft>ScalarAffine";
    /** Per-channel fixed {@code (x - mean) / sqrt(variance)} (Keras Normalization). */
    public static final String NORMALIZATION = "Graft>Normalization";
    /** Dense applied to the last axis of a sequence {@code [N, T, C]}. */
    public static final String DENSE_ON_SEQUENCE = "Graft>DenseOnSequence";

    /** Global pooling keeping the spatial axes as 1 (keepdims=True). */
    public static final String GLOBAL_POOLING_KEEPDIMS = "Graft>GlobalPoolingKeepDims";
    /** Multiply of an image batch and a per-channel gate (squeeze-and-excitation). */
    public static final String BROADCAST_MULTIPLY = "Graft>BroadcastMultiply";
    /** LayerNormalization over the channel axis. */
    public static final String LAYER_NORMALIZATION = "Graft>LayerNormalization";
    /** ConvNeXt's LayerScale. */
    public static final String LAYER_SCALE = "Graft>LayerScale";

    /** A Flatten that is an output of a functional model. */
    public static final String OUTPUT_FLATTEN = "Graft>OutputFlatten";
    /** DepthwiseConv2D with its input channels from the config. */
    public static final String DEPTHWISE_CONV2D = "Graft>DepthwiseConv2D";

    private static final Map<String, Class<? extends KerasLayer>> ADAPTERS = Map.ofEntries(
            Map.entry(OUTPUT_FLATTEN, KerasOutputFlatten.class),
            Map.entry(DEPTHWISE_CONV2D, KerasDepthwiseConv2D.class),
            Map.entry(IDENTITY, KerasIdentity.class),
            Map.entry(SCALAR_AFFINE, KerasScalarAffine.class),
            Map.entry(NORMALIZATION, KerasChannelNormalization.class),
            Map.entry(DENSE_ON_SEQUENCE, KerasDenseOnSequence.class),
            Map.entry(GLOBAL_POOLING_KEEPDIMS, KerasGlobalPoolingKeepDims.class),
            Map.entry(BROADCAST_MULTIPLY, KerasBroadcastMultiply.class),
            Map.entry(LAYER_NORMALIZATION, KerasLayerNormalization.class),
            Map.entry(LAYER_SCALE, KerasLayerScale.class));

    private GraftKerasLayers() {
    }

    /** Registers every adapter with DL4J (idempotent; affects only the {@code Graft>} class names). */
    public static synchronized void register() {
        ADAPTERS.forEach(KerasLayer::registerCustomLayer);
    }

    /** Adapter class per Graft class name (what DL4J's layer factory takes as its custom-layer table). */
    public static Map<String, Class<? extends KerasLayer>> adapters() {
        return ADAPTERS;
    }
}
