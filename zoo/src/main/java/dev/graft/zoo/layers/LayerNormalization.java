package dev.graft.zoo.layers;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Layer normalization over the channel axis: for every example and position, over the C channel values,
 * {@code y = (x - mean) / sqrt(var + epsilon) * gamma[c] + beta[c]} with {@code mean} and the biased {@code var}
 * taken over the channels.
 *
 * <p>Source: Keras 3 {@code keras/src/layers/normalization/layer_normalization.py} (its docstring's equations;
 * {@code ops.moments} gives the biased variance), with {@code axis=-1} on channels-last data, which is how ConvNeXt
 * ({@code keras/src/applications/convnext.py}, {@code epsilon=1e-6}) uses it. Keras' {@code rms_scaling} is not
 * supported; neither is normalizing over several axes.
 *
 * <p>Input and output: {@code [N, C]}, {@code [N, C, H, W]} (NCHW, channel axis 1) or {@code [N, H, W, C]} (NHWC,
 * channel axis 3). Parameters, in order, each {@code [1, C]}: {@value #GAMMA} (when {@code scale}, starts at 1, a
 * weight for regularization) and {@value #BETA} (when {@code center}, starts at 0, a bias). Epsilon defaults to
 * Keras' 1e-3. Example: {@code new LayerNormalization.Builder().epsilon(1e-6).dataFormat(CNN2DFormat.NHWC).build()}.
 */
public final class LayerNormalization extends ChannelwiseLayer {
    private static final long serialVersionUID = 1L;
    /** Parameter key of the scale. */
    public static final String GAMMA = "gamma";
    /** Parameter key of the offset. */
    public static final String BETA = "beta";
    /** Keras 3's default epsilon. */
    public static final double DEFAULT_EPSILON = 1e-3;

    @JsonProperty("epsilon")
    private double epsilon = DEFAULT_EPSILON;
    @JsonProperty("center")
    private boolean center = true;
    @JsonProperty("scale")
    private boolean scale = true;

    /** For JSON. */
    private LayerNormalization() {
    }

    private LayerNormalization(Builder b) {
        super(b);
        this.epsilon = b.epsilon;
        this.center = b.center;
        this.scale = b.scale;
    }

    /** The epsilon added to the variance. */
    public double getEpsilon() {
        return epsilon;
    }

    /** Whether the layer adds the trainable {@value #BETA} (Keras {@code center}). */
    public boolean isCenter() {
        return center;
    }

    /** Whether the layer multiplies by the trainable {@value #GAMMA} (Keras {@code scale}). */
    public boolean isScale() {
        return scale;
    }

    @Override
    public List<String> weightKeys() {
        return scale ? Collections.singletonList(GAMMA) : Collections.emptyList();
    }

    @Override
    public List<String> biasKeys() {
        return center ? Collections.singletonList(BETA) : Collections.emptyList();
    }

    @Override
    public void initializeParam(String key, INDArray view) {
        view.assign(GAMMA.equals(key) ? 1.0 : 0.0);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
            INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        Impl layer = new Impl(conf, networkDataType);
        layer.setListeners(listeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        layer.setParamTable(initializer().init(conf, layerParamsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }

    @Override
    public LayerNormalization clone() {
        return (LayerNormalization) super.clone();
    }

    @Override
    public boolean equals(Object o) {
        if (!super.equals(o)) {
            return false;
        }
        LayerNormalization other = (LayerNormalization) o;
        return Double.compare(epsilon, other.epsilon) == 0 && center == other.center && scale == other.scale;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Double.hashCode(epsilon) + (center ? 2 : 0) + (scale ? 1 : 0);
    }

    /** Builds a {@link LayerNormalization}: epsilon 1e-3, center and scale on, as Keras. */
    public static final class Builder extends ChannelwiseLayer.Builder<Builder> {
        private double epsilon = DEFAULT_EPSILON;
        private boolean center = true;
        private boolean scale = true;

        /** Keras' defaults. */
        public Builder() {
        }

        /** Added to the variance; must be &gt; 0 (Keras default 1e-3, ConvNeXt 1e-6). */
        public Builder epsilon(double epsilon) {
            if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
                throw new IllegalArgumentException("LayerNormalization epsilon must be a positive number, got "
                        + epsilon);
            }
            this.epsilon = epsilon;
            return this;
        }

        /** Keras {@code center}: add the trainable {@value #BETA}. */
        public Builder center(boolean center) {
            this.center = center;
            return this;
        }

        /** Keras {@code scale}: multiply by the trainable {@value #GAMMA}. */
        public Builder scale(boolean scale) {
            this.scale = scale;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public LayerNormalization build() {
            return new LayerNormalization(this);
        }
    }

    /** The running layer. */
    static final class Impl extends ChannelwiseLayerImpl<LayerNormalization> {
        private static final long serialVersionUID = 1L;

        Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        /** x - mean over the channel axis, and 1 / sqrt(var + eps) with the channel axis removed. */
        private INDArray[] normalize(INDArray x, int axis) {
            int[] others = otherAxes(x, axis);
            INDArray mean = x.mean(axis);
            INDArray centered = x.ulike();
            Nd4j.getExecutioner().exec(new BroadcastSubOp(x, mean, centered, others));
            INDArray var = centered.mul(centered).mean(axis);
            INDArray inv = Transforms.pow(var.addi(layerConf().getEpsilon()), -0.5, false);
            INDArray xhat = centered.ulike();
            Nd4j.getExecutioner().exec(new BroadcastMulOp(centered, inv, xhat, others));
            return new INDArray[] {xhat, inv};
        }

        @Override
        protected INDArray forward(INDArray x) {
            int axis = channelAxis(x);
            INDArray y = normalize(x, axis)[0];
            if (layerConf().isScale()) {
                y = mulAlong(y, getParam(GAMMA), axis);
            }
            if (layerConf().isCenter()) {
                addAlongInPlace(y, getParam(BETA), axis);
            }
            return y;
        }

        @Override
        protected INDArray backward(INDArray x, INDArray eps, Gradient gradient) {
            int axis = channelAxis(x);
            int[] others = otherAxes(x, axis);
            INDArray[] n = normalize(x, axis);
            INDArray xhat = n[0];
            INDArray inv = n[1];
            if (layerConf().isScale()) {
                putGradient(gradient, GAMMA, eps.mul(xhat).sum(others));
            }
            if (layerConf().isCenter()) {
                putGradient(gradient, BETA, eps.sum(others));
            }
            // g = dL/dxhat; dx = inv * (g - mean_c(g) - xhat * mean_c(g * xhat))
            INDArray g = layerConf().isScale() ? mulAlong(eps, getParam(GAMMA), axis) : eps.dup();
            INDArray meanG = g.mean(axis);
            INDArray meanGx = g.mul(xhat).mean(axis);
            INDArray dx = g.ulike();
            Nd4j.getExecutioner().exec(new BroadcastSubOp(g, meanG, dx, others));
            INDArray t = xhat.ulike();
            Nd4j.getExecutioner().exec(new BroadcastMulOp(xhat, meanGx, t, others));
            dx.subi(t);
            Nd4j.getExecutioner().exec(new BroadcastMulOp(dx, inv, dx, others));
            return dx;
        }
    }
}
