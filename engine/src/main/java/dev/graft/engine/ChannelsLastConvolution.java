package dev.graft.engine;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's convolution layer for the channels-last featurizing copy ({@link ChannelsLast}), without the copy DL4J makes
 * of every NHWC input.
 *
 * <p>DL4J 1.0.0-M2.1's {@code ConvolutionLayer.preOutput} first permutes an NHWC input to NCHW and duplicates it,
 * then hands the oneDNN helper the original NHWC array anyway: the duplicate is only used by its own fallback
 * (im2col) path. In inference with the helper on, this layer calls the helper directly with the same arguments DL4J
 * would pass, so the output is the same array computation without the copy (libnd4j's {@code Assign} was 13 % of
 * a ResNet50 featurizing profile; BENCHMARKS.md). Anything else (training, no helper, a helper that failed, no bias,
 * NCHW) goes through DL4J's code unchanged. Off: {@link EngineSettings#directConvolution()}.
 *
 * @apiNote Internal: public only for Graft's own inference copies and their tests.
 */
public final class ChannelsLastConvolution extends org.deeplearning4j.nn.layers.convolution.ConvolutionLayer {
    private static final long serialVersionUID = 1L;

    ChannelsLastConvolution(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** Whether new channels-last copies use this layer ({@link EngineSettings#directConvolution()}). */
    static boolean enabled() {
        return Engine.settings().directConvolution();
    }

    /** Whether {@code layer} (a configuration in a channels-last copy) can run as this layer. */
    static boolean applies(org.deeplearning4j.nn.conf.layers.Layer layer) {
        return layer != null && layer.getClass() == ConvolutionLayer.class
                && ((ConvolutionLayer) layer).getCnn2dDataFormat() == CNN2DFormat.NHWC;
    }

    /** Whether inference skips DL4J's input copy (helper on and working, a bias, NHWC). */
    public boolean direct() {
        return helper != null && helperCountFail == 0 && hasBias()
                && layerConf().getCnn2dDataFormat() == CNN2DFormat.NHWC;
    }

    @Override
    protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop, LayerWorkspaceMgr mgr) {
        if (training || forBackprop || !direct()) {
            return super.preOutput(training, forBackprop, mgr);
        }
        ConvolutionLayer c = layerConf();
        assertInputSet(false);
        validateInputRank();
        INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, false, mgr);
        INDArray bias = getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, false, mgr);
        validateInputDepth(weights.size(1));
        INDArray out = helper.preOutput(input.castTo(dataType), weights, bias, c.getKernelSize(), c.getStride(),
                c.getPadding(), c.getCudnnAlgoMode(), c.getCudnnFwdAlgo(), convolutionMode, c.getDilation(),
                CNN2DFormat.NHWC, mgr);
        if (out == null) { // the helper declined (not float): DL4J's own path
            return super.preOutput(training, forBackprop, mgr);
        }
        return new Pair<>(out, null);
    }

    /** The graph vertex configuration that instantiates a {@link ChannelsLastConvolution}. */
    static final class Vertex extends org.deeplearning4j.nn.conf.graph.LayerVertex {
        private static final long serialVersionUID = 1L;

        Vertex(NeuralNetConfiguration layerConf, InputPreProcessor preProcessor) {
            super(layerConf, preProcessor);
        }

        @Override
        public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name,
                int idx, INDArray paramsView, boolean initializeParams, DataType networkDatatype) {
            NeuralNetConfiguration conf = getLayerConf();
            // as ConvolutionLayer.instantiate, with this class
            ChannelsLastConvolution layer = new ChannelsLastConvolution(conf, networkDatatype);
            layer.setIndex(idx);
            layer.setParamsViewArray(paramsView);
            layer.setParamTable(conf.getLayer().initializer().init(conf, paramsView, initializeParams));
            layer.setConf(conf);
            boolean isOutput = graph.getConfiguration().getNetworkOutputs().contains(name);
            return new org.deeplearning4j.nn.graph.vertex.impl.LayerVertex(graph, name, idx, layer,
                    getPreProcessor(), isOutput, networkDatatype);
        }

        @Override
        public Vertex clone() {
            return new Vertex(getLayerConf().clone(), getPreProcessor() == null ? null : getPreProcessor().clone());
        }
    }
}
