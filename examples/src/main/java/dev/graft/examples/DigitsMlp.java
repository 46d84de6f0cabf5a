package dev.graft.examples;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The seed notes' exercise network: Dense layers of 100 ELU units with He initialization, a softmax output,
 * Adam: the demo's source network and its from-scratch baseline.
 */
final class DigitsMlp {
    static final int WIDTH = 100;
    static final int HIDDEN = 5;

    private DigitsMlp() {
    }

    /**
     * An MLP {@code nIn → hidden × 100 ELU (He) → nOut softmax}, initialised with {@code seed}.
     *
     * @param hidden number of hidden layers
     */
    static MultiLayerNetwork build(long seed, double learningRate, int nIn, int hidden, int nOut) {
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(new Adam(learningRate))
                .weightInit(WeightInit.RELU) // He et al. normal init
                .activation(Activation.ELU)
                .list();
        int in = nIn;
        for (int i = 0; i < hidden; i++) {
            b.layer(new DenseLayer.Builder().nIn(in).nOut(WIDTH).build());
            in = WIDTH;
        }
        b.layer(outputLayer(in, nOut));
        MultiLayerConfiguration conf = b.build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** A softmax classification layer with Xavier init. */
    static OutputLayer outputLayer(int nIn, int nOut) {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nIn(nIn).nOut(nOut).activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build();
    }
}
