package dev.graft.zoo.layers;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Per-channel affine map {@code y = x * scale[c] + offset[c]} (c: the channel of each element), input and output of
 * the same shape: {@code [N, C]}, {@code [N, C, H, W]} (NCHW) or {@code [N, H, W, C]} (NHWC).
 *
 * <p>Each of scale and offset is either a <em>fixed constant</em> kept in the configuration (one value, broadcast
 * to every channel, or C values; never trained, no parameter) or a <em>trainable parameter</em> of shape
 * {@code [1, C]} in the parameter table: {@value #SCALE} (a weight for regularization) then {@value #OFFSET} (a
 * bias). Keras 3 layers it stands for (sources in {@code keras/src/layers/}):
 * <ul>
 *   <li>{@link #layerScale} — ConvNeXt's {@code LayerScale} ({@code applications/convnext.py}):
 *       {@code x * gamma}, gamma trainable, no offset;</li>
 *   <li>{@link #rescaling} — {@code preprocessing/rescaling.py}: {@code x * scale + offset}, fixed;</li>
 *   <li>{@link #normalization} — {@code preprocessing/normalization.py}:
 *       {@code (x - mean) / maximum(sqrt(variance), epsilon())} with Keras' {@code epsilon() = 1e-7}, fixed
 *       (or, inverted, {@code mean + x * maximum(sqrt(variance), epsilon())}).</li>
 * </ul>
 * Example: {@code ChannelAffineLayer.layerScale(768, 1e-6)}.
 */
public final class ChannelAffineLayer extends ChannelwiseLayer {
    private static final long serialVersionUID = 1L;
    /** Parameter key of the trainable scale. */
    public static final String SCALE = "scale";
    /** Parameter key of the trainable offset. */
    public static final String OFFSET = "offset";
    /** Keras' {@code backend.epsilon()} default, the floor of the standard deviation in {@link #normalization}. */
    public static final double KERAS_EPSILON = 1e-7;

    @JsonProperty("scale")
    private double[] scale = {1.0};
    @JsonProperty("offset")
    private double[] offset = {0.0};
    @JsonProperty("trainableScale")
    private boolean trainableScale;
    @JsonProperty("trainableOffset")
    private boolean trainableOffset;

    /** For JSON. */
    private ChannelAffineLayer() {
    }

    private ChannelAffineLayer(Builder b) {
        super(b);
        this.scale = b.scale.clone();
        this.offset = b.offset.clone();
        this.trainableScale = b.trainableScale;
        this.trainableOffset = b.trainableOffset;
    }

    /** ConvNeXt's LayerScale: {@code x * gamma}, gamma a trainable {@code [1, C]} parameter starting at {@code init}. */
    public static ChannelAffineLayer layerScale(long channels, double init) {
        return new Builder().channels(channels).scale(init).trainableScale(true).build();
    }

    /** Keras' Rescaling with scalar scale and offset: {@code x * scale + offset}, fixed. */
    public static ChannelAffineLayer rescaling(double scale, double offset) {
        return new Builder().scale(scale).offset(offset).build();
    }

    /**
     * Keras' Normalization (not inverted) with per-channel {@code mean} and {@code variance} (one value each, or C):
     * {@code (x - mean) / max(sqrt(variance), 1e-7)}, as fixed {@code scale = 1 / max(sqrt(var), 1e-7)} and
     * {@code offset = -mean * scale}.
     *
     * @throws IllegalArgumentException if the lengths differ (one of them may be 1) or a variance is negative
     */
    public static ChannelAffineLayer normalization(double[] mean, double[] variance) {
        return normalization(mean, variance, false);
    }

    /**
     * Keras' Normalization; with {@code invert} (Keras {@code invert=True}) the de-normalization
     * {@code mean + x * max(sqrt(variance), 1e-7)}. Source: {@code keras/src/layers/preprocessing/normalization.py},
     * {@code call}.
     *
     * @throws IllegalArgumentException if the lengths differ (one of them may be 1) or a variance is negative
     */
    public static ChannelAffineLayer normalization(double[] mean, double[] variance, boolean invert) {
        int n = Math.max(mean.length, variance.length);
        if (mean.length == 0 || variance.length == 0 || (mean.length != n && mean.length != 1)
                || (variance.length != n && variance.length != 1)) {
            throw new IllegalArgumentException("normalization needs mean and variance of the same length (or one "
                    + "value), got " + mean.length + " and " + variance.length);
        }
        double[] s = new double[n];
        double[] o = new double[n];
        for (int i = 0; i < n; i++) {
            double v = variance[variance.length == 1 ? 0 : i];
            if (!(v >= 0)) {
                throw new IllegalArgumentException("variance must be >= 0, got " + v + " at channel " + i);
            }
            double sd = Math.max(Math.sqrt(v), KERAS_EPSILON);
            double m = mean[mean.length == 1 ? 0 : i];
            s[i] = invert ? sd : 1.0 / sd;
            o[i] = invert ? m : -m / sd;
        }
        return new Builder().scale(s).offset(o).build();
    }

    /** Fixed scale values (1 or C), or the starting value(s) of the trainable scale. */
    public double[] getScale() {
        return scale.clone();
    }

    /** Fixed offset values (1 or C), or the starting value(s) of the trainable offset. */
    public double[] getOffset() {
        return offset.clone();
    }

    /** Whether the scale is the trainable parameter {@value #SCALE}. */
    public boolean isTrainableScale() {
        return trainableScale;
    }

    /** Whether the offset is the trainable parameter {@value #OFFSET}. */
    public boolean isTrainableOffset() {
        return trainableOffset;
    }

    @Override
    public List<String> weightKeys() {
        return trainableScale ? Collections.singletonList(SCALE) : Collections.emptyList();
    }

    @Override
    public List<String> biasKeys() {
        return trainableOffset ? Collections.singletonList(OFFSET) : Collections.emptyList();
    }

    @Override
    public void initializeParam(String key, INDArray view) {
        double[] v = SCALE.equals(key) ? scale : offset;
        if (v.length == 1) {
            view.assign(v[0]);
        } else {
            view.assign(Nd4j.createFromArray(v).castTo(view.dataType()).reshape(view.shape()));
        }
    }

    @Override
    protected void checkChannels(long channels) {
        if ((scale.length != 1 && scale.length != channels) || (offset.length != 1 && offset.length != channels)) {
            throw new IllegalArgumentException("ChannelAffineLayer '" + getLayerName() + "' has " + scale.length
                    + " scale and " + offset.length + " offset values; each must be 1 or the channel count " + channels);
        }
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
            INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        ChannelAffineLayer c = (ChannelAffineLayer) conf.getLayer();
        if (c.getNIn() > 0) {
            c.checkChannels(c.getNIn());
        }
        Impl layer = new Impl(conf, networkDataType);
        layer.setListeners(listeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        layer.setParamTable(initializer().init(conf, layerParamsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }

    @Override
    public ChannelAffineLayer clone() {
        ChannelAffineLayer c = (ChannelAffineLayer) super.clone();
        c.scale = scale.clone();
        c.offset = offset.clone();
        return c;
    }

    @Override
    public boolean equals(Object o) {
        if (!super.equals(o)) {
            return false;
        }
        ChannelAffineLayer other = (ChannelAffineLayer) o;
        return Arrays.equals(scale, other.scale) && Arrays.equals(offset, other.offset)
                && trainableScale == other.trainableScale && trainableOffset == other.trainableOffset;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * super.hashCode() + Arrays.hashCode(scale)) + Arrays.hashCode(offset)
                + (trainableScale ? 2 : 0) + (trainableOffset ? 1 : 0);
    }

    /** Builds a {@link ChannelAffineLayer}; without settings it is the identity (scale 1, offset 0, fixed). */
    public static final class Builder extends ChannelwiseLayer.Builder<Builder> {
        private double[] scale = {1.0};
        private double[] offset = {0.0};
        private boolean trainableScale;
        private boolean trainableOffset;

        /** An identity map until scale or offset is set. */
        public Builder() {
        }

        /** Scale: one value for every channel, or one per channel (the starting values when trainable). */
        public Builder scale(double... values) {
            this.scale = checked("scale", values);
            return this;
        }

        /** Offset: one value for every channel, or one per channel (the starting values when trainable). */
        public Builder offset(double... values) {
            this.offset = checked("offset", values);
            return this;
        }

        /** Whether the scale is a trainable {@code [1, C]} parameter ({@value #SCALE}) instead of a constant. */
        public Builder trainableScale(boolean trainable) {
            this.trainableScale = trainable;
            return this;
        }

        /** Whether the offset is a trainable {@code [1, C]} parameter ({@value #OFFSET}) instead of a constant. */
        public Builder trainableOffset(boolean trainable) {
            this.trainableOffset = trainable;
            return this;
        }

        private static double[] checked(String what, double[] values) {
            if (values == null || values.length == 0) {
                throw new IllegalArgumentException(what + " needs at least one value, got none");
            }
            for (double v : values) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException(what + " values must be finite, got " + Arrays.toString(values));
                }
            }
            return values.clone();
        }

        @Override
        @SuppressWarnings("unchecked")
        public ChannelAffineLayer build() {
            ChannelAffineLayer layer = new ChannelAffineLayer(this);
            if (layer.getNIn() > 0) {
                layer.checkChannels(layer.getNIn());
            }
            return layer;
        }
    }

    /** The running layer. */
    static final class Impl extends ChannelwiseLayerImpl<ChannelAffineLayer> {
        private static final long serialVersionUID = 1L;

        Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        /** Scale or offset as a rank-1 [C] array, or a 1-element array for a broadcast constant. */
        private INDArray vector(String key, boolean trainable, double[] fixed) {
            if (trainable) {
                INDArray p = getParam(key);
                return p.reshape(p.length());
            }
            return Nd4j.createFromArray(fixed).castTo(dataType);
        }

        private INDArray applyScale(INDArray x, INDArray s, int axis) {
            return s.length() == 1 ? x.mul(s.getDouble(0)) : mulAlong(x, s, axis);
        }

        @Override
        protected INDArray forward(INDArray x) {
            ChannelAffineLayer c = layerConf();
            int axis = channelAxis(x);
            c.checkChannels(x.size(axis));
            INDArray y = applyScale(x, vector(SCALE, c.trainableScale, c.scale), axis);
            INDArray o = vector(OFFSET, c.trainableOffset, c.offset);
            return o.length() == 1 ? y.addi(o.getDouble(0)) : addAlongInPlace(y, o, axis);
        }

        @Override
        protected INDArray backward(INDArray x, INDArray eps, Gradient gradient) {
            ChannelAffineLayer c = layerConf();
            int axis = channelAxis(x);
            int[] others = otherAxes(x, axis);
            if (c.trainableScale) {
                putGradient(gradient, SCALE, eps.mul(x).sum(others));
            }
            if (c.trainableOffset) {
                putGradient(gradient, OFFSET, eps.sum(others));
            }
            return applyScale(eps, vector(SCALE, c.trainableScale, c.scale), axis);
        }
    }
}
