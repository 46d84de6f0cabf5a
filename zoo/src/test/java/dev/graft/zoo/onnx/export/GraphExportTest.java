package dev.graft.zoo.onnx.export;

import static dev.graft.zoo.onnx.export.ExportChecks.assertExportMatches;
import static dev.graft.zoo.onnx.export.ExportChecks.batch;
import static dev.graft.zoo.onnx.export.ExportChecks.randomizeBatchNorms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.zoo.layers.BroadcastMultiplyVertex;
import dev.graft.zoo.layers.ChannelAffineLayer;
import dev.graft.zoo.layers.GlobalPoolingKeepDims;
import dev.graft.zoo.layers.HardSilu;
import dev.graft.zoo.layers.KerasHardSigmoid;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * ComputationGraphs in the shape of DL4J's zoo and Keras' applications (residual adds, fire-module concats,
 * leaky-ReLU/batch-norm stacks, inverted residuals with squeeze-and-excitation), small enough for a unit test,
 * exported and run in ONNX Runtime next to DL4J, in both layouts.
 */
class GraphExportTest {

    private static GraphBuilder graph(CNN2DFormat f, int c, int h, int w) {
        return new NeuralNetConfiguration.Builder().seed(5).weightInit(WeightInit.XAVIER).updater(new NoOp())
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(h, w, c, f));
    }

    private static ComputationGraph init(GraphBuilder b) {
        ComputationGraph net = new ComputationGraph(b.build());
        net.init();
        randomizeBatchNorms(net, 17);
        return net;
    }

    private static INDArray images(CNN2DFormat f, int c, int h, int w) {
        return f == CNN2DFormat.NCHW ? batch(9, 2, c, h, w) : batch(9, 2, h, w, c);
    }

    private static ConvolutionLayer conv(int k, int out, int stride, Activation a) {
        return new ConvolutionLayer.Builder(k, k).nOut(out).stride(stride, stride)
                .convolutionMode(ConvolutionMode.Same).activation(a).build();
    }

    @ParameterizedTest
    @EnumSource(CNN2DFormat.class)
    void resNetBottleneckWithProjectionShortcutMatchesDl4j(CNN2DFormat f) throws Exception {
        ComputationGraph net = init(graph(f, 3, 16, 16)
                .addLayer("stem_pad", new ZeroPaddingLayer.Builder(3, 3).build(), "in")
                .addLayer("stem", new ConvolutionLayer.Builder(7, 7).nOut(8).stride(2, 2)
                        .activation(Activation.IDENTITY).build(), "stem_pad")
                .addLayer("stem_bn", new BatchNormalization.Builder().build(), "stem")
                .addLayer("stem_relu", new ActivationLayer(Activation.RELU), "stem_bn")
                .addLayer("pool", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(2, 2)
                        .build(), "stem_relu")
                .addLayer("a", conv(1, 4, 1, Activation.IDENTITY), "pool")
                .addLayer("a_bn", new BatchNormalization.Builder().build(), "a")
                .addLayer("a_relu", new ActivationLayer(Activation.RELU), "a_bn")
                .addLayer("b", conv(3, 4, 1, Activation.IDENTITY), "a_relu")
                .addLayer("b_bn", new BatchNormalization.Builder().build(), "b")
                .addLayer("b_relu", new ActivationLayer(Activation.RELU), "b_bn")
                .addLayer("c", conv(1, 12, 1, Activation.IDENTITY), "b_relu")
                .addLayer("c_bn", new BatchNormalization.Builder().build(), "c")
                .addLayer("proj", conv(1, 12, 1, Activation.IDENTITY), "pool")
                .addLayer("proj_bn", new BatchNormalization.Builder().build(), "proj")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "c_bn", "proj_bn")
                .addLayer("out_relu", new ActivationLayer(Activation.RELU), "add")
                .addLayer("avg", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "out_relu")
                .addLayer("fc", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(5)
                        .activation(Activation.SOFTMAX).build(), "avg")
                .setOutputs("fc"));
        ExportedOnnxModel whole = assertExportMatches(OnnxExporter.builder(net), net, images(f, 3, 16, 16));
        assertThat(whole.foldedBatchNorms()).isEqualTo(5);
        ExportedOnnxModel cut = assertExportMatches(OnnxExporter.builder(net).cutAt("avg"), net,
                images(f, 3, 16, 16));
        assertThat(cut.outputNames()).containsExactly("avg");
    }

    @ParameterizedTest
    @EnumSource(CNN2DFormat.class)
    void squeezeNetFireModuleConcatenatesAlongChannels(CNN2DFormat f) throws Exception {
        ComputationGraph net = init(graph(f, 3, 13, 13)
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(8).stride(2, 2)
                        .activation(Activation.RELU).build(), "in")
                .addLayer("pool1", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(2, 2)
                        .build(), "conv1")
                .addLayer("squeeze", conv(1, 4, 1, Activation.RELU), "pool1")
                .addLayer("expand1x1", conv(1, 6, 1, Activation.RELU), "squeeze")
                .addLayer("expand3x3", conv(3, 5, 1, Activation.RELU), "squeeze")
                .addVertex("concat", new MergeVertex(), "expand1x1", "expand3x3")
                .addVertex("scaled", new ScaleVertex(0.5), "concat")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "scaled")
                .setOutputs("gap"));
        assertExportMatches(OnnxExporter.builder(net), net, images(f, 3, 13, 13));
    }

    @ParameterizedTest
    @EnumSource(CNN2DFormat.class)
    void darknetStackWithLeakyReluBatchNormAndFlattenMatchesDl4j(CNN2DFormat f) throws Exception {
        ComputationGraph net = init(graph(f, 3, 12, 12)
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(6).hasBias(false)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn1", new BatchNormalization.Builder().useLogStd(false).build(), "c1")
                .addLayer("a1", new ActivationLayer.Builder().activation(
                        new org.nd4j.linalg.activations.impl.ActivationLReLU(0.1)).build(), "bn1")
                .addLayer("p1", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build(), "a1")
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).nOut(5).hasBias(false)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build(), "p1")
                .addLayer("bn2", new BatchNormalization.Builder().build(), "c2")
                .addLayer("a2", new ActivationLayer(Activation.LEAKYRELU), "bn2")
                .addLayer("fc", new DenseLayer.Builder().nOut(4).activation(Activation.TANH).build(), "a2")
                .setOutputs("fc"));
        ExportedOnnxModel m = assertExportMatches(OnnxExporter.builder(net), net, images(f, 3, 12, 12));
        assertThat(m.foldedBatchNorms()).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(CNN2DFormat.class)
    void invertedResidualWithSqueezeExciteAndGraftLayersMatchesDl4j(CNN2DFormat f) throws Exception {
        ComputationGraph net = init(graph(f, 4, 10, 10)
                .addLayer("rescale", ChannelAffineLayer.normalization(new double[] {0.1, -0.2, 0.3, 0.0},
                        new double[] {1.5, 0.5, 2.0, 1.0}), "in")
                .addLayer("expand", conv(1, 8, 1, Activation.IDENTITY), "rescale")
                .addLayer("expand_bn", new BatchNormalization.Builder().build(), "expand")
                .addLayer("expand_act", new ActivationLayer(new HardSilu()), "expand_bn")
                .addLayer("dw", new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(1)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build(), "expand_act")
                .addLayer("dw_bn", new BatchNormalization.Builder().build(), "dw")
                .addLayer("dw_act", new ActivationLayer(Activation.SWISH), "dw_bn")
                .addLayer("se_squeeze", new GlobalPoolingKeepDims.Builder(PoolingType.AVG).build(), "dw_act")
                .addLayer("se_reduce", conv(1, 2, 1, Activation.RELU), "se_squeeze")
                .addLayer("se_expand", new ConvolutionLayer.Builder(1, 1).nOut(8)
                        .activation(new KerasHardSigmoid()).build(), "se_reduce")
                .addVertex("se_excite", new BroadcastMultiplyVertex(f), "dw_act", "se_expand")
                .addLayer("project", conv(1, 4, 1, Activation.IDENTITY), "se_excite")
                .addLayer("project_bn", new BatchNormalization.Builder().build(), "project")
                .addVertex("residual", new ElementWiseVertex(ElementWiseVertex.Op.Add), "project_bn", "rescale")
                .addLayer("gate_pool", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(), "residual")
                .addLayer("gate", new DenseLayer.Builder().nOut(4).activation(Activation.SIGMOID).build(),
                        "gate_pool")
                .addVertex("gated", new BroadcastMultiplyVertex(f), "residual", "gate")
                .addVertex("product", new ElementWiseVertex(ElementWiseVertex.Op.Product), "gated", "residual",
                        "rescale")
                .setOutputs("product"));
        assertExportMatches(OnnxExporter.builder(net), net, images(f, 4, 10, 10));
    }

    @Test
    void batchNormIsFoldedOnlyWhereTheConvolutionFeedsItAlone() throws Exception {
        ComputationGraph net = init(graph(CNN2DFormat.NCHW, 3, 8, 8)
                // shared: the convolution's output also feeds the add
                .addLayer("shared", conv(3, 4, 1, Activation.IDENTITY), "in")
                .addLayer("shared_bn", new BatchNormalization.Builder().build(), "shared")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "shared_bn", "shared")
                // activated: an activation between the convolution and the batch norm
                .addLayer("activated", conv(3, 4, 1, Activation.RELU), "add")
                .addLayer("activated_bn", new BatchNormalization.Builder().build(), "activated")
                // plain: foldable
                .addLayer("plain", conv(1, 4, 1, Activation.IDENTITY), "activated_bn")
                .addLayer("plain_bn", new BatchNormalization.Builder().build(), "plain")
                .setOutputs("plain_bn"));
        ExportedOnnxModel m = assertExportMatches(OnnxExporter.builder(net), net,
                images(CNN2DFormat.NCHW, 3, 8, 8));
        assertThat(m.foldedBatchNorms()).isEqualTo(1);
        assertThat(m.model().getGraph().getNodeList()).filteredOn(n -> n.getOpType().equals("BatchNormalization"))
                .extracting(n -> n.getInput(0)).containsExactlyInAnyOrder("shared", "activated/relu");
    }

    @Test
    void frozenLayersOfATransferLearningGraphExportLikeTheOriginals() throws Exception {
        ComputationGraph base = init(graph(CNN2DFormat.NCHW, 3, 8, 8)
                .addLayer("c1", conv(3, 4, 1, Activation.IDENTITY), "in")
                .addLayer("bn1", new BatchNormalization.Builder().build(), "c1")
                .addLayer("r1", new ActivationLayer(Activation.RELU), "bn1")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "r1")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "gap")
                .setOutputs("out"));
        ComputationGraph frozen = new TransferLearning.GraphBuilder(base).setFeatureExtractor("gap").build();
        INDArray x = images(CNN2DFormat.NCHW, 3, 8, 8);
        ExportedOnnxModel m = assertExportMatches(OnnxExporter.builder(frozen).cutAt("gap"), frozen, x);
        assertThat(m.foldedBatchNorms()).isEqualTo(1);
    }

    @Test
    void aGraphWithTwoInputsAndTwoOutputsExportsBoth() throws Exception {
        ComputationGraph net = init(new NeuralNetConfiguration.Builder().seed(5).weightInit(WeightInit.XAVIER)
                .updater(new NoOp()).graphBuilder().addInputs("image", "extra")
                .setInputTypes(InputType.convolutional(6, 6, 2, CNN2DFormat.NHWC), InputType.feedForward(3))
                .addLayer("conv", conv(3, 4, 1, Activation.RELU), "image")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "conv")
                .addLayer("proj", new DenseLayer.Builder().nOut(4).activation(Activation.TANH).build(), "extra")
                .addVertex("joined", new MergeVertex(), "gap", "proj")
                .addLayer("out", new DenseLayer.Builder().nOut(2).activation(Activation.SIGMOID).build(), "joined")
                .setOutputs("out", "conv"));
        ExportedOnnxModel m = assertExportMatches(OnnxExporter.builder(net), net, batch(3, 2, 6, 6, 2),
                batch(4, 2, 3));
        assertThat(m.inputNames()).containsExactly("image", "extra");
        assertThat(m.outputNames()).containsExactly("out", "conv");
    }

    @Test
    void anUntranslatedVertexFailsNamingItAndTheFix() {
        ComputationGraph net = init(graph(CNN2DFormat.NCHW, 3, 6, 6)
                .addLayer("c", conv(3, 4, 1, Activation.RELU), "in")
                .addVertex("subset", new SubsetVertex(0, 1), "c")
                .setOutputs("subset"));
        assertThatThrownBy(() -> OnnxExporter.builder(net).build().export())
                .isInstanceOf(OnnxExportException.class)
                .hasMessageContaining("vertex 'subset'")
                .hasMessageContaining(SubsetVertex.class.getName())
                .hasMessageContaining("Cut the graph before it");
        assertThatThrownBy(() -> OnnxExporter.builder(net).cutAt("nope").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vertex 'nope' not found; vertices are: ");
    }
}
