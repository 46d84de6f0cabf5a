package dev.graft.engine;

import java.lang.reflect.Field;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.LayerHelper;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNLocalResponseNormalizationHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.layers.normalization.LocalResponseNormalization;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's oneDNN layer helpers, given only dense row-major activations.
 *
 * <p>DL4J 1.0.0-M2.1's {@code MKLDNNConvHelper}, {@code MKLDNNBatchNormHelper} and
 * {@code MKLDNNLocalResponseNormalizationHelper} hand their input array to libnd4j's oneDNN op as it is. When that
 * array is a view whose strides are not the row-major ('c') strides of its shape, the op reads the buffer as if they
 * were, and returns garbage that changes from run to run (measured here: max differences of 1e36 for a permuted
 * view, 1-3 for a cropped view). Such views are what DL4J's own layers hand on: {@code Cropping2D} returns a view of
 * its input, {@code SeparableConvolution2D} and {@code DepthwiseConvolution2D} in NHWC return a permuted view, so
 * Keras' Xception and NASNet (a batch norm after a separable convolution) and any convolution after a cropping came
 * out wrong with helpers on. Parameter views (row-major with an offset into the flat parameter vector) are read
 * correctly and are passed unchanged.
 *
 * <p>The subclasses here copy an activation into a dense row-major array when, and only when, its strides are not
 * the dense ones, then call DL4J's helper. Dense inputs (the usual case: the output of a helper-run layer) cost one
 * stride comparison. {@link #guard(Layer)} puts them in place of the helpers DL4J created.
 */
final class DenseInputHelpers {
    private DenseInputHelpers() {
    }

    /**
     * Gives {@code layer} the oneDNN helper DL4J would give it with helpers switched on, in its dense-input form,
     * when it has none: convolutions (not depthwise, separable or transposed: DL4J has no helper for them),
     * pooling and batch normalization, each only where the helper's own support check passes.
     *
     * @return true if a helper was set
     */
    static boolean create(Layer layer) {
        if (layer.getHelper() != null) {
            return false;
        }
        LayerHelper helper = null;
        Class<?> owner = null;
        if (layer instanceof ConvolutionLayer && helperOwner(layer.getClass()) == ConvolutionLayer.class) {
            ConvHelper h = new ConvHelper();
            helper = h.checkSupported() ? h : null;
            owner = ConvolutionLayer.class;
        } else if (layer instanceof SubsamplingLayer && helperOwner(layer.getClass()) == SubsamplingLayer.class) {
            MKLDNNSubsamplingHelper h = new MKLDNNSubsamplingHelper(DataType.FLOAT);
            helper = h.checkSupported() ? h : null;
            owner = SubsamplingLayer.class;
        } else if (layer instanceof BatchNormalization) {
            org.deeplearning4j.nn.conf.layers.BatchNormalization conf =
                    (org.deeplearning4j.nn.conf.layers.BatchNormalization) layer.conf().getLayer();
            BatchNormHelper h = new BatchNormHelper();
            helper = h.checkSupported(conf.getEps(), conf.isLockGammaBeta()) ? h : null;
            owner = BatchNormalization.class;
        }
        if (helper == null) {
            return false;
        }
        setHelper(owner, layer, helper);
        return true;
    }

    /** Removes {@code layer}'s native helper, if it has one, so it runs DL4J's plain path. */
    static void remove(Layer layer) {
        if (layer.getHelper() == null) {
            return;
        }
        for (Class<?> c = layer.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            try {
                c.getDeclaredField("helper");
                setHelper(c, layer, null);
                return;
            } catch (NoSuchFieldException e) {
                // look in the superclass
            }
        }
        throw new IllegalStateException("cannot remove the native helper of " + layer.getClass().getSimpleName()
                + " (no field 'helper' found; DL4J changed?); start without Graft's helpers switch instead");
    }

    /** The class whose {@code initializeHelper} a layer of {@code type} runs (DL4J's subclasses opt out by overriding). */
    private static Class<?> helperOwner(Class<?> type) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            try {
                c.getDeclaredMethod("initializeHelper");
                return c;
            } catch (NoSuchMethodException e) {
                // look in the superclass
            }
        }
        return null;
    }

    private static void setHelper(Class<?> owner, Layer layer, LayerHelper helper) {
        try {
            Field f = owner.getDeclaredField("helper");
            f.setAccessible(true);
            f.set(layer, helper);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot set the oneDNN helper of " + layer.getClass().getSimpleName()
                    + " (DL4J's field 'helper' changed?); set GRAFT_HELPERS=off", e);
        }
    }

    /**
     * Replaces a layer's plain oneDNN helper with the dense-input one; does nothing for other layers or helpers.
     *
     * @return true if the helper was replaced
     */
    static boolean guard(Layer layer) {
        LayerHelper h = layer.getHelper();
        if (h == null || h instanceof Dense) {
            return false;
        }
        LayerHelper replacement;
        Class<?> owner;
        if (h.getClass() == MKLDNNConvHelper.class && layer instanceof ConvolutionLayer) {
            replacement = new ConvHelper();
            owner = ConvolutionLayer.class;
        } else if (h.getClass() == MKLDNNBatchNormHelper.class && layer instanceof BatchNormalization) {
            replacement = new BatchNormHelper();
            owner = BatchNormalization.class;
        } else if (h.getClass() == MKLDNNLocalResponseNormalizationHelper.class
                && layer instanceof LocalResponseNormalization) {
            replacement = new LrnHelper();
            owner = LocalResponseNormalization.class;
        } else {
            return false;
        }
        setHelper(owner, layer, replacement);
        return true;
    }

    /** True for a helper that densifies its inputs. */
    static boolean isGuarded(LayerHelper h) {
        return h instanceof Dense;
    }

    /**
     * The array itself when its strides are the dense row-major strides of its shape (dimensions of size 1 carry no
     * stride), else a dense row-major copy.
     */
    static INDArray dense(INDArray x) {
        if (x == null || isDenseRowMajor(x)) {
            return x;
        }
        return x.dup('c');
    }

    /** Whether {@code x}'s strides are the row-major strides of its shape (its offset may be anything). */
    static boolean isDenseRowMajor(INDArray x) {
        long[] shape = x.shape();
        long[] stride = x.stride();
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /** Marker for Graft's dense-input helpers. */
    private interface Dense {
    }

    /** {@link MKLDNNConvHelper} fed dense inputs and output gradients. */
    static final class ConvHelper extends MKLDNNConvHelper implements Dense {
        ConvHelper() {
            super(DataType.FLOAT);
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray weights, INDArray bias,
                INDArray delta, int[] kernel, int[] strides, int[] pad, INDArray biasGradView,
                INDArray weightGradView, IActivation afn,
                org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode mode,
                org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdFilterAlgo bwdFilterAlgo,
                org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdDataAlgo bwdDataAlgo,
                ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
            return super.backpropGradient(dense(input), weights, bias, dense(delta), kernel, strides, pad,
                    biasGradView, weightGradView, afn, mode, bwdFilterAlgo, bwdDataAlgo, convolutionMode, dilation,
                    format, workspaceMgr);
        }

        @Override
        public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides,
                int[] pad, org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode mode,
                org.deeplearning4j.nn.conf.layers.ConvolutionLayer.FwdAlgo fwdAlgo, ConvolutionMode convolutionMode,
                int[] dilation, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
            return super.preOutput(dense(input), weights, bias, kernel, strides, pad, mode, fwdAlgo,
                    convolutionMode, dilation, format, workspaceMgr);
        }
    }

    /** {@link MKLDNNBatchNormHelper} fed dense inputs and output gradients. */
    static final class BatchNormHelper extends MKLDNNBatchNormHelper implements Dense {
        BatchNormHelper() {
            super(DataType.FLOAT);
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape,
                INDArray gamma, INDArray beta, INDArray dGammaView, INDArray dBetaView, double eps,
                CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
            // a feed-forward batch: DL4J's own backprop (null hands it back). For a channels-last layer the oneDNN
            // helper returned an [N, 1, 1, C] gradient DL4J cannot reshape to [N, C], and training crashed
            if (isFeedForward(input)) {
                return null;
            }
            return super.backpropGradient(dense(input), dense(epsilon), shape, gamma, beta, dGammaView, dBetaView,
                    eps, format, workspaceMgr);
        }

        @Override
        public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta,
                INDArray mean, INDArray var, double decay, double eps, CNN2DFormat format,
                LayerWorkspaceMgr workspaceMgr) {
            if (training && isFeedForward(x)) {
                return null; // trained on DL4J's own path, forward and backward (see backpropGradient)
            }
            return super.preOutput(dense(x), training, shape, gamma, beta, mean, var, decay, eps,
                    featureFormat(x, mean, format), workspaceMgr);
        }

        /** A feed-forward batch as DL4J hands it over: {@code [N, C]}, {@code [N, C, 1, 1]} or {@code [N, 1, 1, C]}. */
        private static boolean isFeedForward(INDArray x) {
            return x.rank() == 2 || x.rank() == 4 && (x.size(2) == 1 && x.size(3) == 1 || x.size(1) == 1 && x.size(2) == 1);
        }

        /**
         * DL4J hands a feed-forward batch {@code [N, C]} to the helper as {@code [N, C, 1, 1]}, with the layer's
         * image format: for a channels-last (Keras) layer the helper then normalizes axis 3, of size 1, and fails
         * (DL4J logs the failure and falls back). The channels of such a batch are on axis 1.
         */
        private static CNN2DFormat featureFormat(INDArray x, INDArray perChannel, CNN2DFormat format) {
            boolean flat = x.rank() == 4 && x.size(2) == 1 && x.size(3) == 1 && perChannel != null
                    && perChannel.length() == x.size(1) && x.size(1) != 1;
            return flat ? CNN2DFormat.NCHW : format;
        }
    }

    /** {@link MKLDNNLocalResponseNormalizationHelper} fed dense inputs and output gradients. */
    static final class LrnHelper extends MKLDNNLocalResponseNormalizationHelper implements Dense {
        LrnHelper() {
            super(DataType.FLOAT);
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, double k, double n,
                double alpha, double beta, LayerWorkspaceMgr workspaceMgr) {
            return super.backpropGradient(dense(input), dense(epsilon), k, n, alpha, beta, workspaceMgr);
        }

        @Override
        public INDArray activate(INDArray x, boolean training, double k, double n, double alpha, double beta,
                LayerWorkspaceMgr workspaceMgr) {
            return super.activate(dense(x), training, k, n, alpha, beta, workspaceMgr);
        }
    }
}
