package dev.graft.transfer.cache;

import dev.graft.engine.FeaturizeEngine;
import dev.graft.engine.Engine;
import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class ChannelsLastTest {

    @Test
    void vggLikeNetworkGivesTheSameFeaturesChannelsLast() {
        GraftModel model = vggLike();
        for (String cut : new String[] {"conv1", "bn", "pool1", "lrn", "conv2", "pool2", "fc1", "fc2"}) {
            AbstractFeaturizer fast = (AbstractFeaturizer) Featurizers.cut(model, cut, FeaturizeEngine.DL4J);
            AbstractFeaturizer plain = nchw(() -> Featurizers.cut(model, cut, FeaturizeEngine.DL4J));
            INDArray x = images(5, 3, 20, 20);
            INDArray a = fast.featurize(x);
            INDArray b = plain.featurize(x);
            assertThat(fast.channelsLast()).as("cut %s runs channels-last", cut).isTrue();
            assertThat(plain.channelsLast()).isFalse();
            assertThat(a.shape()).isEqualTo(b.shape());
            assertClose(a, b, cut);
        }
    }

    @Test
    void resnetLikeGraphGivesTheSameFeaturesChannelsLast() {
        GraftModel model = resnetLike();
        for (String cut : new String[] {"pad", "stem", "bn", "act", "branch", "add", "pool", "fc", "out"}) {
            AbstractFeaturizer fast = (AbstractFeaturizer) Featurizers.cut(model, cut, FeaturizeEngine.DL4J);
            AbstractFeaturizer plain = nchw(() -> Featurizers.cut(model, cut, FeaturizeEngine.DL4J));
            INDArray x = images(4, 3, 17, 17);
            // a cut at the zero padding itself cannot fold it into the convolution: that featurizer stays NCHW
            assertThat(fast.channelsLast()).as("cut %s runs channels-last", cut).isEqualTo(!cut.equals("pad"));
            INDArray a = fast.featurize(x);
            INDArray b = plain.featurize(x);
            assertClose(a, b, cut);
            if (cut.equals("out")) {
                // the last vertex: both equal DL4J's own inference on the whole graph
                assertClose(b, ((ComputationGraph) model.network()).outputSingle(x), "out (DL4J output)");
            }
        }
        assertThat(Nd4j.getWorkspaceManager().anyWorkspaceActiveForCurrentThread()).isFalse();
    }

    @Test
    void batchNormAndTheActivationAfterItFoldIntoTheConvolution() {
        for (boolean logStd : new boolean[] {true, false}) {
            GraftModel model = resnetLike(logStd);
            AbstractFeaturizer fast = (AbstractFeaturizer) Featurizers.cut(model, "pool", FeaturizeEngine.DL4J);
            AbstractFeaturizer plain = nchw(() -> Featurizers.cut(model, "pool", FeaturizeEngine.DL4J));
            INDArray x = images(4, 3, 17, 17);
            assertClose(fast.featurize(x), plain.featurize(x), "pool, log-std " + logStd);
            ComputationGraph run = (ComputationGraph) fast.runNetwork();
            assertThat(run.getConfiguration().getVertices()).doesNotContainKeys("bn", "act").containsKey("stem");
            assertThat(run.getLayer("stem").getParam("b")).isNotNull();

            try (Engine.Scope s = Engine.use(Engine.settings().toBuilder().foldBatchNorm(false).build())) {
                AbstractFeaturizer unfolded = (AbstractFeaturizer) Featurizers.cut(model, "pool", FeaturizeEngine.DL4J);
                assertThat(((ComputationGraph) unfolded.runNetwork()).getConfiguration().getVertices())
                        .containsKeys("bn", "act");
            }
        }
    }

    @Test
    void networksWithLayersItDoesNotKnowStayChannelsFirst() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3)
                .dataType(DataType.FLOAT).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).name("conv").build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).name("gap").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(8, 8, 3)).build());
        net.init();
        AbstractFeaturizer f = (AbstractFeaturizer) Featurizers.cut(image(net, 8), "gap", FeaturizeEngine.DL4J);
        assertThat(f.featurize(images(2, 3, 8, 8)).shape()).isEqualTo(new long[] {2, 4});
        assertThat(f.channelsLast()).isFalse();
    }

    @Test
    void theChannelsFirstSwitchIsHonoured() {
        GraftModel model = vggLike();
        AbstractFeaturizer f = nchw(() -> Featurizers.cut(model, "fc1", FeaturizeEngine.DL4J));
        f.featurize(images(1, 3, 20, 20));
        assertThat(f.channelsLast()).isFalse();
    }

    /** A featurizer that decided its layout while the property said NCHW. */
    private static AbstractFeaturizer nchw(Supplier<Featurizer> make) {
        try (Engine.Scope s = Engine.use(Engine.settings().toBuilder().channelsLast(false).build())) {
            AbstractFeaturizer f = (AbstractFeaturizer) make.get();
            f.runNetwork();
            return f;
        }
    }

    private static void assertClose(INDArray a, INDArray b, String what) {
        double scale = Math.max(1e-6, b.norm2Number().doubleValue());
        assertThat(a.sub(b).norm2Number().doubleValue() / scale).as("relative difference at %s", what)
                .isLessThan(1e-5);
    }

    private static INDArray images(int n, int c, int h, int w) {
        Nd4j.getRandom().setSeed(12);
        return Nd4j.rand(DataType.FLOAT, n, c, h, w);
    }

    private static GraftModel image(org.deeplearning4j.nn.api.Model net, int size) {
        return GraftModel.of(net, ModelCard.builder("img").architecture("test").input(InputLayout.NCHW, 3, size, size)
                .normalization(Normalization.identity()).build());
    }

    /** Convolutions, batch norm, LRN, pooling, then dense layers after a 5x5x8 flatten (weights reordered). */
    private static GraftModel vggLike() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5)
                .dataType(DataType.FLOAT).weightInit(WeightInit.RELU).convolutionMode(ConvolutionMode.Same).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(6).name("conv1").activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().name("bn").build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).name("pool1").build())
                .layer(new LocalResponseNormalization.Builder().name("lrn").build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(8).name("conv2").activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(2, 2).stride(2, 2).name("pool2").build())
                .layer(new DenseLayer.Builder().nOut(12).name("fc1").activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(7).name("fc2").activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).name("out")
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(20, 20, 3)).build());
        net.init();
        // batch norm with non-trivial statistics, so a wrong channel axis would show
        net.getLayer(1).setParam("mean", Nd4j.linspace(-1, 1, 6, DataType.FLOAT).reshape(1, 6));
        net.getLayer(1).setParam("log10stdev", Nd4j.linspace(-0.3, 0.3, 6, DataType.FLOAT).reshape(1, 6));
        net.getLayer(1).setParam("gamma", Nd4j.linspace(0.8, 1.3, 6, DataType.FLOAT).reshape(1, 6));
        return image(net, 20);
    }

    /** Zero padding, strided convolution, batch norm, activation, a residual add, average pooling, dense. */
    private static GraftModel resnetLike() {
        return resnetLike(true);
    }

    private static GraftModel resnetLike(boolean logStd) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(9).dataType(DataType.FLOAT)
                .weightInit(WeightInit.RELU).convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("in")
                .addLayer("pad", new ZeroPaddingLayer.Builder(1, 1).build(), "in")
                .addLayer("stem", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(8).activation(Activation.IDENTITY)
                        .convolutionMode(ConvolutionMode.Truncate).build(), "pad")
                .addLayer("bn", new BatchNormalization.Builder().useLogStd(logStd).activation(Activation.IDENTITY)
                        .build(), "stem")
                .addLayer("act", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn")
                .addLayer("branch", new ConvolutionLayer.Builder(3, 3).nOut(8).build(), "act")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "act", "branch")
                .addLayer("pool", new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(3, 3).stride(3, 3)
                        .convolutionMode(ConvolutionMode.Truncate).build(), "add")
                .addLayer("fc", new DenseLayer.Builder().nOut(5).activation(Activation.RELU).build(), "pool")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "fc")
                .setOutputs("out").setInputTypes(InputType.convolutional(17, 17, 3)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        // non-trivial statistics and affine parameters, so folding them into "stem" is really exercised
        g.getLayer("bn").setParam("mean", Nd4j.linspace(-0.5, 0.5, 8, DataType.FLOAT).reshape(1, 8));
        g.getLayer("bn").setParam("gamma", Nd4j.linspace(0.6, 1.7, 8, DataType.FLOAT).reshape(1, 8));
        g.getLayer("bn").setParam("beta", Nd4j.linspace(-0.2, 0.3, 8, DataType.FLOAT).reshape(1, 8));
        if (logStd) {
            g.getLayer("bn").setParam("log10stdev", Nd4j.linspace(-0.4, 0.2, 8, DataType.FLOAT).reshape(1, 8));
        } else {
            g.getLayer("bn").setParam("var", Nd4j.linspace(0.1, 2.5, 8, DataType.FLOAT).reshape(1, 8));
        }
        return image(g, 17);
    }
}
