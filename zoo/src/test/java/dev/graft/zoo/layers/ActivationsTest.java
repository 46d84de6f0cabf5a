package dev.graft.zoo.layers;

import static dev.graft.zoo.layers.LayerChecks.uniform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.graft.engine.Engine;
import java.io.File;
import java.util.function.DoubleUnaryOperator;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationGELU;
import org.nd4j.linalg.activations.impl.ActivationHardSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSwish;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class ActivationsTest {

    private static double relu6(double v) {
        return Math.min(Math.max(v, 0), 6);
    }

    /** erf by its Taylor series; exact to ~1e-13 for |x| <= 3.5. */
    private static double erf(double x) {
        double sum = 0;
        double term = x;
        for (int n = 0; n < 120; n++) {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    private static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    private static final DoubleUnaryOperator KERAS_HARD_SIGMOID = v -> relu6(v + 3) / 6;
    private static final DoubleUnaryOperator HARD_SILU = v -> v * relu6(v + 3) / 6;
    private static final DoubleUnaryOperator GELU_EXACT = v -> 0.5 * v * (1 + erf(v / Math.sqrt(2)));
    private static final DoubleUnaryOperator GELU_TANH = v -> 0.5 * v
            * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
    private static final DoubleUnaryOperator GELU_SIGMOID = v -> v * sigmoid(1.702 * v);
    private static final DoubleUnaryOperator SILU = v -> v * sigmoid(v);

    /** Max |f(x) - formula(x)| over random x in [-lo, hi) in double precision. */
    private static double maxError(IActivation f, DoubleUnaryOperator formula, double lo, double hi) {
        INDArray x = uniform(DataType.DOUBLE, lo, hi, 64, 5);
        INDArray y = f.getActivation(x.dup(), false);
        double max = 0;
        for (int i = 0; i < x.length(); i++) {
            max = Math.max(max, Math.abs(y.getDouble(i) - formula.applyAsDouble(x.getDouble(i))));
        }
        return max;
    }

    /** Max |backprop - central difference of formula| times epsilon, away from kinks. */
    private static double maxBackpropError(IActivation f, DoubleUnaryOperator formula) {
        INDArray x = uniform(DataType.DOUBLE, -4.5, 4.5, 50, 4);
        for (int i = 0; i < x.length(); i++) {
            double v = x.getDouble(i);
            if (Math.abs(Math.abs(v) - 3) < 1e-3) {
                x.putScalar(i, v + 0.01);
            }
        }
        INDArray eps = uniform(DataType.DOUBLE, -1, 1, 50, 4);
        INDArray dLdz = f.backprop(x.dup(), eps).getFirst();
        double h = 1e-6;
        double max = 0;
        for (int i = 0; i < x.length(); i++) {
            double v = x.getDouble(i);
            double d = (formula.applyAsDouble(v + h) - formula.applyAsDouble(v - h)) / (2 * h);
            max = Math.max(max, Math.abs(dLdz.getDouble(i) - d * eps.getDouble(i)));
        }
        return max;
    }

    @Test
    void kerasHardSigmoidIsRelu6OfXPlus3Over6() {
        assertThat(maxError(new KerasHardSigmoid(), KERAS_HARD_SIGMOID, -5, 5)).isLessThan(1e-12);
        assertThat(maxBackpropError(new KerasHardSigmoid(), KERAS_HARD_SIGMOID)).isLessThan(1e-7);
    }

    @Test
    void dl4jsHardSigmoidIsKeras2sNotKeras3s() {
        assertThat(maxError(new ActivationHardSigmoid(), v -> Math.min(1, Math.max(0, 0.2 * v + 0.5)), -5, 5))
                .as("libnd4j uses float constants").isLessThan(1e-7);
        assertThat(maxError(new ActivationHardSigmoid(), KERAS_HARD_SIGMOID, -5, 5)).isGreaterThan(0.05);
    }

    @Test
    void hardSiluIsXTimesKerasHardSigmoid() {
        assertThat(maxError(new HardSilu(), HARD_SILU, -5, 5)).isLessThan(1e-12);
        assertThat(maxBackpropError(new HardSilu(), HARD_SILU)).isLessThan(1e-7);
    }

    @Test
    void geluExactIsTheErfForm() {
        assertThat(maxError(new GeluExact(), GELU_EXACT, -3.5, 3.5)).isLessThan(1e-6);
        assertThat(maxBackpropError(new GeluExact(), GELU_EXACT)).isLessThan(1e-6);
        // Keras 3 docstring values (float32): gelu([-3, -1, 0, 1, 3]) = [-0.00404951, -0.15865529, 0, 0.8413447, 2.9959507]
        INDArray y = new GeluExact().getActivation(
                org.nd4j.linalg.factory.Nd4j.createFromArray(-3.0, -1.0, 0.0, 1.0, 3.0), false);
        assertThat(y.toDoubleVector()).containsExactly(new double[] {-0.00404951, -0.15865529, 0, 0.8413447, 2.9959507},
                within(1e-6));
    }

    @Test
    void dl4jsGeluIsTheSigmoidApproximationAndItsPreciseFormMatchesNoKerasGelu() {
        // ActivationGELU() = x * sigmoid(1.702 x), within float constants
        assertThat(maxError(new ActivationGELU(), GELU_SIGMOID, -3.5, 3.5)).isLessThan(1e-7);
        assertThat(maxError(new ActivationGELU(), GELU_EXACT, -3.5, 3.5)).isGreaterThan(1e-2);
        // ActivationGELU(true) (libnd4j precise_gelu) is neither Keras 3 gelu form: at x = 1 it gives 0.83145,
        // the erf form 0.84134, the tanh form (Keras approximate=True) 0.84119
        INDArray one = org.nd4j.linalg.factory.Nd4j.createFromArray(1.0);
        assertThat(new ActivationGELU(true).getActivation(one, false).getDouble(0)).isCloseTo(0.83145, within(1e-4));
        assertThat(maxError(new ActivationGELU(true), GELU_TANH, -3.5, 3.5)).isGreaterThan(1e-2);
        assertThat(maxError(new ActivationGELU(true), GELU_EXACT, -3.5, 3.5)).isGreaterThan(1e-2);
    }

    @Test
    void dl4jsSwishIsKeras3sSiluXTimesSigmoidX() {
        assertThat(maxError(new ActivationSwish(), SILU, -6, 6)).isLessThan(1e-12);
        assertThat(maxBackpropError(new ActivationSwish(), SILU)).isLessThan(1e-7);
    }

    @Test
    void affineIsScaleTimesXPlusOffset() {
        Affine a = Affine.of(1.0 / 6, 3);
        assertThat(maxError(a, v -> v / 6 + 3, -5, 5)).isLessThan(1e-12);
        assertThat(maxBackpropError(a, v -> v / 6 + 3)).isLessThan(1e-7);
        assertThat(a.getScale()).isEqualTo(1.0 / 6);
        assertThat(a.getOffset()).isEqualTo(3);
        assertThatThrownBy(() -> Affine.of(Double.NaN, 0)).hasMessageContaining("NaN");
    }

    private static MultiLayerConfiguration mlp(DataType type, IActivation hidden, IActivation extra) {
        return new NeuralNetConfiguration.Builder().seed(7).dataType(type).updater(new NoOp())
                .weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(6).activation(hidden).build())
                .layer(new ActivationLayer.Builder().activation(extra).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(3)
                        .activation(new ActivationTanH()).build())
                .setInputType(InputType.feedForward(4)).build();
    }

    private static final IActivation[] GRAFT = {new KerasHardSigmoid(), new HardSilu(), new GeluExact(),
        Affine.of(0.5, -0.25)};

    @Test
    void gradientChecksPassForEveryActivation() {
        for (IActivation f : GRAFT) {
            boolean ok = LayerChecks.inDouble(() -> {
                MultiLayerNetwork net = new MultiLayerNetwork(mlp(DataType.DOUBLE, f, f));
                net.init();
                INDArray x = uniform(DataType.DOUBLE, -2, 2, 5, 4);
                INDArray y = uniform(DataType.DOUBLE, -0.5, 0.5, 5, 3);
                return LayerChecks.gradientsMatch(net, x, y);
            });
            assertThat(ok).as(f.toString()).isTrue();
        }
    }

    @Test
    void activationsSurviveJsonAndModelFiles(@TempDir File dir) throws Exception {
        for (IActivation f : GRAFT) {
            MultiLayerConfiguration conf = mlp(DataType.FLOAT, f, Affine.of(2, 3));
            LayerChecks.jsonRoundTrip(conf);
            MultiLayerNetwork net = new MultiLayerNetwork(conf);
            net.init();
            MultiLayerNetwork back = LayerChecks.saveLoad(net, uniform(DataType.FLOAT, -2, 2, 5, 4), dir);
            assertThat(back.getLayerWiseConfigurations().getConf(0).getLayer())
                    .extracting(l -> ((DenseLayer) l).getActivationFn()).isEqualTo(f);
        }
    }

    private static MultiLayerNetwork cnn(IActivation f) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(11)
                .dataType(DataType.FLOAT).weightInit(WeightInit.XAVIER).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(8).activation(f).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new ActivationLayer.Builder().activation(f).build())
                .layer(new GlobalPoolingLayer.Builder().build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).activation(f).build())
                .setInputType(InputType.convolutional(10, 10, 3)).build());
        net.init();
        return net;
    }

    @Test
    void sameOutputsWithDl4jsNativeHelpersOnAndOff() {
        for (IActivation f : GRAFT) {
            MultiLayerNetwork on = LayerChecks.withHelpers(true, () -> cnn(f));
            MultiLayerNetwork off = LayerChecks.withHelpers(false, () -> cnn(f));
            if (Engine.nativeHasOneDnn()) {
                assertThat(Engine.helpersOf(on)).containsValue("MKLDNNConvHelper (dense input)");
            }
            assertThat(Engine.helpersOf(off).values()).containsOnly("-");
            off.setParams(on.params().dup());
            INDArray x = uniform(DataType.FLOAT, -1, 1, 4, 3, 10, 10);
            assertThat(LayerChecks.maxAbsDiff(on.output(x, false), off.output(x, false))).as(f.toString())
                    .isLessThan(1e-6);
        }
    }
}
