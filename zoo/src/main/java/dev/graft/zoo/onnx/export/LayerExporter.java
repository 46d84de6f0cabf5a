package dev.graft.zoo.onnx.export;

import static dev.graft.zoo.onnx.export.OnnxGraphDraft.attr;

import dev.graft.zoo.layers.ChannelAffineLayer;
import dev.graft.zoo.layers.GlobalPoolingKeepDims;
import dev.graft.zoo.layers.LayerNormalization;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import onnx.Onnx;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.layers.convolutional.Cropping2D;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.preprocessors.ReshapePreprocessor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J layer configurations and preprocessors as ONNX nodes, one layer at a time. Parameters come from the running
 * layer's parameter table (DL4J's keys: {@code W}, {@code b}, {@code pW}, {@code gamma}, ...).
 */
final class LayerExporter {
    private LayerExporter() {
    }

    /** The layer inside DL4J's frozen wrappers (transfer learning wraps frozen layers; they compute the same). */
    static Layer unwrap(Layer l) {
        return dev.graft.engine.Frozen.unwrap(l);
    }

    /**
     * Writes {@code layer} (named {@code name}) applied to {@code x}.
     *
     * @throws OnnxExportException for a layer type or setting not translated
     */
    static Dl4jTensor layer(OnnxGraphDraft g, String name, Layer wrapped, Map<String, INDArray> params, Dl4jTensor x)
            throws OnnxExportException {
        Layer l = unwrap(wrapped);
        Dl4jTensor y;
        if (l instanceof ConvolutionLayer) {
            y = convolution(g, name, (ConvolutionLayer) l, params, x);
        } else if (l instanceof BatchNormalization) {
            // DL4J's batch-norm layer never applies its activation setting (which defaults to sigmoid)
            return batchNorm(g, name, (BatchNormalization) l, params, x);
        } else if (l instanceof OutputLayer || (l instanceof DenseLayer && l.getClass() == DenseLayer.class)) {
            y = dense(g, name, (BaseLayer) l, params, x);
        } else if (l instanceof SubsamplingLayer && l.getClass() == SubsamplingLayer.class) {
            y = pooling(g, name, (SubsamplingLayer) l, x);
        } else if (l instanceof GlobalPoolingLayer) {
            return globalPooling(g, name, (GlobalPoolingLayer) l, x);
        } else if (l instanceof GlobalPoolingKeepDims) {
            GlobalPoolingKeepDims p = (GlobalPoolingKeepDims) l;
            requireImage(l, name, x, p.getDataFormat());
            return x.resized(reduce(g, name, p.getPoolingType(), l, x.name(), new long[] {2, 3}, true), 1, 1);
        } else if (l instanceof ActivationLayer) {
            return ActivationExporter.apply(g, ((ActivationLayer) l).getActivationFn(), x, name);
        } else if (l.getClass() == LossLayer.class) {
            // inference: a loss layer applies its activation and nothing else
            return ActivationExporter.apply(g, ((LossLayer) l).getActivationFn(), x, name);
        } else if (l instanceof DropoutLayer) {
            return x; // inference: identity
        } else if (l instanceof ZeroPaddingLayer) {
            ZeroPaddingLayer z = (ZeroPaddingLayer) l;
            requireImage(l, name, x, z.getDataFormat());
            int[] p = z.getPadding(); // top, bottom, left, right
            String pads = g.int64Const(name + "/pads", 0, 0, p[0], p[2], 0, 0, p[1], p[3]);
            return x.resized(g.node("Pad", name, List.of(x.name(), pads), attr("mode", "constant")),
                    x.height() + p[0] + p[1], x.width() + p[2] + p[3]);
        } else if (l instanceof Cropping2D) {
            Cropping2D c = (Cropping2D) l;
            requireImage(l, name, x, c.getDataFormat());
            int[] p = c.getCropping(); // top, bottom, left, right
            String starts = g.int64Const(name + "/starts", p[0], p[2]);
            String ends = g.int64Const(name + "/ends", p[1] == 0 ? Long.MAX_VALUE : -p[1],
                    p[3] == 0 ? Long.MAX_VALUE : -p[3]);
            String axes = g.int64Const(name + "/axes", 2, 3);
            return x.resized(g.node("Slice", name, List.of(x.name(), starts, ends, axes)),
                    x.height() - p[0] - p[1], x.width() - p[2] - p[3]);
        } else if (l.getClass() == Upsampling2D.class) {
            Upsampling2D u = (Upsampling2D) l;
            requireImage(l, name, x, u.getFormat());
            int[] s = u.getSize();
            String scales = g.floatConst(name + "/scales", new float[] {1, 1, s[0], s[s.length > 1 ? 1 : 0]}, 4);
            return x.resized(g.node("Resize", name, List.of(x.name(), "", scales), attr("mode", "nearest"),
                    attr("coordinate_transformation_mode", "asymmetric"), attr("nearest_mode", "floor")),
                    x.height() * s[0], x.width() * s[s.length > 1 ? 1 : 0]);
        } else if (l instanceof LocalResponseNormalization) {
            return lrn(g, name, (LocalResponseNormalization) l, x);
        } else if (l instanceof ChannelAffineLayer) {
            return channelAffine(g, name, (ChannelAffineLayer) l, params, x);
        } else if (l instanceof LayerNormalization) {
            return layerNorm(g, name, (LayerNormalization) l, params, x);
        } else {
            throw new OnnxExportException("cannot export layer '" + name + "' of type " + l.getClass().getName()
                    + " to ONNX: the exporter does not translate this layer type. Cut the network before it "
                    + "(the part after it then runs in DL4J), or add it to " + LayerExporter.class.getName());
        }
        if (l instanceof BaseLayer) {
            return ActivationExporter.apply(g, ((BaseLayer) l).getActivationFn(), y, name);
        }
        return y;
    }

    /**
     * Writes DL4J preprocessor {@code p} (before layer {@code where}) applied to {@code x}.
     *
     * @throws OnnxExportException for a preprocessor not translated
     */
    static Dl4jTensor preprocessor(OnnxGraphDraft g, String where, InputPreProcessor p, Dl4jTensor x)
            throws OnnxExportException {
        String hint = where + "/preprocess";
        if (p instanceof CnnToFeedForwardPreProcessor) {
            if (!x.image()) {
                return x; // DL4J passes 2-d input through unchanged
            }
            // DL4J reshapes its own array in C order: [c, h, w] for NCHW, [h, w, c] for NHWC
            String in = x.format() == CNN2DFormat.NHWC ? toDl4jLayout(g, x, hint + "_nhwc") : x.name();
            return Dl4jTensor.features(g.node("Flatten", hint, List.of(in), attr("axis", 1L)));
        }
        if (p instanceof FeedForwardToCnnPreProcessor) {
            FeedForwardToCnnPreProcessor f = (FeedForwardToCnnPreProcessor) p;
            if (x.image()) {
                return x;
            }
            String shape = g.int64Const(hint + "_shape", -1, f.getNumChannels(), f.getInputHeight(),
                    f.getInputWidth());
            return Dl4jTensor.image(g.node("Reshape", hint, List.of(x.name(), shape)), CNN2DFormat.NCHW,
                    f.getInputHeight(), f.getInputWidth());
        }
        if (p instanceof ReshapePreprocessor) {
            return reshape(g, hint, where, (ReshapePreprocessor) p, x);
        }
        throw new OnnxExportException("cannot export the input preprocessor " + p.getClass().getName() + " of '"
                + where + "' to ONNX: only CnnToFeedForwardPreProcessor, FeedForwardToCnnPreProcessor and "
                + "ReshapePreprocessor are translated. Cut the network before '" + where + "'");
    }

    /**
     * DL4J's ReshapePreprocessor (Keras' Reshape): DL4J's array reshaped in C order to the target shape; a 4-d
     * result is an image in the layout DL4J's {@code getOutputType} gives it (NHWC from a flat input).
     */
    private static Dl4jTensor reshape(OnnxGraphDraft g, String hint, String where, ReshapePreprocessor p,
            Dl4jTensor x) throws OnnxExportException {
        long[] t = p.getTargetShape();
        long[] target = p.isHasMiniBatchDimension() ? Arrays.copyOfRange(t, 1, t.length) : t;
        String in = toDl4jLayout(g, x, hint + "_dl4j_layout");
        long[] shape = new long[target.length + 1]; // 0: keep the batch size
        System.arraycopy(target, 0, shape, 1, target.length);
        String out = g.node("Reshape", hint, List.of(in, g.int64Const(hint + "_shape", shape)));
        if (target.length == 1) {
            return Dl4jTensor.features(out);
        }
        if (target.length != 3) {
            throw new OnnxExportException("cannot export the ReshapePreprocessor of '" + where + "' to ONNX: target "
                    + "shape " + Arrays.toString(target) + " is neither flat nor an image; cut the network before '"
                    + where + "'");
        }
        CNN2DFormat f = p.getInputShape().length == 1 || !x.image() ? CNN2DFormat.NHWC
                : p.getFormat() instanceof CNN2DFormat ? (CNN2DFormat) p.getFormat() : CNN2DFormat.NCHW;
        if (f == CNN2DFormat.NHWC) {
            return Dl4jTensor.image(g.node("Transpose", hint + "_nchw", List.of(out), attr("perm", 0L, 3L, 1L, 2L)),
                    f, target[0], target[1]);
        }
        return Dl4jTensor.image(out, f, target[1], target[2]);
    }

    /** {@code x} in the layout DL4J holds it in: the graph's channels-first tensor transposed for NHWC. */
    static String toDl4jLayout(OnnxGraphDraft g, Dl4jTensor x, String hint) {
        if (!x.image() || x.format() == CNN2DFormat.NCHW) {
            return x.name();
        }
        return g.node("Transpose", hint, List.of(x.name()), attr("perm", 0L, 2L, 3L, 1L));
    }

    private static void requireImage(Layer l, String name, Dl4jTensor x, CNN2DFormat layerFormat)
            throws OnnxExportException {
        if (!x.image()) {
            throw new OnnxExportException("layer '" + name + "' (" + l.getClass().getSimpleName() + ") expects "
                    + "an image activation but receives a " + x.describe() + "; the exporter cannot tell how DL4J "
                    + "would reshape it. Add a FeedForwardToCnnPreProcessor before it");
        }
        if (layerFormat != null && layerFormat != x.format()) {
            throw new OnnxExportException("layer '" + name + "' (" + l.getClass().getSimpleName() + ") is set to "
                    + layerFormat + " but receives an activation in " + x.format() + "; DL4J would read the "
                    + "array in the wrong layout. Set the layer's data format to " + x.format());
        }
    }

    private static Dl4jTensor convolution(OnnxGraphDraft g, String name, ConvolutionLayer c,
            Map<String, INDArray> params, Dl4jTensor x) throws OnnxExportException {
        requireImage(c, name, x, c.getCnn2dDataFormat());
        List<Onnx.AttributeProto> attrs = windowAttributes(name, c, x, c.getConvolutionMode(), c.getKernelSize(),
                c.getStride(), c.getPadding(), c.getDilation(), true);
        INDArray w = param(params, name, c, "W");
        String out;
        if (c instanceof DepthwiseConvolution2D) {
            // DL4J: W [kH, kW, nIn, depthMultiplier]; output channel c * m + j, as ONNX's grouped convolution
            long[] s = w.shape();
            INDArray onnxW = w.permute(2, 3, 0, 1).dup('c').reshape(s[2] * s[3], 1, s[0], s[1]);
            List<String> in = new ArrayList<>(List.of(x.name(), weights(g, name + "/W", onnxW)));
            if (c.hasBias()) {
                in.add(vector(g, name + "/b", param(params, name, c, "b")));
            }
            attrs.add(attr("group", s[2]));
            out = g.node("Conv", name, in, attrs.toArray(new Onnx.AttributeProto[0]));
        } else if (c instanceof SeparableConvolution2D) {
            // DL4J: W (depth-wise) [depthMultiplier, nIn, kH, kW], pW (point-wise) [nOut, nIn * depthMultiplier, 1, 1]
            long[] s = w.shape();
            INDArray onnxW = w.permute(1, 0, 2, 3).dup('c').reshape(s[0] * s[1], 1, s[2], s[3]);
            attrs.add(attr("group", s[1]));
            String depth = g.node("Conv", name + "/depthwise", List.of(x.name(), weights(g, name + "/W", onnxW)),
                    attrs.toArray(new Onnx.AttributeProto[0]));
            List<String> in = new ArrayList<>(List.of(depth, weights(g, name + "/pW",
                    param(params, name, c, "pW"))));
            if (c.hasBias()) {
                in.add(vector(g, name + "/b", param(params, name, c, "b")));
            }
            out = g.node("Conv", name, in);
        } else if (c.getClass() == ConvolutionLayer.class) {
            // DL4J: W [nOut, nIn, kH, kW] (OIHW) in either data format
            List<String> in = new ArrayList<>(List.of(x.name(), weights(g, name + "/W", w)));
            if (c.hasBias()) {
                in.add(vector(g, name + "/b", param(params, name, c, "b")));
            }
            out = g.node("Conv", name, in, attrs.toArray(new Onnx.AttributeProto[0]));
        } else {
            throw new OnnxExportException("cannot export layer '" + name + "' of type " + c.getClass().getName()
                    + " to ONNX: only DL4J's ConvolutionLayer, DepthwiseConvolution2D and SeparableConvolution2D "
                    + "are translated, not subclasses that may compute otherwise. Cut the network before it");
        }
        long[] size = outputSize(x, c.getConvolutionMode(), c.getKernelSize(), c.getStride(), c.getPadding(),
                c.getDilation());
        return x.resized(out, size[0], size[1]);
    }

    /** Output height and width of a convolution or pooling window (-1 where the input's is unknown). */
    private static long[] outputSize(Dl4jTensor x, ConvolutionMode mode, int[] kernel, int[] stride, int[] padding,
            int[] dilation) {
        long[] in = {x.height(), x.width()};
        long[] out = new long[2];
        for (int i = 0; i < 2; i++) {
            int d = dilation == null ? 1 : dilation[i];
            long effK = (long) (kernel[i] - 1) * d + 1;
            if (in[i] < 0) {
                out[i] = -1;
            } else if (mode == ConvolutionMode.Same) {
                out[i] = (in[i] + stride[i] - 1) / stride[i];
            } else {
                out[i] = (in[i] + 2L * padding[i] - effK) / stride[i] + 1;
            }
        }
        return out;
    }

    /** kernel_shape, strides, dilations and padding (explicit, or SAME_UPPER for DL4J's Same mode). */
    private static List<Onnx.AttributeProto> windowAttributes(String name, Layer l, Dl4jTensor x, ConvolutionMode mode,
            int[] kernel, int[] stride, int[] padding, int[] dilation, boolean withDilation)
            throws OnnxExportException {
        List<Onnx.AttributeProto> a = new ArrayList<>();
        a.add(attr("kernel_shape", kernel[0], kernel[1]));
        a.add(attr("strides", stride[0], stride[1]));
        int[] d = dilation == null ? new int[] {1, 1} : dilation;
        if (withDilation) {
            a.add(attr("dilations", d[0], d[1]));
        } else if (d[0] != 1 || d[1] != 1) {
            throw new OnnxExportException("cannot export layer '" + name + "' (" + l.getClass().getSimpleName()
                    + ") to ONNX: dilation " + Arrays.toString(d) + " is not available for this operator in "
                    + "opset 17; use dilation 1");
        }
        if (mode == ConvolutionMode.Same && (d[0] != 1 || d[1] != 1)) {
            // ONNX Runtime refuses auto_pad with dilation: explicit pads, as libnd4j's calcPadding2D computes them
            if (x.height() < 0 || x.width() < 0) {
                throw new OnnxExportException("cannot export layer '" + name + "' (" + l.getClass().getSimpleName()
                        + ", Same mode, dilation " + Arrays.toString(d) + ") without knowing its input's height and "
                        + "width; set OnnxExporter.Builder.inputTypes(InputType.convolutional(h, w, c, format))");
            }
            long[] in = {x.height(), x.width()};
            long[] before = new long[2];
            long[] after = new long[2];
            for (int i = 0; i < 2; i++) {
                long out = (in[i] + stride[i] - 1) / stride[i];
                long total = Math.max((out - 1) * stride[i] + (long) (kernel[i] - 1) * d[i] + 1 - in[i], 0);
                before[i] = total / 2;
                after[i] = total - before[i];
            }
            a.add(attr("pads", before[0], before[1], after[0], after[1]));
        } else if (mode == ConvolutionMode.Same) {
            // DL4J (libnd4j calcPadding2D): total padding split with the odd pixel at the bottom/right
            a.add(attr("auto_pad", "SAME_UPPER"));
        } else if (mode == ConvolutionMode.Truncate || mode == ConvolutionMode.Strict || mode == null) {
            a.add(attr("pads", padding[0], padding[1], padding[0], padding[1]));
        } else {
            throw new OnnxExportException("cannot export layer '" + name + "' (" + l.getClass().getSimpleName()
                    + ") to ONNX: convolution mode " + mode + " is not translated; use Same, Truncate or Strict");
        }
        return a;
    }

    private static Dl4jTensor batchNorm(OnnxGraphDraft g, String name, BatchNormalization b,
            Map<String, INDArray> params, Dl4jTensor x) throws OnnxExportException {
        if (x.image()) {
            requireImage(b, name, x, b.getCnn2DFormat());
        }
        INDArray mean = param(params, name, b, "mean");
        long n = mean.length();
        INDArray var;
        if (b.isUseLogStd()) {
            // DL4J: var = (10^log10std)^2, then divides by sqrt(var + eps)
            INDArray log10std = param(params, name, b, "log10stdev").castTo(DataType.DOUBLE);
            INDArray std = org.nd4j.linalg.ops.transforms.Transforms.pow(
                    log10std.like().assign(10.0), log10std, true);
            var = std.mul(std);
        } else {
            var = param(params, name, b, "var");
        }
        INDArray gamma = b.isLockGammaBeta() ? mean.castTo(DataType.DOUBLE).like().assign(b.getGamma())
                : param(params, name, b, "gamma");
        INDArray beta = b.isLockGammaBeta() ? mean.castTo(DataType.DOUBLE).like().assign(b.getBeta())
                : param(params, name, b, "beta");
        List<String> in = List.of(x.name(), vector(g, name + "/gamma", gamma), vector(g, name + "/beta", beta),
                vector(g, name + "/mean", mean), vector(g, name + "/var", var));
        if (n <= 0) {
            throw new IllegalStateException("batch norm '" + name + "' has no channels");
        }
        return x.renamed(g.node("BatchNormalization", name, in, attr("epsilon", (float) b.getEps())));
    }

    private static Dl4jTensor dense(OnnxGraphDraft g, String name, BaseLayer d, Map<String, INDArray> params,
            Dl4jTensor x) throws OnnxExportException {
        if (x.image()) {
            throw new OnnxExportException("layer '" + name + "' (" + d.getClass().getSimpleName() + ") receives an "
                    + x.describe() + " without a CnnToFeedForwardPreProcessor; DL4J's own configuration would add "
                    + "one (setInputType). Rebuild the configuration with an input type");
        }
        List<String> in = new ArrayList<>(List.of(x.name(), weights(g, name + "/W", param(params, name, d, "W"))));
        boolean hasBias = d instanceof DenseLayer ? ((DenseLayer) d).hasBias() : ((OutputLayer) d).hasBias();
        if (hasBias) {
            in.add(vector(g, name + "/b", param(params, name, d, "b")));
        }
        return Dl4jTensor.features(g.node("Gemm", name, in));
    }

    private static Dl4jTensor pooling(OnnxGraphDraft g, String name, SubsamplingLayer s, Dl4jTensor x)
            throws OnnxExportException {
        requireImage(s, name, x, s.getCnn2dDataFormat());
        PoolingType t = s.getPoolingType();
        List<Onnx.AttributeProto> attrs;
        String op;
        if (t == PoolingType.MAX) {
            op = "MaxPool";
            attrs = windowAttributes(name, s, x, s.getConvolutionMode(), s.getKernelSize(), s.getStride(),
                    s.getPadding(), s.getDilation(), true);
        } else if (t == PoolingType.AVG) {
            op = "AveragePool";
            attrs = windowAttributes(name, s, x, s.getConvolutionMode(), s.getKernelSize(), s.getStride(),
                    s.getPadding(), s.getDilation(), false);
            attrs.add(attr("count_include_pad", s.isAvgPoolIncludePadInDivisor() ? 1L : 0L));
        } else {
            throw new OnnxExportException("cannot export layer '" + name + "' (SubsamplingLayer) to ONNX: pooling "
                    + "type " + t + " is not translated; MAX and AVG are");
        }
        long[] size = outputSize(x, s.getConvolutionMode(), s.getKernelSize(), s.getStride(), s.getPadding(),
                t == PoolingType.MAX ? s.getDilation() : null);
        return x.resized(g.node(op, name, List.of(x.name()), attrs.toArray(new Onnx.AttributeProto[0])), size[0],
                size[1]);
    }

    private static Dl4jTensor globalPooling(OnnxGraphDraft g, String name, GlobalPoolingLayer p, Dl4jTensor x)
            throws OnnxExportException {
        if (!x.image()) {
            throw new OnnxExportException("cannot export layer '" + name + "' (GlobalPoolingLayer) to ONNX: it "
                    + "receives a " + x.describe() + "; only image activations are translated");
        }
        long[] axes = {2, 3};
        int[] dims = p.getPoolingDimensions();
        if (dims != null && dims.length > 0) {
            axes = Arrays.stream(dims).mapToLong(x::graphAxis).sorted().toArray();
        }
        boolean collapse = p.isCollapseDimensions();
        if (!collapse && x.format() == CNN2DFormat.NHWC) {
            throw new OnnxExportException("cannot export layer '" + name + "' (GlobalPoolingLayer, "
                    + "collapseDimensions false) on NHWC activations: DL4J 1.0.0-M2.1 reshapes the result to "
                    + "[N, H, 1, 1] there. Use Graft's GlobalPoolingKeepDims");
        }
        String out = reduce(g, name, p.getPoolingType(), p, x.name(), axes, !collapse);
        if (collapse) {
            if (!Arrays.equals(axes, new long[] {2, 3})) {
                throw new OnnxExportException("cannot export layer '" + name + "' (GlobalPoolingLayer) pooling "
                        + "over DL4J axes " + Arrays.toString(dims) + " of an " + x.format() + " activation: only "
                        + "pooling over height and width is translated");
            }
            return Dl4jTensor.features(out);
        }
        return x.resized(out, 1, 1);
    }

    private static String reduce(OnnxGraphDraft g, String name, PoolingType t, Layer l, String in, long[] axes,
            boolean keep) throws OnnxExportException {
        Onnx.AttributeProto keepDims = attr("keepdims", keep ? 1L : 0L);
        if (t == PoolingType.AVG) {
            return g.node("ReduceMean", name, List.of(in), attr("axes", axes), keepDims);
        } else if (t == PoolingType.MAX) {
            return g.node("ReduceMax", name, List.of(in), attr("axes", axes), keepDims);
        } else if (t == PoolingType.SUM) {
            return g.node("ReduceSum", name, List.of(in, g.int64Const(name + "/axes", axes)), keepDims);
        }
        throw new OnnxExportException("cannot export layer '" + name + "' (" + l.getClass().getSimpleName()
                + ") to ONNX: global pooling type " + t + " is not translated; MAX, AVG and SUM are");
    }

    private static Dl4jTensor lrn(OnnxGraphDraft g, String name, LocalResponseNormalization l, Dl4jTensor x)
            throws OnnxExportException {
        requireImage(l, name, x, l.getDataFormat());
        // DL4J: x / (k + alpha * sum of x^2 over channels c - n/2 .. c + n/2)^beta (n/2 rounded down);
        // ONNX LRN: x / (bias + alpha / size * square_sum)^beta over a window of `size` channels
        long half = (long) Math.floor(l.getN() / 2);
        long size = 2 * half + 1;
        return x.renamed(g.node("LRN", name, List.of(x.name()), attr("size", size),
                attr("alpha", (float) (l.getAlpha() * size)), attr("beta", (float) l.getBeta()),
                attr("bias", (float) l.getK())));
    }

    private static Dl4jTensor channelAffine(OnnxGraphDraft g, String name, ChannelAffineLayer l,
            Map<String, INDArray> params, Dl4jTensor x) throws OnnxExportException {
        if (x.image()) {
            requireImage(l, name, x, l.getDataFormat());
        }
        String scale = l.isTrainableScale() ? perChannel(g, name + "/scale", param(params, name, l, "scale"), x)
                : perChannel(g, name + "/scale", l.getScale(), x);
        String offset = l.isTrainableOffset() ? perChannel(g, name + "/offset", param(params, name, l, "offset"), x)
                : perChannel(g, name + "/offset", l.getOffset(), x);
        String mul = g.node("Mul", name + "/mul", List.of(x.name(), scale));
        return x.renamed(g.node("Add", name, List.of(mul, offset)));
    }

    /** Graft's LayerNormalization: {@code (x - mean) / sqrt(var + eps) * gamma + beta} over the channel axis. */
    private static Dl4jTensor layerNorm(OnnxGraphDraft g, String name, LayerNormalization l,
            Map<String, INDArray> params, Dl4jTensor x) throws OnnxExportException {
        if (x.image()) {
            requireImage(l, name, x, l.getDataFormat());
        }
        Onnx.AttributeProto axes = attr("axes", new long[] {1});
        Onnx.AttributeProto keep = attr("keepdims", 1L);
        String mean = g.node("ReduceMean", name + "/mean", List.of(x.name()), axes, keep);
        String d = g.node("Sub", name + "/centered", List.of(x.name(), mean));
        String var = g.node("ReduceMean", name + "/var", List.of(g.node("Mul", name + "/sq", List.of(d, d))), axes,
                keep);
        String eps = g.floatConst(name + "/eps", new float[] {(float) l.getEpsilon()});
        String std = g.node("Sqrt", name + "/std", List.of(g.node("Add", name + "/var_eps", List.of(var, eps))));
        String y = g.node("Div", l.isScale() || l.isCenter() ? name + "/normalized" : name, List.of(d, std));
        if (l.isScale()) {
            y = g.node("Mul", l.isCenter() ? name + "/scaled" : name,
                    List.of(y, perChannel(g, name + "/gamma", param(params, name, l, LayerNormalization.GAMMA), x)));
        }
        if (l.isCenter()) {
            y = g.node("Add", name, List.of(y, perChannel(g, name + "/beta", param(params, name, l,
                    LayerNormalization.BETA), x)));
        }
        return x.renamed(y);
    }

    /** Per-channel constants shaped to broadcast over the graph's tensor: [C] for features, [C, 1, 1] for images. */
    private static String perChannel(OnnxGraphDraft g, String hint, double[] v, Dl4jTensor x) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        if (f.length == 1) {
            return g.floatConst(hint, f);
        }
        return x.image() ? g.floatConst(hint, f, f.length, 1, 1) : g.floatConst(hint, f, f.length);
    }

    private static String perChannel(OnnxGraphDraft g, String hint, INDArray v, Dl4jTensor x) {
        float[] f = floats(v);
        return x.image() ? g.floatConst(hint, f, f.length, 1, 1) : g.floatConst(hint, f, f.length);
    }

    static INDArray param(Map<String, INDArray> params, String name, Layer l, String key) {
        INDArray p = params.get(key);
        if (p == null) {
            throw new IllegalStateException("layer '" + name + "' (" + l.getClass().getSimpleName() + ") has no "
                    + "parameter '" + key + "'; it has " + params.keySet());
        }
        return p;
    }

    /** An array's values as floats, in C order. */
    static float[] floats(INDArray a) {
        return a.castTo(DataType.FLOAT).dup('c').reshape(a.length()).toFloatVector();
    }

    private static String weights(OnnxGraphDraft g, String hint, INDArray w) {
        return g.floatConst(hint, floats(w), w.shape());
    }

    private static String vector(OnnxGraphDraft g, String hint, INDArray v) {
        return g.floatConst(hint, floats(v), v.length());
    }
}
