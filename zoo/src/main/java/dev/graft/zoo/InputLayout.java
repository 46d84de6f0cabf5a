package dev.graft.zoo;

/**
 * How one example's input array is laid out, so data can be fed to a model the way it was trained.
 *
 * <p>{@link #FLAT} is a feature vector; {@link #NCHW} and {@link #NHWC} are images
 * (channels first / channels last); {@link #NCW} and {@link #NWC} are sequences.
 */
public enum InputLayout {
    /** A vector of features, shape {@code [features]}. */
    FLAT,
    /** Image, channels first: {@code [channels, height, width]}. DL4J's default for CNNs. */
    NCHW,
    /** Image, channels last: {@code [height, width, channels]}. Keras' and TensorFlow's default. */
    NHWC,
    /** Sequence, features first: {@code [features, time]}. DL4J's default for RNNs. */
    NCW,
    /** Sequence, time first: {@code [time, features]}. Keras' default. */
    NWC;

    /** Number of dimensions one example has in this layout (without the batch dimension). */
    public int rank() {
        switch (this) {
            case FLAT: return 1;
            case NCW: case NWC: return 2;
            default: return 3;
        }
    }

    /** Index of the channel (feature) axis of one example, without the batch dimension. */
    public int channelAxis() {
        switch (this) {
            case NHWC: return 2;
            case NWC: return 1;
            default: return 0;
        }
    }
}
