package dev.graft.transfer;

import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** Tiny networks for transfer tests: each builds and trains in milliseconds. */
final class TinyNets {
    private TinyNets() {
    }

    /** MLP on 8 features: fc1(6) - bn - fc2(5) - out(3), with L2 everywhere. */
    static GraftModel mlp() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(0.05)).l2(0.1)
                .activation(Activation.RELU).list()
                .layer(new DenseLayer.Builder().name("fc1").nIn(8).nOut(6).build())
                .layer(new BatchNormalization.Builder().name("bn").build())
                .layer(new DenseLayer.Builder().name("fc2").nOut(5).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).name("out").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(8)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return GraftModel.of(net, card("mlp", InputLayout.FLAT, 8));
    }

    /** Keras-style MLP: its head is a DenseLayer with softmax and no loss. */
    static GraftModel kerasStyleMlp() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(0.05)).list()
                .layer(new DenseLayer.Builder().name("dense").nIn(8).nOut(6).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("predictions").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(8)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return GraftModel.of(net, card("keras", InputLayout.FLAT, 8));
    }

    /** CNN on 1x8x8: conv1(4) - pool - conv2(4) - dense(6) - out(3). */
    static GraftModel cnn() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(0.05))
                .activation(Activation.RELU).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv1").nOut(4).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool").kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(2, 2).name("conv2").nOut(4).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(6).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).name("out").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(8, 8, 1)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return GraftModel.of(net, card("cnn", InputLayout.NCHW, 1, 8, 8));
    }

    /** Two branches from one input, merged: a(5) and b(4) - merge - fc(6) - out(3). */
    static GraftModel graph() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(0.05)).l2(0.1)
                .activation(Activation.TANH).graphBuilder()
                .addInputs("in")
                .addLayer("a", new DenseLayer.Builder().nIn(8).nOut(5).build(), "in")
                .addLayer("b", new DenseLayer.Builder().nIn(8).nOut(4).build(), "in")
                .addVertex("merge", new MergeVertex(), "a", "b")
                .addLayer("fc", new DenseLayer.Builder().nOut(6).build(), "merge")
                .addLayer("out", new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build(), "fc")
                .setOutputs("out").setInputTypes(InputType.feedForward(8)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return GraftModel.of(g, card("graph", InputLayout.FLAT, 8));
    }

    static ModelCard card(String name, InputLayout layout, long... shape) {
        return ModelCard.builder(name).architecture(name).input(layout, shape).normalization(Normalization.identity())
                .labels(List.of("a", "b", "c")).build();
    }

    /** A separable random data set: label = argmax of three fixed projections. */
    static DataSet data(int n, long[] shape, int classes, long seed) {
        Nd4j.getRandom().setSeed(seed);
        long[] full = new long[shape.length + 1];
        full[0] = n;
        System.arraycopy(shape, 0, full, 1, shape.length);
        INDArray x = Nd4j.rand(DataType.FLOAT, full);
        INDArray flat = x.reshape(n, -1);
        INDArray w = Nd4j.rand(DataType.FLOAT, flat.size(1), classes).subi(0.5);
        INDArray idx = Nd4j.argMax(flat.mmul(w), 1);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, idx.getInt(i), 1f);
        }
        return new DataSet(x, y);
    }

    /** Copies of every parameter of the named layers. */
    static Map<String, INDArray> params(org.deeplearning4j.nn.api.Model net, List<String> layers) {
        Map<String, INDArray> out = new HashMap<>();
        for (String l : layers) {
            org.deeplearning4j.nn.api.Layer layer = net instanceof MultiLayerNetwork ? ((MultiLayerNetwork) net).getLayer(l)
                    : ((ComputationGraph) net).getLayer(l);
            layer.paramTable().forEach((k, v) -> out.put(l + "/" + k, v.dup()));
        }
        return out;
    }
}
