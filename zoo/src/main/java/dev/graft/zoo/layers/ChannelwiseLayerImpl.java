package dev.graft.zoo.layers;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runtime side of a {@link ChannelwiseLayer}: parameter handling comes from DL4J's {@code BaseLayer} (flat views,
 * updater, regularization); subclasses give the forward pass and the gradients.
 *
 * @param <T> the layer's configuration
 */
abstract class ChannelwiseLayerImpl<T extends ChannelwiseLayer> extends BaseLayer<T> {
    private static final long serialVersionUID = 1L;

    ChannelwiseLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** y for input x (both in the layer's data type). */
    protected abstract INDArray forward(INDArray x);

    /**
     * dL/dx for input x and dL/dy {@code eps}; writes the parameter gradients into {@code grads} (the gradient
     * views, {@code [1, C]} each) and records them in {@code gradient}.
     */
    protected abstract INDArray backward(INDArray x, INDArray eps, Gradient gradient);

    /** The channel axis of {@code x}: 1 for [N, C] and NCHW, 3 for NHWC. */
    protected int channelAxis(INDArray x) {
        if (x.rank() == 2) {
            return 1;
        }
        if (x.rank() == 4) {
            return layerConf().getDataFormat() == CNN2DFormat.NHWC ? 3 : 1;
        }
        throw new IllegalArgumentException(getClass().getSimpleName() + " '" + layerConf().getLayerName()
                + "' takes [N, C] or 4-d input, got shape " + java.util.Arrays.toString(x.shape()));
    }

    /** Every axis of {@code x} but {@code axis}. */
    protected static int[] otherAxes(INDArray x, int axis) {
        int[] out = new int[x.rank() - 1];
        for (int i = 0, j = 0; i < x.rank(); i++) {
            if (i != axis) {
                out[j++] = i;
            }
        }
        return out;
    }

    /** {@code x * v} with the rank-1 {@code v} along {@code axis}, as a new array. */
    protected static INDArray mulAlong(INDArray x, INDArray v, int axis) {
        INDArray out = x.ulike();
        Nd4j.getExecutioner().exec(new BroadcastMulOp(x, v.reshape(v.length()), out, axis));
        return out;
    }

    /** {@code x + v} with the rank-1 {@code v} along {@code axis}, in place. */
    protected static INDArray addAlongInPlace(INDArray x, INDArray v, int axis) {
        Nd4j.getExecutioner().exec(new BroadcastAddOp(x, v.reshape(v.length()), x, axis));
        return x;
    }

    /** Checks that x has C = nIn channels along its channel axis (when the layer knows C). */
    protected void checkChannels(INDArray x, int axis) {
        if (layerConf().getNIn() > 0 && x.size(axis) != layerConf().getNIn()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " '" + layerConf().getLayerName()
                    + "' was configured for " + layerConf().getNIn() + " channels (" + layerConf().getDataFormat()
                    + " for 4-d input) but got shape " + java.util.Arrays.toString(x.shape())
                    + " (channel axis " + axis + "); set dataFormat to match the input layout");
        }
    }

    @Override
    public Type type() {
        return Type.NORMALIZATION;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray x = input.castTo(dataType);
        checkChannels(x, channelAxis(x));
        INDArray y = forward(x);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, y.shape(), 'c');
        return out.assign(y);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray x = input.castTo(dataType);
        Gradient gradient = new DefaultGradient(gradientsFlattened);
        INDArray dx = backward(x, epsilon.castTo(dataType), gradient);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, dx.shape(), 'c');
        out.assign(dx);
        weightNoiseParams.clear();
        return new Pair<>(gradient, backpropDropOutIfPresent(out));
    }

    /** Stores {@code g} (rank 1, C values) as the gradient of {@code key}. */
    protected void putGradient(Gradient gradient, String key, INDArray g) {
        INDArray view = gradientViews.get(key);
        view.assign(g.reshape(view.shape()));
        gradient.setGradientFor(key, view);
    }
}
