package dev.graft.transfer.cache;

import dev.graft.transfer.data.DataSpec;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Small networks over the 64-pixel digits, for cache tests. */
public final class TinyModels {
    private TinyModels() {
    }

    public static ModelCard digitsCard(String name) {
        return ModelCard.builder(name).architecture("tiny-mlp").input(InputLayout.FLAT, DataSpec.DIGITS_PIXELS)
                .normalization(Normalization.scale(1 / DataSpec.DIGITS_MAX)).build();
    }

    /** dense1 (64→16) → bn → dense2 (16→8) → out (8→5). */
    public static GraftModel mlp(long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).updater(new Adam(1e-3)).list()
                .layer(new DenseLayer.Builder().name("dense1").nIn(64).nOut(16).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().name("bn").nOut(16).build())
                .layer(new DenseLayer.Builder().name("dense2").nIn(16).nOut(8).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nIn(8).nOut(5)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return GraftModel.of(net, digitsCard("tiny-mlp-" + seed));
    }

    /** conv (3x3, 4 maps) → pool → dense "fc" (preprocessor CnnToFeedForward) → out, on 8x8 digits as NCHW [1, 8, 8]. */
    public static GraftModel cnn(long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).updater(new Adam(1e-3)).list()
                .layer(new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).name("conv").nOut(4)
                        .activation(Activation.RELU).build())
                .layer(new org.deeplearning4j.nn.conf.layers.SubsamplingLayer.Builder(2, 2).name("pool").stride(2, 2).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(10).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(5)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(8, 8, 1)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return GraftModel.of(net, ModelCard.builder("tiny-cnn-" + seed).architecture("tiny-cnn")
                .input(InputLayout.NCHW, 1, 8, 8).normalization(Normalization.scale(1 / DataSpec.DIGITS_MAX)).build());
    }

    /** in → a (64→12), b (64→6) → merge → fc (18→8) → out (8→5). */
    public static GraftModel graph(long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).updater(new Adam(1e-3))
                .graphBuilder().addInputs("in").setInputTypes(InputType.feedForward(64))
                .addLayer("a", new DenseLayer.Builder().nOut(12).activation(Activation.RELU).build(), "in")
                .addLayer("b", new DenseLayer.Builder().nOut(6).activation(Activation.RELU).build(), "in")
                .addVertex("merge", new MergeVertex(), "a", "b")
                .addLayer("fc", new DenseLayer.Builder().nOut(8).activation(Activation.TANH).build(), "merge")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(5)
                        .activation(Activation.SOFTMAX).build(), "fc")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return GraftModel.of(g, digitsCard("tiny-graph-" + seed));
    }
}
