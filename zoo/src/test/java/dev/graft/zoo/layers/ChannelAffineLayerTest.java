package dev.graft.zoo.layers;

import static dev.graft.zoo.layers.LayerChecks.uniform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.Engine;
import java.io.File;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class ChannelAffineLayerTest {

    /** [N, C, H, W] to [N, H, W, C]. */
    static INDArray toNhwc(INDArray nchw) {
        return nchw.permute(0, 2, 3, 1).dup('c');
    }

    /** y[n,c,h,w] = x[n,c,h,w] * s[c] + o[c], by loops. */
    static INDArray affineByLoops(INDArray x, double[] s, double[] o) {
        INDArray y = x.ulike();
        long[] sh = x.shape();
        for (int n = 0; n < sh[0]; n++) {
            for (int c = 0; c < sh[1]; c++) {
                for (int h = 0; h < sh[2]; h++) {
                    for (int w = 0; w < sh[3]; w++) {
                        double v = x.getDouble(n, c, h, w) * s[s.length == 1 ? 0 : c] + o[o.length == 1 ? 0 : c];
                        y.putScalar(new int[] {n, c, h, w}, v);
                    }
                }
            }
        }
        return y;
    }

    private static MultiLayerNetwork single(Layer layer, InputType in, DataType type) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(type).list()
                .layer(layer).setInputType(in).build());
        net.init();
        return net;
    }

    @Test
    void trainableScaleAndOffsetArePerChannelParametersInNchwAndNhwc() {
        double[] s = {0.5, -2, 3};
        double[] o = {1, 0.25, -4};
        INDArray x = uniform(DataType.DOUBLE, -3, 3, 2, 3, 4, 5);
        INDArray expected = affineByLoops(x, s, o);
        for (CNN2DFormat f : CNN2DFormat.values()) {
            ChannelAffineLayer layer = new ChannelAffineLayer.Builder().scale(s).offset(o).trainableScale(true)
                    .trainableOffset(true).build();
            MultiLayerNetwork net = single(layer, InputType.convolutional(4, 5, 3, f), DataType.DOUBLE);
            assertThat(net.getLayer(0).paramTable()).containsOnlyKeys("scale", "offset");
            assertThat(net.getLayer(0).getParam("scale").shape()).containsExactly(1, 3);
            assertThat(net.getLayer(0).getParam("scale").toDoubleVector()).containsExactly(s);
            assertThat(net.params().toDoubleVector()).containsExactly(1 * 0.5, -2, 3, 1, 0.25, -4);
            INDArray in = f == CNN2DFormat.NCHW ? x : toNhwc(x);
            INDArray want = f == CNN2DFormat.NCHW ? expected : toNhwc(expected);
            assertThat(LayerChecks.maxAbsDiff(net.output(in), want)).as(f.name()).isLessThan(1e-12);
        }
    }

    @Test
    void layerScaleIsGammaTimesXWithoutOffsetAndWorksOnFeedForwardInput() {
        ChannelAffineLayer layer = ChannelAffineLayer.layerScale(4, 1e-6);
        MultiLayerNetwork net = single(layer, InputType.feedForward(4), DataType.DOUBLE);
        assertThat(net.getLayer(0).paramTable()).containsOnlyKeys("scale");
        assertThat(net.params().toDoubleVector()).containsExactly(1e-6, 1e-6, 1e-6, 1e-6);
        net.getLayer(0).setParam("scale", Nd4j.createFromArray(new double[][] {{1, 2, 3, 4}}));
        INDArray x = uniform(DataType.DOUBLE, -1, 1, 6, 4);
        INDArray y = net.output(x);
        for (int n = 0; n < 6; n++) {
            for (int c = 0; c < 4; c++) {
                assertThat(y.getDouble(n, c)).isEqualTo(x.getDouble(n, c) * (c + 1));
            }
        }
    }

    @Test
    void rescalingAndNormalizationAreFixedConstantsWithoutParameters() {
        INDArray x = uniform(DataType.DOUBLE, 0, 255, 2, 3, 4, 4);
        MultiLayerNetwork rescale = single(ChannelAffineLayer.rescaling(1 / 127.5, -1),
                InputType.convolutional(4, 4, 3), DataType.DOUBLE);
        assertThat(rescale.numParams()).isZero();
        assertThat(LayerChecks.maxAbsDiff(rescale.output(x), x.div(127.5).sub(1))).isLessThan(1e-12);

        double[] mean = {0.485 * 255, 0.456 * 255, 0.406 * 255};
        double[] var = {Math.pow(0.229 * 255, 2), Math.pow(0.224 * 255, 2), 0};
        MultiLayerNetwork norm = single(ChannelAffineLayer.normalization(mean, var),
                InputType.convolutional(4, 4, 3), DataType.DOUBLE);
        assertThat(norm.numParams()).isZero();
        INDArray y = norm.output(x);
        for (int c = 0; c < 3; c++) {
            double sd = Math.max(Math.sqrt(var[c]), 1e-7); // Keras: maximum(sqrt(variance), epsilon())
            INDArray want = x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(c)).sub(mean[c]).div(sd);
            INDArray got = y.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(c));
            assertThat(LayerChecks.maxAbsDiff(got, want) / want.amaxNumber().doubleValue()).isLessThan(1e-12);
        }
        MultiLayerNetwork invert = single(ChannelAffineLayer.normalization(mean, var, true),
                InputType.convolutional(4, 4, 3), DataType.DOUBLE);
        assertThat(LayerChecks.maxAbsDiff(invert.output(y), x) / 255).as("inverted normalization undoes it")
                .isLessThan(1e-12);
        ChannelAffineLayer fixed = ChannelAffineLayer.normalization(new double[] {1, 2, 3, 4}, new double[] {4});
        MultiLayerNetwork trained = net(CNN2DFormat.NCHW, fixed, DataType.FLOAT);
        assertThat(trained.getLayer(1).numParams()).isZero();
        INDArray before = trained.params().dup();
        trained.fit(new DataSet(uniform(DataType.FLOAT, 0, 1, 4, 3, 6, 6), LayerChecks.oneHot(DataType.FLOAT, 4, 2)));
        assertThat(trained.params()).isNotEqualTo(before); // the other layers trained
        ChannelAffineLayer after = (ChannelAffineLayer) trained.getLayerWiseConfigurations().getConf(1).getLayer();
        assertThat(after.getScale()).containsExactly(0.5, 0.5, 0.5, 0.5);
        assertThat(after.getOffset()).containsExactly(-0.5, -1, -1.5, -2);
    }

    @Test
    void badSettingsAndInputsAreRejectedWithTheValues() {
        assertThatThrownBy(() -> new ChannelAffineLayer.Builder().scale()).hasMessageContaining("at least one value");
        assertThatThrownBy(() -> new ChannelAffineLayer.Builder().channels(4).scale(1, 2, 3).build())
                .hasMessageContaining("3 scale").hasMessageContaining("channel count 4");
        assertThatThrownBy(() -> single(new ChannelAffineLayer.Builder().offset(1, 2).build(),
                InputType.convolutional(4, 4, 3), DataType.FLOAT)).hasMessageContaining("channel count 3");
        assertThatThrownBy(() -> ChannelAffineLayer.normalization(new double[] {1, 2}, new double[] {1, 2, 3}))
                .hasMessageContaining("2 and 3");
        assertThatThrownBy(() -> ChannelAffineLayer.normalization(new double[] {1}, new double[] {-1}))
                .hasMessageContaining("-1.0");
        MultiLayerNetwork noCount = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new ChannelAffineLayer.Builder().scale(1, 2, 3).build()).build());
        noCount.init(); // no InputType, no channels(C): fixed values are checked against the input
        assertThat(noCount.output(Nd4j.ones(DataType.FLOAT, 2, 3)).getFloat(1, 2)).isEqualTo(3f);
        assertThatThrownBy(() -> noCount.output(Nd4j.ones(DataType.FLOAT, 2, 4))).hasMessageContaining("channel count 4");
        assertThatThrownBy(() -> new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new ChannelAffineLayer.Builder().trainableScale(true).build()).build()).init())
                .hasMessageContaining("no channel count").hasMessageContaining("channels(C)");
        MultiLayerNetwork nchw = single(ChannelAffineLayer.layerScale(3, 1), InputType.convolutional(4, 4, 3),
                DataType.FLOAT);
        assertThatThrownBy(() -> nchw.output(Nd4j.rand(DataType.FLOAT, 1, 4, 4, 3)))
                .hasMessageContaining("3 channels").hasMessageContaining("[1, 4, 4, 3]");
    }

    /** conv (format f) -> layer -> global average pool -> tanh output. */
    static MultiLayerNetwork net(CNN2DFormat f, Layer layer, DataType type) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5).dataType(type)
                .updater(type == DataType.DOUBLE ? new NoOp() : new Adam(1e-2)).weightInit(WeightInit.XAVIER).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).dataFormat(f).activation(Activation.TANH).build())
                .layer(layer)
                .layer(new GlobalPoolingLayer.Builder().build())
                .layer(new DenseLayer.Builder().nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).activation(Activation.TANH)
                        .build())
                .setInputType(InputType.convolutional(6, 6, 3, f)).build());
        net.init();
        return net;
    }

    private static ChannelAffineLayer trainable() {
        return new ChannelAffineLayer.Builder().scale(0.5, 1.5, -1, 2).offset(0.1, -0.2, 0.3, 0)
                .trainableScale(true).trainableOffset(true).build();
    }

    @Test
    void gradientChecksPassInNchwNhwcAndFeedForward() {
        for (CNN2DFormat f : CNN2DFormat.values()) {
            boolean ok = LayerChecks.inDouble(() -> {
                MultiLayerNetwork net = net(f, trainable(), DataType.DOUBLE);
                long[] shape = f == CNN2DFormat.NCHW ? new long[] {3, 3, 6, 6} : new long[] {3, 6, 6, 3};
                return LayerChecks.gradientsMatch(net, uniform(DataType.DOUBLE, -1, 1, shape),
                        uniform(DataType.DOUBLE, -0.5, 0.5, 3, 2));
            });
            assertThat(ok).as(f.name()).isTrue();
        }
        boolean ff = LayerChecks.inDouble(() -> {
            MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5)
                    .dataType(DataType.DOUBLE).updater(new NoOp()).list()
                    .layer(new DenseLayer.Builder().nOut(4).activation(Activation.TANH).build())
                    .layer(trainable())
                    .layer(ChannelAffineLayer.rescaling(0.5, 1))
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
            MultiLayerNetwork net = net(f, trainable(), DataType.FLOAT);
            LayerChecks.jsonRoundTrip(net.getLayerWiseConfigurations());
            LayerChecks.jsonRoundTrip(net(f, ChannelAffineLayer.normalization(new double[] {1, 2, 3, 4},
                    new double[] {4}), DataType.FLOAT).getLayerWiseConfigurations());
            long[] shape = f == CNN2DFormat.NCHW ? new long[] {2, 3, 6, 6} : new long[] {2, 6, 6, 3};
            net.fit(new DataSet(uniform(DataType.FLOAT, -1, 1, shape), LayerChecks.oneHot(DataType.FLOAT, 2, 2)));
            MultiLayerNetwork back = LayerChecks.saveLoad(net, uniform(DataType.FLOAT, -1, 1, shape), dir);
            assertThat(back.getLayer(1).getParam("scale")).isEqualTo(net.getLayer(1).getParam("scale"));
            assertThat(((ChannelAffineLayer) back.getLayerWiseConfigurations().getConf(1).getLayer()).getDataFormat())
                    .isEqualTo(f);
        }
    }

    @Test
    void sameOutputsWithDl4jsNativeHelpersOnAndOff() {
        for (CNN2DFormat f : CNN2DFormat.values()) {
            MultiLayerNetwork on = LayerChecks.withHelpers(true, () -> net(f, trainable(), DataType.FLOAT));
            MultiLayerNetwork off = LayerChecks.withHelpers(false, () -> net(f, trainable(), DataType.FLOAT));
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
}
