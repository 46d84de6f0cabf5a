package dev.graft.pretrain.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

class LossMarginRankingTest {
    @org.junit.jupiter.api.BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @org.junit.jupiter.api.AfterAll
    static void floatPrecisionAgain() {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
    }

    private static MultiLayerNetwork scorer(Activation out, double margin) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(12345).dataType(DataType.DOUBLE)
                .updater(new NoOp()).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(new LossMarginRanking(margin)).nIn(5).nOut(1).activation(out).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @Test
    void passesDl4jGradientCheckInDoublePrecision() {
        Nd4j.getRandom().setSeed(12345);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 10, 4).subi(0.5).muli(4);
        INDArray y = Nd4j.createFromArray(new double[] {1, 0, 1, 0, 0, 1, 1, 0, 1, 0}).reshape(10, 1);
        for (Activation out : new Activation[] {Activation.IDENTITY, Activation.TANH}) {
            MultiLayerNetwork net = scorer(out, 2.0);
            boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(x).labels(y)
                    .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8));
            assertThat(ok).as("gradient check with output activation " + out).isTrue();
        }
    }

    @Test
    void passesGradientCheckWithAnExampleMasked() {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 6, 4).subi(0.5).muli(4);
        INDArray y = Nd4j.createFromArray(new double[] {1, 0, 1, 0, 1, 0}).reshape(6, 1);
        INDArray mask = Nd4j.createFromArray(new double[] {1, 1, 0, 1, 1, 1}).reshape(6, 1);
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(scorer(Activation.IDENTITY, 1.5))
                .input(x).labels(y).labelMask(mask).epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8));
        assertThat(ok).isTrue();
    }

    @Test
    void costsNothingWhenEveryGoodScoreClearsEveryBadScoreByTheMargin() {
        LossMarginRanking loss = new LossMarginRanking(1.0);
        INDArray y = Nd4j.createFromArray(new double[] {1, 1, 0, 0}).reshape(4, 1);
        INDArray separated = Nd4j.createFromArray(new double[] {3.0, 2.5, 1.0, 1.5}).reshape(4, 1);
        assertThat(loss.computeScore(y, separated, new ActivationIdentity(), null, false)).isZero();
        assertThat(loss.computeGradient(y, separated, new ActivationIdentity(), null).sumNumber().doubleValue()).isZero();
        // one violating pair (good 2.0 vs bad 1.5): cost 0.5, split half to each side over 2 pairs per example
        INDArray close = Nd4j.createFromArray(new double[] {3.0, 2.0, 1.0, 1.5}).reshape(4, 1);
        assertThat(loss.computeScore(y, close, new ActivationIdentity(), null, false)).isCloseTo(0.25, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(loss.computeScoreArray(y, close, new ActivationIdentity(), null).toDoubleVector())
                .containsExactly(0, 0.125, 0, 0.125);
    }

    @Test
    void rejectsNonPositiveMarginsAndBadLabels() {
        assertThatThrownBy(() -> new LossMarginRanking(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ranking margin must be a positive number, got 0.0");
        assertThatThrownBy(() -> new LossMarginRanking(-1)).hasMessageContaining("got -1.0");
        LossMarginRanking loss = new LossMarginRanking(1);
        INDArray s = Nd4j.zeros(DataType.DOUBLE, 2, 1);
        assertThatThrownBy(() -> loss.computeScore(Nd4j.createFromArray(new double[] {1, 2}).reshape(2, 1), s,
                new ActivationIdentity(), null, false)).hasMessageContaining("must be 1 (good) or 0 (bad), got 2.0");
        assertThatThrownBy(() -> loss.computeScore(Nd4j.zeros(DataType.DOUBLE, 2, 2), Nd4j.zeros(DataType.DOUBLE, 2, 2),
                new ActivationIdentity(), null, false)).hasMessageContaining("exactly one unit");
    }

    @Test
    void survivesDl4jJsonRoundTrip() {
        MultiLayerNetwork net = scorer(Activation.IDENTITY, 2.5);
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson());
        OutputLayer out = (OutputLayer) back.getConf(1).getLayer();
        assertThat(out.getLossFn()).isEqualTo(new LossMarginRanking(2.5));
    }
}
