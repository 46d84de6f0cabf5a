package dev.graft.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class EngineTest {

    private static final EngineSettings HELPERS_OFF = EngineSettings.builder().helpers(false).build();

    @Test
    void bridgeAnswersDl4jsHelperCheck() {
        assertThat(Engine.bridgeWorks()).isTrue();
        assertThat(Engine.helpersRequested()).isTrue();
        assertThat(Engine.helpersAvailable()).as(Engine.describe()).isTrue();
        assertThat(Engine.describe()).contains("layer helpers on");
    }

    @Test
    void defaultBuildIsOneDnn() {
        // Graft's pom selects nd4j-native's "-onednn" build; a build with -Dnd4j.variant= (plain) would fail here.
        assertThat(Engine.nativeHasOneDnn()).as(Engine.buildInformation()).isTrue();
    }

    @Test
    void aNetworkBuiltOutsideGraftKeepsDl4jsDefaultUntilGraftRunsIt() {
        // no process-wide switch: DL4J builds the user's own networks without helpers, as it ships
        MultiLayerNetwork net = cnn();
        assertThat(System.getProperty(EngineSettings.DL4J_HELPERS_DISABLE)).isNull();
        assertThat(Engine.helpersOf(net)).containsEntry("conv", "-").containsEntry("pool", "-")
                .containsEntry("bn", "-");
        assertThat(Engine.attachHelpers(net)).isEqualTo(3);
        assertThat(Engine.helpersOf(net)).containsEntry("conv", "MKLDNNConvHelper (dense input)")
                .containsEntry("pool", "MKLDNNSubsamplingHelper")
                .containsEntry("bn", "MKLDNNBatchNormHelper (dense input)").containsEntry("dense", "-");
        assertThat(Engine.attachHelpers(net)).isZero();
    }

    @Test
    void helpersOffRemovesHelpersSoTheNetworkRunsDl4jsPlainPath() {
        MultiLayerNetwork net = withHelpers(EngineTest::cnn);
        try (Engine.Scope s = Engine.use(HELPERS_OFF)) {
            assertThat(Engine.helpersRequested()).isFalse();
            assertThat(Engine.attachHelpers(net)).isZero();
        }
        assertThat(Engine.helpersOf(net).values()).containsOnly("-");
        assertThat(Engine.helpersRequested()).as("the scope ended").isTrue();
    }

    @Test
    void trainingAttachesHelpers() {
        MultiLayerNetwork net = cnn();
        Engine.training(net, () -> null);
        assertThat(Engine.helpersOf(net)).containsEntry("conv", "MKLDNNConvHelper (dense input)");
    }

    @Test
    void helpersGiveTheSameOutputsAndTrainingAsDl4jsOwnLayers() {
        MultiLayerNetwork fast = withHelpers(EngineTest::cnn);
        MultiLayerNetwork plain = cnn();
        plain.setParams(fast.params().dup());
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 3, 16, 16).subi(0.5);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 4);
        for (int i = 0; i < 8; i++) {
            y.putScalar(i, i % 4, 1);
        }
        assertClose(fast.output(x, false), plain.output(x, false), 1e-4);
        DataSet ds = new DataSet(x, y);
        for (int step = 0; step < 5; step++) {
            fast.fit(ds);
            plain.fit(ds);
        }
        assertClose(fast.params(), plain.params(), 1e-3);
        assertClose(fast.output(x, false), plain.output(x, false), 1e-3);
    }

    @Test
    void networksWithoutConvolutionsTrainOnOneThreadAndTheCountIsRestored() {
        MultiLayerNetwork mlp = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(3).build())
                .layer(new OutputLayer.Builder().nIn(3).nOut(2).activation(Activation.SOFTMAX).build()).build());
        mlp.init();
        int before = Engine.threads();
        assertThat(Engine.trainingThreads(mlp)).isEqualTo(1);
        assertThat(Engine.trainingThreads(cnn())).isEqualTo(before);
        int inside = Engine.withThreads(before + 1, Engine::threads);
        assertThat(inside).isEqualTo(before + 1);
        assertThat(Engine.threads()).isEqualTo(before);
        assertThat(Engine.training(mlp, Engine::threads)).isEqualTo(1);
        assertThat(Engine.threads()).isEqualTo(before);
    }

    /** A network without convolutions: trained on one native thread. */
    private static MultiLayerNetwork softmaxOnly() {
        MultiLayerNetwork mlp = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new OutputLayer.Builder().nIn(3).nOut(2).activation(Activation.SOFTMAX).build()).build());
        mlp.init();
        return mlp;
    }

    @Test
    void trainingBlasThreadsCanBeSetApartFromTheNativeThreads() {
        MultiLayerNetwork mlp = softmaxOnly();
        int before = Engine.blasThreads();
        assertThat(Engine.training(mlp, Engine::blasThreads)).as("default: BLAS follows the native count").isEqualTo(1);
        try (Engine.Scope s = Engine.use(EngineSettings.builder().trainBlasThreads(3).build())) {
            assertThat(Engine.training(mlp, () -> Engine.threads() + "/" + Engine.blasThreads())).isEqualTo("1/3");
            assertThat(Engine.blasThreads()).isEqualTo(before);
        }
        assertThat(Engine.trainingBlasThreads()).isNull();
    }

    @Test
    void graftsAdamKeepsTheStartingCoresWhileTrainingLowersTheNativeThreads() {
        MultiLayerNetwork mlp = softmaxOnly();
        int start = Engine.startThreads();
        assertThat(Engine.withThreads(start + 2, Engine::startThreads)).isEqualTo(start);
        assertThat(Engine.withThreads(start + 2, JavaAdamUpdater::parallelism)).isEqualTo(start + 2);
        assertThat(Engine.training(mlp, Engine::threads)).isEqualTo(1);
        assertThat(Engine.training(mlp, JavaAdamUpdater::parallelism)).isEqualTo(start);
    }

    private static void assertClose(INDArray a, INDArray b, double relTol) {
        double scale = Math.max(1e-6, b.norm2Number().doubleValue());
        double diff = a.sub(b).norm2Number().doubleValue();
        assertThat(diff / scale).as("relative L2 difference").isLessThan(relTol);
    }

    private static MultiLayerNetwork withHelpers(Supplier<MultiLayerNetwork> build) {
        MultiLayerNetwork net = build.get();
        Engine.attachHelpers(net);
        return net;
    }

    private static MultiLayerNetwork cnn() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.FLOAT)
                .weightInit(WeightInit.RELU).updater(new Adam(1e-2)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv").nOut(8).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().name("bn").build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX, new int[] {2, 2}, new int[] {2, 2})
                        .name("pool").build())
                .layer(new DenseLayer.Builder().name("dense").nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(4)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(16, 16, 3)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }
}
