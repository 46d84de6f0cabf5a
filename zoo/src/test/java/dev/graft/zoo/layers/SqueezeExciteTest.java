package dev.graft.zoo.layers;

import static dev.graft.zoo.layers.ChannelAffineLayerTest.toNhwc;
import static dev.graft.zoo.layers.LayerChecks.uniform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.Engine;
import java.io.File;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** {@link BroadcastMultiplyVertex} and {@link GlobalPoolingKeepDims}, alone and as a squeeze-and-excitation block. */
class SqueezeExciteTest {

    private static long[] shape(CNN2DFormat f, long n, long c, long h, long w) {
        return f == CNN2DFormat.NCHW ? new long[] {n, c, h, w} : new long[] {n, h, w, c};
    }

    /**
     * EfficientNet-style block: conv -> squeeze (keep-dims pooling) -> 1x1 reduce -> 1x1 expand (sigmoid) -> excite
     * (multiply with the conv output) -> global pool -> output. With {@code flatGate}, the gate is DL4J's collapsing
     * pooling and a dense layer instead, so the gate is [N, C].
     */
    static ComputationGraph seBlock(CNN2DFormat f, PoolingType squeeze, boolean flatGate, DataType type) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().seed(13).dataType(type)
                .updater(type == DataType.DOUBLE ? new NoOp() : new Adam(1e-2)).weightInit(WeightInit.XAVIER)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(6, 6, 3, f))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).dataFormat(f)
                        .activation(Activation.TANH).build(), "in");
        if (flatGate) {
            g.addLayer("squeeze", new GlobalPoolingLayer.Builder(squeeze).build(), "conv")
                    .addLayer("expand", new DenseLayer.Builder().nOut(4).activation(Activation.SIGMOID).build(),
                            "squeeze");
        } else {
            g.addLayer("squeeze", new GlobalPoolingKeepDims.Builder(squeeze).build(), "conv")
                    .addLayer("reduce", new ConvolutionLayer.Builder(1, 1).nOut(2).dataFormat(f)
                            .activation(new HardSilu()).build(), "squeeze")
                    .addLayer("expand", new ConvolutionLayer.Builder(1, 1).nOut(4).dataFormat(f)
                            .activation(new KerasHardSigmoid()).build(), "reduce");
        }
        g.addVertex("excite", new BroadcastMultiplyVertex(f), "conv", "expand")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "excite")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2)
                        .activation(Activation.TANH).build(), "pool")
                .setOutputs("out");
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return net;
    }

    @Test
    void vertexMultipliesEachChannelByItsGateForFlatAnd4dGates() {
        INDArray x = uniform(DataType.DOUBLE, -2, 2, 2, 3, 4, 5);
        INDArray gate = uniform(DataType.DOUBLE, 0, 1, 2, 3);
        INDArray expected = x.ulike();
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int h = 0; h < 4; h++) {
                    for (int w = 0; w < 5; w++) {
                        expected.putScalar(new int[] {n, c, h, w}, x.getDouble(n, c, h, w) * gate.getDouble(n, c));
                    }
                }
            }
        }
        for (CNN2DFormat f : CNN2DFormat.values()) {
            for (boolean flat : new boolean[] {true, false}) {
                ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder()
                        .dataType(DataType.DOUBLE).graphBuilder().addInputs("x", "g")
                        .setInputTypes(InputType.convolutional(4, 5, 3, f),
                                flat ? InputType.feedForward(3) : InputType.convolutional(1, 1, 3, f))
                        .addVertex("excite", new BroadcastMultiplyVertex(f), "x", "g").setOutputs("excite").build());
                net.init();
                INDArray xin = f == CNN2DFormat.NCHW ? x : toNhwc(x);
                INDArray gin = flat ? gate : gate.reshape(shape(f, 2, 3, 1, 1));
                INDArray want = f == CNN2DFormat.NCHW ? expected : toNhwc(expected);
                assertThat(LayerChecks.maxAbsDiff(net.outputSingle(xin, gin), want)).as(f + " flat " + flat)
                        .isLessThan(1e-15);
            }
        }
    }

    @Test
    void keepDimsPoolingIsTheSpatialMeanOrMaxInTheInputsLayout() {
        INDArray x = uniform(DataType.DOUBLE, -2, 2, 2, 3, 4, 5);
        for (CNN2DFormat f : CNN2DFormat.values()) {
            for (PoolingType type : new PoolingType[] {PoolingType.AVG, PoolingType.MAX}) {
                MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                        .dataType(DataType.DOUBLE).list().layer(new GlobalPoolingKeepDims.Builder(type).build())
                        .setInputType(InputType.convolutional(4, 5, 3, f)).build());
                net.init();
                INDArray y = net.output(f == CNN2DFormat.NCHW ? x : toNhwc(x));
                assertThat(y.shape()).containsExactly(shape(f, 2, 3, 1, 1));
                for (int n = 0; n < 2; n++) {
                    for (int c = 0; c < 3; c++) {
                        double sum = 0;
                        double max = Double.NEGATIVE_INFINITY;
                        for (int h = 0; h < 4; h++) {
                            for (int w = 0; w < 5; w++) {
                                sum += x.getDouble(n, c, h, w);
                                max = Math.max(max, x.getDouble(n, c, h, w));
                            }
                        }
                        double got = f == CNN2DFormat.NCHW ? y.getDouble(n, c, 0, 0) : y.getDouble(n, 0, 0, c);
                        assertThat(got).as(f + " " + type).isCloseTo(type == PoolingType.MAX ? max : sum / 20,
                                org.assertj.core.api.Assertions.within(1e-12));
                    }
                }
            }
        }
    }

    @Test
    void maxPoolingSharesTheGradientAmongTiedMaxima() {
        // all-zero channels (e.g. after ReLU): every position is a maximum and gets an equal share
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .list().layer(GlobalPoolingKeepDims.max()).setInputType(InputType.convolutional(2, 2, 1)).build());
        net.init();
        net.setInput(org.nd4j.linalg.factory.Nd4j.zeros(DataType.DOUBLE, 1, 1, 2, 2));
        net.feedForward(true, false);
        INDArray dx = net.getLayer(0).backpropGradient(org.nd4j.linalg.factory.Nd4j.ones(DataType.DOUBLE, 1, 1, 1, 1),
                org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces()).getSecond();
        assertThat(dx.ravel().toDoubleVector()).containsExactly(0.25, 0.25, 0.25, 0.25);
    }

    @Test
    void dl4jsGlobalPoolingWithoutCollapseFailsOnNhwc() {
        // why GlobalPoolingKeepDims exists: DL4J reshapes [N, C] to [N, input.size(1), 1, 1], i.e. [N, H, 1, 1] for NHWC
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).collapseDimensions(false).build())
                .setInputType(InputType.convolutional(5, 5, 3, CNN2DFormat.NHWC)).build());
        net.init();
        assertThatThrownBy(() -> net.output(uniform(DataType.FLOAT, 0, 1, 2, 5, 5, 3))).isInstanceOf(Exception.class);
    }

    @Test
    void gradientChecksPassForTheSqueezeExciteBlock() {
        for (CNN2DFormat f : CNN2DFormat.values()) {
            for (PoolingType squeeze : new PoolingType[] {PoolingType.AVG, PoolingType.MAX}) {
                for (boolean flat : new boolean[] {false, true}) {
                    boolean ok = LayerChecks.inDouble(() -> {
                        ComputationGraph net = seBlock(f, squeeze, flat, DataType.DOUBLE);
                        INDArray x = uniform(DataType.DOUBLE, -1, 1, shape(f, 3, 3, 6, 6));
                        return LayerChecks.gradientsMatch(net, new INDArray[] {x},
                                new INDArray[] {uniform(DataType.DOUBLE, -0.5, 0.5, 3, 2)});
                    });
                    assertThat(ok).as(f + " " + squeeze + " flat gate " + flat).isTrue();
                }
            }
        }
    }

    @Test
    void survivesJsonAndModelFiles(@TempDir File dir) throws Exception {
        for (CNN2DFormat f : CNN2DFormat.values()) {
            for (boolean flat : new boolean[] {false, true}) {
                ComputationGraph net = seBlock(f, PoolingType.AVG, flat, DataType.FLOAT);
                LayerChecks.jsonRoundTrip(net.getConfiguration());
                INDArray x = uniform(DataType.FLOAT, -1, 1, shape(f, 2, 3, 6, 6));
                net.fit(new MultiDataSet(x, LayerChecks.oneHot(DataType.FLOAT, 2, 2)));
                LayerChecks.saveLoad(net, dir, x);
            }
        }
    }

    @Test
    void sameOutputsWithDl4jsNativeHelpersOnAndOff() {
        for (CNN2DFormat f : CNN2DFormat.values()) {
            for (PoolingType squeeze : new PoolingType[] {PoolingType.AVG, PoolingType.MAX}) {
                ComputationGraph on = LayerChecks.withHelpers(true, () -> seBlock(f, squeeze, false, DataType.FLOAT));
                ComputationGraph off = LayerChecks.withHelpers(false, () -> seBlock(f, squeeze, false, DataType.FLOAT));
                if (Engine.nativeHasOneDnn()) {
                    assertThat(Engine.helpersOf(on)).containsValue("MKLDNNConvHelper (dense input)");
                }
                off.setParams(on.params().dup());
                INDArray x = uniform(DataType.FLOAT, -1, 1, shape(f, 4, 3, 6, 6));
                assertThat(LayerChecks.maxAbsDiff(on.outputSingle(x), off.outputSingle(x))).as(f + " " + squeeze)
                        .isLessThan(1e-6);
            }
        }
    }

    @Test
    void mismatchedGatesAndLayoutsAreRejectedWithTheShapes() {
        assertThatThrownBy(() -> new NeuralNetConfiguration.Builder().graphBuilder().addInputs("x", "g")
                .setInputTypes(InputType.convolutional(4, 4, 3, CNN2DFormat.NHWC), InputType.feedForward(3))
                .addVertex("excite", new BroadcastMultiplyVertex(CNN2DFormat.NCHW), "x", "g").setOutputs("excite")
                .build()).hasMessageContaining("built for NCHW");
        assertThatThrownBy(() -> new NeuralNetConfiguration.Builder().graphBuilder().addInputs("x", "g")
                .setInputTypes(InputType.convolutional(4, 4, 3), InputType.feedForward(5))
                .addVertex("excite", new BroadcastMultiplyVertex(CNN2DFormat.NCHW), "x", "g").setOutputs("excite")
                .build()).hasMessageContaining("feed-forward of size 3");
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("x", "g").addVertex("excite", new BroadcastMultiplyVertex(CNN2DFormat.NCHW), "x", "g")
                .setOutputs("excite").build());
        net.init();
        assertThatThrownBy(() -> net.outputSingle(uniform(DataType.FLOAT, 0, 1, 2, 3, 4, 4),
                uniform(DataType.FLOAT, 0, 1, 2, 1, 1, 3))).hasMessageContaining("[2, 3, 1, 1]")
                .hasMessageContaining("[2, 1, 1, 3]");
        assertThatThrownBy(() -> new BroadcastMultiplyVertex(null)).hasMessageContaining("NCHW or NHWC");
        assertThatThrownBy(() -> new GlobalPoolingKeepDims.Builder(PoolingType.PNORM))
                .hasMessageContaining("PNORM");
    }
}
