package dev.graft.zoo.layers;

import static dev.graft.zoo.layers.LayerChecks.uniform;
import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.Engine;
import java.io.File;
import java.util.function.Function;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The components together, in the shape of the Keras 3 application blocks they were made for (NHWC, as Keras'
 * channels-last models import): a ConvNeXt block and a MobileNetV3 block with its squeeze-and-excitation.
 */
class KerasBlocksTest {

    private static NeuralNetConfiguration.Builder base(DataType type) {
        return new NeuralNetConfiguration.Builder().seed(21).dataType(type).weightInit(WeightInit.XAVIER)
                .updater(type == DataType.DOUBLE ? new NoOp() : new Adam(1e-2)).convolutionMode(ConvolutionMode.Same);
    }

    /** ConvNeXt (keras/src/applications/convnext.py): dw 7x7 (here 3x3), LayerNorm 1e-6, pw, gelu, pw, LayerScale, add. */
    static ComputationGraph convNextBlock(DataType type) {
        CNN2DFormat f = CNN2DFormat.NHWC;
        ComputationGraph net = new ComputationGraph(base(type).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(5, 5, 4, f))
                .addLayer("dw", new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(1).dataFormat(f)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("ln", new LayerNormalization.Builder().epsilon(1e-6).build(), "dw")
                .addLayer("pw1", new ConvolutionLayer.Builder(1, 1).nOut(8).dataFormat(f).activation(new GeluExact())
                        .build(), "ln")
                .addLayer("pw2", new ConvolutionLayer.Builder(1, 1).nOut(4).dataFormat(f)
                        .activation(Activation.IDENTITY).build(), "pw1")
                .addLayer("layer_scale", ChannelAffineLayer.layerScale(4, 0.5), "pw2")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "in", "layer_scale")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "add")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2)
                        .activation(Activation.TANH).build(), "pool")
                .setOutputs("out").build());
        net.init();
        return net;
    }

    /**
     * MobileNetV3 (keras/src/applications/mobilenet_v3.py): Rescaling(1/127.5, -1), conv, hard_swish, and its
     * squeeze-excite: keep-dims average pool, 1x1 relu, 1x1, hard_sigmoid written as relu6(x + 3.0) * (1/6), multiply.
     */
    static ComputationGraph mobileNetV3Block(DataType type) {
        CNN2DFormat f = CNN2DFormat.NHWC;
        ComputationGraph net = new ComputationGraph(base(type).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(5, 5, 3, f))
                .addLayer("rescaling", ChannelAffineLayer.rescaling(1 / 127.5, -1), "in")
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).dataFormat(f)
                        .activation(Activation.IDENTITY).build(), "rescaling")
                .addLayer("hard_swish", new ActivationLayer.Builder().activation(new HardSilu()).build(), "conv")
                .addLayer("se_pool", GlobalPoolingKeepDims.average(), "hard_swish")
                .addLayer("se_reduce", new ConvolutionLayer.Builder(1, 1).nOut(2).dataFormat(f)
                        .activation(Activation.RELU).build(), "se_pool")
                .addLayer("se_expand", new ConvolutionLayer.Builder(1, 1).nOut(4).dataFormat(f)
                        .activation(Activation.IDENTITY).build(), "se_reduce")
                .addLayer("plus3", new ActivationLayer.Builder().activation(Affine.of(1, 3)).build(), "se_expand")
                .addLayer("relu6", new ActivationLayer.Builder().activation(Activation.RELU6).build(), "plus3")
                .addLayer("times_sixth", new ActivationLayer.Builder().activation(Affine.of(1.0 / 6, 0)).build(),
                        "relu6")
                .addVertex("se_multiply", new BroadcastMultiplyVertex(f), "hard_swish", "times_sixth")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "se_multiply")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2)
                        .activation(Activation.TANH).build(), "pool")
                .setOutputs("out").build());
        net.init();
        return net;
    }

    private static final Function<DataType, ComputationGraph>[] BLOCKS = blocks();

    @SuppressWarnings("unchecked")
    private static Function<DataType, ComputationGraph>[] blocks() {
        return new Function[] {(Function<DataType, ComputationGraph>) KerasBlocksTest::convNextBlock,
            (Function<DataType, ComputationGraph>) KerasBlocksTest::mobileNetV3Block};
    }

    private static INDArray input(ComputationGraph net, DataType type, int n) {
        boolean mobileNet = net.getVertex("rescaling") != null;
        return uniform(type, -1, 1, n, 5, 5, mobileNet ? 3 : 4).muli(mobileNet ? 127.5 : 1);
    }

    @Test
    void gradientChecksPassThroughWholeBlocks() {
        for (Function<DataType, ComputationGraph> block : BLOCKS) {
            boolean ok = LayerChecks.inDouble(() -> {
                ComputationGraph net = block.apply(DataType.DOUBLE);
                return LayerChecks.gradientsMatch(net, new INDArray[] {input(net, DataType.DOUBLE, 3)},
                        new INDArray[] {uniform(DataType.DOUBLE, -0.5, 0.5, 3, 2)});
            });
            assertThat(ok).isTrue();
        }
    }

    @Test
    void blocksTrainAndSurviveJsonAndModelFiles(@TempDir File dir) throws Exception {
        for (Function<DataType, ComputationGraph> block : BLOCKS) {
            ComputationGraph net = block.apply(DataType.FLOAT);
            LayerChecks.jsonRoundTrip(net.getConfiguration());
            INDArray x = input(net, DataType.FLOAT, 4);
            MultiDataSet ds = new MultiDataSet(x, LayerChecks.oneHot(DataType.FLOAT, 4, 2));
            double before = net.score(ds);
            for (int i = 0; i < 20; i++) {
                net.fit(ds);
            }
            assertThat(net.score(ds)).isLessThan(before);
            LayerChecks.saveLoad(net, dir, x);
        }
    }

    @Test
    void sameOutputsWithDl4jsNativeHelpersOnAndOff() {
        for (Function<DataType, ComputationGraph> block : BLOCKS) {
            ComputationGraph on = LayerChecks.withHelpers(true, () -> block.apply(DataType.FLOAT));
            ComputationGraph off = LayerChecks.withHelpers(false, () -> block.apply(DataType.FLOAT));
            if (Engine.nativeHasOneDnn()) {
                assertThat(Engine.helpersOf(on)).containsValue("MKLDNNConvHelper (dense input)");
            }
            off.setParams(on.params().dup());
            INDArray x = input(on, DataType.FLOAT, 4);
            assertThat(LayerChecks.maxAbsDiff(on.outputSingle(x), off.outputSingle(x))).isLessThan(1e-6);
        }
    }

    @Test
    void frozenBlocksKeepTheirParametersWhileANewHeadTrains(@TempDir File dir) throws Exception {
        String[][] cuts = {{"layer_scale", "ln"}, {"se_multiply", "se_expand"}};
        for (int b = 0; b < BLOCKS.length; b++) {
            ComputationGraph base = BLOCKS[b].apply(DataType.FLOAT);
            ComputationGraph net = new TransferLearning.GraphBuilder(base)
                    .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(1e-2)).build())
                    .setFeatureExtractor(cuts[b][0])
                    .removeVertexAndConnections("out")
                    .addLayer("new_out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(3)
                            .activation(Activation.SOFTMAX).build(), "pool")
                    .setOutputs("new_out").build();
            LayerChecks.jsonRoundTrip(net.getConfiguration());
            String inside = cuts[b][1];
            INDArray frozenBefore = net.getLayer(inside).params().dup();
            INDArray headBefore = net.getLayer("new_out").params().dup();
            INDArray x = input(net, DataType.FLOAT, 6);
            for (int i = 0; i < 5; i++) {
                net.fit(new MultiDataSet(x, LayerChecks.oneHot(DataType.FLOAT, 6, 3)));
            }
            assertThat(net.getLayer(inside).params()).as(inside).isEqualTo(frozenBefore);
            assertThat(net.getLayer("new_out").params()).isNotEqualTo(headBefore);
            LayerChecks.saveLoad(net, dir, x);
        }
    }

    @Test
    void kerasShapedWeightVectorsLoadWithSetParam() {
        // Keras stores gamma / beta as [C]; the layers keep [1, C] and accept either
        ComputationGraph net = convNextBlock(DataType.FLOAT);
        net.getLayer("ln").setParam("gamma", Nd4j.createFromArray(1f, 2f, 3f, 4f));
        net.getLayer("layer_scale").setParam("scale", Nd4j.createFromArray(5f, 6f, 7f, 8f));
        assertThat(net.getLayer("ln").getParam("gamma").shape()).containsExactly(1, 4);
        assertThat(net.getLayer("ln").getParam("gamma").toFloatVector()).containsExactly(1f, 2f, 3f, 4f);
        assertThat(net.getLayer("layer_scale").getParam("scale").toFloatVector()).containsExactly(5f, 6f, 7f, 8f);
        assertThat(net.getLayer("layer_scale").paramTable()).containsOnlyKeys("scale");
    }
}
