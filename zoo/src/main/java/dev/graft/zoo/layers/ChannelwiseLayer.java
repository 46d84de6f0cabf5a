package dev.graft.zoo.layers;

import java.util.List;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Configuration shared by Graft's per-channel layers ({@link ChannelAffineLayer}, {@link LayerNormalization}):
 * input and output have the same shape, and every parameter is one value per channel, stored in the parameter
 * table as a {@code [1, C]} row vector (C = {@code nIn} = {@code nOut}).
 *
 * <p>Input: feed-forward {@code [N, C]} (channel axis 1), or convolutional {@code [N, C, H, W]} ({@code NCHW},
 * channel axis 1) or {@code [N, H, W, C]} ({@code NHWC}, channel axis 3). The layout comes from the network's
 * {@code InputType} ({@link #setNIn}) or {@link Builder#dataFormat}. These layers apply no activation function;
 * their {@code activation} setting is identity and is not used.
 */
public abstract class ChannelwiseLayer extends FeedForwardLayer {
    private static final long serialVersionUID = 1L;

    @JsonProperty("dataFormat")
    private CNN2DFormat dataFormat = CNN2DFormat.NCHW;

    /** For JSON. */
    protected ChannelwiseLayer() {
    }

    protected ChannelwiseLayer(Builder<?> builder) {
        super(builder);
        this.dataFormat = builder.dataFormat;
        this.nOut = this.nIn;
    }

    /** The layout of 4-d inputs: {@code NCHW} (channel axis 1) or {@code NHWC} (channel axis 3). */
    public CNN2DFormat getDataFormat() {
        return dataFormat;
    }

    /** Sets the layout of 4-d inputs. */
    public void setDataFormat(CNN2DFormat dataFormat) {
        this.dataFormat = dataFormat;
    }

    /** Names of the per-channel parameters that regularization treats as weights, in parameter-table order. */
    public abstract List<String> weightKeys();

    /** Names of the per-channel parameters that regularization treats as biases; they follow the weights. */
    public abstract List<String> biasKeys();

    /** Fills the {@code [1, C]} view of parameter {@code key} with its starting value. */
    public abstract void initializeParam(String key, INDArray view);

    /** Checks that the settings fit {@code channels}; throws IllegalArgumentException with the values if not. */
    protected void checkChannels(long channels) {
    }

    @Override
    public ParamInitializer initializer() {
        return ChannelParamInitializer.INSTANCE;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        long channels;
        switch (inputType.getType()) {
            case FF:
                channels = ((InputType.InputTypeFeedForward) inputType).getSize();
                break;
            case CNN:
                InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType;
                channels = c.getChannels();
                dataFormat = c.getFormat();
                break;
            default:
                throw unsupported(inputType);
        }
        if (nIn > 0 && !override && nIn != channels) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " '" + getLayerName() + "' was built for "
                    + nIn + " channels but its input " + inputType + " has " + channels);
        }
        nIn = channels;
        nOut = nIn;
        checkChannels(nIn);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (inputType == null || (inputType.getType() != InputType.Type.FF
                && inputType.getType() != InputType.Type.CNN)) {
            throw unsupported(inputType);
        }
        return inputType;
    }

    private IllegalArgumentException unsupported(InputType inputType) {
        return new IllegalArgumentException(getClass().getSimpleName() + " '" + getLayerName()
                + "' takes feed-forward [N, C] or convolutional (NCHW / NHWC) input, got " + inputType);
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        long params = initializer().numParams(this);
        return new LayerMemoryReport.Builder(getLayerName(), getClass(), inputType, inputType)
                .standardMemory(params, 0)
                .workingMemory(0, inputType.arrayElementsPerExample(), 0, 2 * inputType.arrayElementsPerExample())
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS).build();
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && super.equals(o)
                && dataFormat == ((ChannelwiseLayer) o).dataFormat;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + (dataFormat == null ? 0 : dataFormat.hashCode());
    }

    /**
     * Builder settings shared by the per-channel layers.
     *
     * @param <T> the concrete builder
     */
    public abstract static class Builder<T extends Builder<T>> extends FeedForwardLayer.Builder<T> {
        private CNN2DFormat dataFormat = CNN2DFormat.NCHW;

        protected Builder() {
            this.activationFn = new ActivationIdentity();
        }

        /** Layout of 4-d inputs (default {@code NCHW}); a convolutional {@code InputType} overrides it. */
        @SuppressWarnings("unchecked")
        public T dataFormat(CNN2DFormat format) {
            if (format == null) {
                throw new IllegalArgumentException("dataFormat must be NCHW or NHWC, got null");
            }
            this.dataFormat = format;
            return (T) this;
        }

        /** The number of channels C (optional when the network is given an {@code InputType}). */
        @SuppressWarnings("unchecked")
        public T channels(long channels) {
            nIn(channels);
            nOut(channels);
            return (T) this;
        }
    }
}
