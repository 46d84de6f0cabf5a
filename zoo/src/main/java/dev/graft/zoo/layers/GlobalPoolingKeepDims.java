package dev.graft.zoo.layers;

import java.util.Arrays;
import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.NoParamLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Global average or max pooling that keeps the spatial axes: {@code [N, C, H, W] -> [N, C, 1, 1]} (NCHW) or
 * {@code [N, H, W, C] -> [N, 1, 1, C]} (NHWC); {@code y[n, c] = mean} (or {@code max}) over h, w of
 * {@code x[n, c, h, w]}.
 *
 * <p>Source: Keras 3 {@code keras/src/layers/pooling/global_average_pooling2d.py} /
 * {@code global_max_pooling2d.py} with {@code keepdims=True} ({@code ops.mean} / {@code ops.max} over the spatial
 * axes, keepdims), as in the squeeze step of EfficientNet's and MobileNetV3's squeeze-and-excitation blocks
 * (followed there by 1x1 convolutions). Max pooling's gradient is shared equally among tied maxima, as
 * TensorFlow's {@code reduce_max} gradient does.
 *
 * <p>Why not DL4J's {@code GlobalPoolingLayer.collapseDimensions(false)}: in 1.0.0-M2.1 it reshapes its
 * {@code [N, C]} result to {@code [N, input.size(1), 1, 1]}, which for NHWC input is {@code [N, H, 1, 1]} — wrong
 * (and an exception unless H = C) — and its backward pass makes the same assumption. For NCHW it is correct.
 * The layout comes from the network's {@code InputType} or {@link Builder#dataFormat}. No parameters.
 */
public final class GlobalPoolingKeepDims extends NoParamLayer {
    private static final long serialVersionUID = 1L;

    @JsonProperty("poolingType")
    private PoolingType poolingType = PoolingType.AVG;
    @JsonProperty("dataFormat")
    private CNN2DFormat dataFormat = CNN2DFormat.NCHW;

    /** For JSON. */
    private GlobalPoolingKeepDims() {
    }

    private GlobalPoolingKeepDims(Builder b) {
        super(b);
        this.poolingType = b.poolingType;
        this.dataFormat = b.dataFormat;
    }

    /** Global average pooling keeping dims (Keras {@code GlobalAveragePooling2D(keepdims=True)}), layout from the input type. */
    public static GlobalPoolingKeepDims average() {
        return new Builder(PoolingType.AVG).build();
    }

    /** Global max pooling keeping dims (Keras {@code GlobalMaxPooling2D(keepdims=True)}), layout from the input type. */
    public static GlobalPoolingKeepDims max() {
        return new Builder(PoolingType.MAX).build();
    }

    /** {@code AVG} or {@code MAX}. */
    public PoolingType getPoolingType() {
        return poolingType;
    }

    /** The layout of input and output. */
    public CNN2DFormat getDataFormat() {
        return dataFormat;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (inputType.getType() != InputType.Type.CNN) {
            throw new IllegalArgumentException("GlobalPoolingKeepDims '" + getLayerName()
                    + "' takes convolutional (NCHW / NHWC) input, got " + inputType);
        }
        dataFormat = ((InputType.InputTypeConvolutional) inputType).getFormat();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (inputType == null || inputType.getType() != InputType.Type.CNN) {
            throw new IllegalArgumentException("GlobalPoolingKeepDims '" + getLayerName()
                    + "' takes convolutional (NCHW / NHWC) input, got " + inputType);
        }
        InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType;
        return InputType.convolutional(1, 1, c.getChannels(), c.getFormat());
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        InputType out = getOutputType(-1, inputType);
        return new LayerMemoryReport.Builder(getLayerName(), GlobalPoolingKeepDims.class, inputType, out)
                .standardMemory(0, 0).workingMemory(0, 0, 0, inputType.arrayElementsPerExample())
                .cacheMemory(0, 0).build();
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
    public boolean equals(Object o) {
        return o instanceof GlobalPoolingKeepDims && super.equals(o)
                && ((GlobalPoolingKeepDims) o).poolingType == poolingType
                && ((GlobalPoolingKeepDims) o).dataFormat == dataFormat;
    }

    @Override
    public int hashCode() {
        return (31 * super.hashCode() + poolingType.hashCode()) * 31 + dataFormat.hashCode();
    }

    /** Builds a {@link GlobalPoolingKeepDims}. */
    public static final class Builder extends org.deeplearning4j.nn.conf.layers.Layer.Builder<Builder> {
        private final PoolingType poolingType;
        private CNN2DFormat dataFormat = CNN2DFormat.NCHW;

        /**
         * Pooling of the given type.
         *
         * @throws IllegalArgumentException unless {@code AVG} or {@code MAX}
         */
        public Builder(PoolingType poolingType) {
            if (poolingType != PoolingType.AVG && poolingType != PoolingType.MAX) {
                throw new IllegalArgumentException("GlobalPoolingKeepDims supports AVG and MAX pooling, got "
                        + poolingType);
            }
            this.poolingType = poolingType;
        }

        /** Layout (default NCHW); a convolutional {@code InputType} overrides it. */
        public Builder dataFormat(CNN2DFormat format) {
            if (format == null) {
                throw new IllegalArgumentException("dataFormat must be NCHW or NHWC, got null");
            }
            this.dataFormat = format;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public GlobalPoolingKeepDims build() {
            return new GlobalPoolingKeepDims(this);
        }
    }

    /** The running layer. */
    static final class Impl extends AbstractLayer<GlobalPoolingKeepDims> {
        private static final long serialVersionUID = 1L;

        Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        private int[] spatial(INDArray x) {
            if (x.rank() != 4) {
                throw new IllegalArgumentException("GlobalPoolingKeepDims '" + layerConf().getLayerName()
                        + "' takes 4-d input, got shape " + Arrays.toString(x.shape()));
            }
            return layerConf().getDataFormat() == CNN2DFormat.NHWC ? new int[] {1, 2} : new int[] {2, 3};
        }

        private int[] batchAndChannel() {
            return layerConf().getDataFormat() == CNN2DFormat.NHWC ? new int[] {0, 3} : new int[] {0, 1};
        }

        private long[] keptShape(INDArray x) {
            return layerConf().getDataFormat() == CNN2DFormat.NHWC ? new long[] {x.size(0), 1, 1, x.size(3)}
                    : new long[] {x.size(0), x.size(1), 1, 1};
        }

        @Override
        public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
            assertInputSet(false);
            INDArray x = input.castTo(dataType);
            int[] sp = spatial(x);
            INDArray pooled = layerConf().getPoolingType() == PoolingType.MAX ? x.max(sp) : x.mean(sp);
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, keptShape(x), 'c');
            return out.assign(pooled.reshape(out.shape()));
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            assertInputSet(true);
            INDArray x = input.castTo(dataType);
            int[] sp = spatial(x);
            int[] bc = batchAndChannel();
            INDArray eps2d = epsilon.castTo(dataType).reshape(x.size(0), x.size(bc[1]));
            INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
            if (layerConf().getPoolingType() == PoolingType.MAX) {
                INDArray diff = x.ulike();
                Nd4j.getExecutioner().exec(new BroadcastSubOp(x, x.max(sp), diff, bc));
                INDArray isMax = diff.eq(0.0).castTo(dataType);
                INDArray share = eps2d.div(isMax.sum(sp));
                Nd4j.getExecutioner().exec(new BroadcastMulOp(isMax, share, dx, bc));
            } else {
                long count = x.size(sp[0]) * x.size(sp[1]);
                dx.assign(0.0);
                Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp(dx,
                        eps2d.div(count), dx, bc));
            }
            return new Pair<>(new DefaultGradient(), dx);
        }

        @Override
        public double calcRegularizationScore(boolean backpropParamsOnly) {
            return 0;
        }

        @Override
        public Type type() {
            return Type.SUBSAMPLING;
        }

        @Override
        public boolean isPretrainLayer() {
            return false;
        }

        @Override
        public void clearNoiseWeightParams() {
        }

        @Override
        public INDArray params() {
            return null;
        }
    }
}
