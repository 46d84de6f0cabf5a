package dev.graft.zoo.layers;

import static dev.graft.zoo.layers.ChannelAffineLayerTest.toNhwc;
import static dev.graft.zoo.layers.LayerChecks.uniform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.Engine;
import java.io.File;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class LayerNormalizationTest {

    /** Keras 3's equations by loops over an NCHW array: per (n, h, w), over c. */
    static INDArray layerNormByLoops(INDArray x, double eps, double[] gamma, double[] beta) {
        INDArray y = x.ulike();
        long[] s = x.shape();
        for (int n = 0; n < s[0]; n++) {
            for (int h = 0; h < s[2]; h++) {
                for (int w = 0; w < s[3]; w++) {
                    double mean = 0;
                    for (int c = 0; c < s[1]; c++) {
                        mean += x.getDouble(n, c, h, w);
                    }
                    mean /= s[1];
                    double var = 0;
                    for (int c = 0; c < s[1]; c++) {
                        var += Math.pow(x.getDouble(n, c, h, w) - mean, 2);
                    }
                    var /= s[1];
                    for (int c = 0; c < s[1]; c++) {
                        double v = (x.getDouble(n, c, h, w) - mean) / Math.sqrt(var + eps) * gamma[c] + beta[c];
                        y.putScalar(new int[] {n, c, h, w}, v);
                    }
                }
            }
        }
        return y;
    }

    private static LayerNormalization ln(double eps) {
        return new LayerNormalization.Builder().epsilon(eps).build();
    }

    @Test
    void normalizesOverTheChannelAxisInNchwNhwcAndFeedForward() {
        double[] gamma = {0.5, 2, -1, 1.5};
        double[] beta = {0.1, 0, -0.3, 2};
        INDArray x = uniform(DataType.DOUBLE, -3, 5, 2, 4, 3, 5);
        INDArray expected = layerNormByLoops(x, 1e-6, gamma, beta);
        for (CNN2DFormat f : CNN2DFormat.values()) {
            MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                    .list().layer(ln(1e-6)).setInputType(InputType.convolutional(3, 5, 4, f)).build());
            net.init();
            assertThat(net.getLayer(0).paramTable()).containsOnlyKeys("gamma", "beta");
            assertThat(net.getLayer(0).getParam("gamma").toDoubleVector()).containsOnly(1.0);
            assertThat(net.getLayer(0).getParam("beta").toDoubleVector()).containsOnly(0.0);
            net.getLayer(0).setParam("gamma", Nd4j.createFromArray(new double[][] {gamma}));
            net.getLayer(0).setParam("beta", Nd4j.createFromArray(new double[][] {beta}));
            INDArray in = f == CNN2DFormat.NCHW ? x : toNhwc(x);
            INDArray want = f == CNN2DFormat.NCHW ? expected : toNhwc(expected);
            assertThat(LayerChecks.maxAbsDiff(net.output(in), want)).as(f.name()).isLessThan(1e-12);
        }
        // feed-forward [N, C] is the NCHW case with H = W = 1
        MultiLayerNetwork ff = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .list().layer(new LayerNormalization.Builder().center(false).build())
                .setInputType(InputType.feedForward(4)).build());
        ff.init();
        assertThat(ff.getLayer(0).paramTable()).containsOnlyKeys("gamma");
        INDArray x2 = uniform(DataType.DOUBLE, -3, 5, 6, 4);
        INDArray want2 = layerNormByLoops(x2.reshape(6, 4, 1, 1), 1e-3, new double[] {1, 1, 1, 1}, new double[4]);
        assertThat(LayerChecks.maxAbsDiff(ff.output(x2), want2.reshape(6, 4))).isLessThan(1e-12);
    }

    private static LayerNormalization[] variants() {
        return new LayerNormalization[] {ln(1e-3), new LayerNormalization.Builder().center(false).build(),
            new LayerNormalization.Builder().scale(false).epsilon(1e-5).build(),
            new LayerNormalization.Builder().scale(false).center(false).build()};
    }

    @Test
    void gradientChecksPassWithAndWithoutGammaAndBeta() {
        for (CNN2DFormat f : CNN2DFormat.values()) {
            for (LayerNormalization layer : variants()) {
                boolean ok = LayerChecks.inDouble(() -> {
                    MultiLayerNetwork net = ChannelAffineLayerTest.net(f, layer, DataType.DOUBLE);
                    // gamma and beta away from their starting values, so their gradients are not trivial
                    net.getLayer(1).paramTable().values().forEach(p -> p.addi(uniform(DataType.DOUBLE, -0.5, 0.5,
                            p.shape())));
                    long[] shape = f == CNN2DFormat.NCHW ? new long[] {3, 3, 6, 6} : new long[] {3, 6, 6, 3};
                    return LayerChecks.gradientsMatch(net, uniform(DataType.DOUBLE, -1, 1, shape),
                            uniform(DataType.DOUBLE, -0.5, 0.5, 3, 2));
                });
                assertThat(ok).as(f + " " + layer).isTrue();
            }
        }
        boolean ff = LayerChecks.inDouble(() -> {
            MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5)
                    .dataType(DataType.DOUBLE).updater(new NoOp()).list()
                    .layer(new DenseLayer.Builder().nOut(5).activation(Activation.TANH).build())
                    .layer(ln(1e-3))
                    .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2)
                            .activation(Activation.TANH).build())
                    .setInputType(InputType.feedForward(3)).build());
            net.init();
            return LayerChecks.gradientsMatch(net, uniform(DataType.DOUBLE, -1, 1, 4, 3),
                    uniform(DataType.DOUBLE, -0.5, 0.5, 4, 2));
        });
        assertThat(ff).isTrue();
    }

    @Test
    void survivesJsonAndModelFiles(@TempDir File dir) throws Exception {
        for (CNN2DFormat f : CNN2DFormat.values()) {
            for (LayerNormalization layer : variants()) {
                MultiLayerNetwork net = ChannelAffineLayerTest.net(f, layer, DataType.FLOAT);
                LayerChecks.jsonRoundTrip(net.getLayerWiseConfigurations());
                long[] shape = f == CNN2DFormat.NCHW ? new long[] {2, 3, 6, 6} : new long[] {2, 6, 6, 3};
                net.fit(new DataSet(uniform(DataType.FLOAT, -1, 1, shape), LayerChecks.oneHot(DataType.FLOAT, 2, 2)));
                LayerChecks.saveLoad(net, uniform(DataType.FLOAT, -1, 1, shape), dir);
            }
        }
    }

    @Test
    void sameOutputsWithDl4jsNativeHelpersOnAndOff() {
        for (CNN2DFormat f : CNN2DFormat.values()) {
            MultiLayerNetwork on = LayerChecks.withHelpers(true, () -> ChannelAffineLayerTest.net(f, ln(1e-6),
                    DataType.FLOAT));
            MultiLayerNetwork off = LayerChecks.withHelpers(false, () -> ChannelAffineLayerTest.net(f, ln(1e-6),
                    DataType.FLOAT));
            if (Engine.nativeHasOneDnn()) {
                assertThat(Engine.helpersOf(on)).containsValue("MKLDNNConvHelper (dense input)");
            }
            off.setParams(on.params().dup());
            long[] shape = f == CNN2DFormat.NCHW ? new long[] {4, 3, 6, 6} : new long[] {4, 6, 6, 3};
            INDArray x = uniform(DataType.FLOAT, -1, 1, shape);
            assertThat(LayerChecks.maxAbsDiff(on.output(x, false), off.output(x, false))).as(f.name())
                    .isLessThan(1e-6);
        }
    }

    @Test
    void rejectsABadEpsilon() {
        assertThatThrownBy(() -> new LayerNormalization.Builder().epsilon(0)).hasMessageContaining("got 0.0");
        assertThatThrownBy(() -> new LayerNormalization.Builder().epsilon(Double.NaN)).hasMessageContaining("NaN");
    }
}
