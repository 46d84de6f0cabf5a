package dev.graft.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class JavaAdamUpdaterTest {

    @Test
    void stepsAreBitIdenticalToLibnd4jsAdamOnOffsetViews() {
        bitIdentical(2 * JavaAdamUpdater.CHUNK + 777); // three chunks, the last one short
    }

    @Test
    void parallelRangesAreBitIdenticalToo() {
        // 9 chunks on 2 threads: two ranges of whole chunks, the second ending short
        Engine.withThreads(2, () -> {
            bitIdentical(8 * JavaAdamUpdater.CHUNK + 777);
            return null;
        });
    }

    private static void bitIdentical(int n) {
        Adam config = new Adam(3e-3, 0.85, 0.995, 1e-7);
        // state views at an offset inside a bigger array, as DL4J's second updater block has them
        INDArray nativeState = Nd4j.zeros(DataType.FLOAT, 1, 2 * n + 64);
        INDArray javaState = Nd4j.zeros(DataType.FLOAT, 1, 2 * n + 64);
        AdamUpdater reference = (AdamUpdater) config.instantiate(view(nativeState, 64, 2 * n), true);
        JavaAdamUpdater fast = new JavaAdamUpdater(config);
        fast.setStateViewArray(view(javaState, 64, 2 * n), new long[] {1, n}, 'f', true);
        Nd4j.getRandom().setSeed(7);
        for (int it = 0; it < 40; it++) {
            INDArray g = Nd4j.randn(DataType.FLOAT, 1, n).muli(it % 3 == 0 ? 1e-4 : 3.0);
            INDArray ref = g.dup();
            INDArray mine = view(Nd4j.zeros(DataType.FLOAT, 1, n + 5).addi(99), 5, n).assign(g);
            reference.applyUpdater(ref, it, 0);
            fast.applyUpdater(mine, it, 0);
            assertThat(mine.equals(ref)).as("update at iteration %d", it).isTrue();
        }
        assertThat(javaState.equals(nativeState)).isTrue();
        assertThat(javaState.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, 64)).sumNumber().doubleValue())
                .as("nothing before the view is touched").isZero();
    }

    @Test
    void fusedStepEqualsDivideAdamSubtractBitForBit() {
        for (int threads : new int[] {1, 2}) {
            Engine.withThreads(threads, () -> {
                int n = 8 * JavaAdamUpdater.CHUNK + 333;
                Adam config = new Adam(2e-3);
                AdamUpdater reference = (AdamUpdater) config.instantiate(Nd4j.zeros(DataType.FLOAT, 1, 2 * n), true);
                JavaAdamUpdater fast = new JavaAdamUpdater(config);
                fast.setStateViewArray(Nd4j.zeros(DataType.FLOAT, 1, 2 * n), new long[] {1, n}, 'f', true);
                Nd4j.getRandom().setSeed(9);
                INDArray refParams = Nd4j.randn(DataType.FLOAT, n);
                INDArray params = view(Nd4j.zeros(DataType.FLOAT, 1, n + 3), 3, n).assign(refParams.reshape(1, n));
                for (int it = 0; it < 10; it++) {
                    INDArray g = Nd4j.randn(DataType.FLOAT, 1, n);
                    INDArray ref = g.dup().divi(7); // DL4J: divide by the minibatch, Adam, params -= update
                    reference.applyUpdater(ref, it, 0);
                    refParams.subi(ref.reshape(n));
                    assertThat(fast.applyAndStep(g, params, 7f, it, 0)).isTrue();
                }
                assertThat(params.reshape(n).equals(refParams)).as("%d thread(s)", threads).isTrue();
                return null;
            });
        }
    }

    @Test
    void nonContiguousGradientFallsBackToTheNativeOp() {
        Adam config = new Adam(1e-2);
        AdamUpdater reference = (AdamUpdater) config.instantiate(Nd4j.zeros(DataType.FLOAT, 1, 24), true);
        JavaAdamUpdater fast = new JavaAdamUpdater(config);
        fast.setStateViewArray(Nd4j.zeros(DataType.FLOAT, 1, 24), new long[] {3, 4}, 'c', true);
        INDArray base = Nd4j.rand(DataType.FLOAT, 4, 3);
        INDArray transposed = base.transpose(); // [3,4], not 'c'-contiguous like the state
        INDArray ref = transposed.dup('c');
        reference.applyUpdater(ref, 0, 0);
        fast.applyUpdater(transposed, 0, 0);
        assertThat(transposed.equalsWithEps(ref, 1e-7)).isTrue();
    }

    @Test
    void networkTrainsIdenticallyWithGraftsAdamAndSavesAsPlainAdam() throws Exception {
        MultiLayerNetwork dl4j = net();
        MultiLayerNetwork graft = net();
        try (Engine.Scope s = Engine.use(EngineSettings.builder().javaAdam(false).build())) {
            assertThat(Engine.attachFastUpdaters(dl4j)).isZero();
        }
        assertThat(Engine.attachFastUpdaters(graft)).as("two Adam blocks (different rates), the Sgd one left")
                .isEqualTo(2);
        long sgdBlocks = ((BaseMultiLayerUpdater<?>) graft.getUpdater()).getUpdaterBlocks().stream()
                .map(UpdaterBlock::getGradientUpdater).filter(u -> !(u instanceof JavaAdamUpdater)).count();
        assertThat(sgdBlocks).isEqualTo(1);
        DataSet batch = batch();
        for (int i = 0; i < 15; i++) {
            dl4j.fit(batch);
            graft.fit(batch);
        }
        assertThat(graft.params().equals(dl4j.params())).isTrue();
        assertThat(graft.getUpdater().getStateViewArray().equals(dl4j.getUpdater().getStateViewArray())).isTrue();

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(graft, bytes, true);
        assertThat(bytes.toString("ISO-8859-1")).doesNotContain("JavaAdam");
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes.toByteArray()), true);
        restored.fit(batch);
        dl4j.fit(batch);
        assertThat(restored.params().equals(dl4j.params())).as("resumes from the saved moments").isTrue();
    }

    private static INDArray view(INDArray row, int from, int length) {
        return row.get(NDArrayIndex.interval(0, 0, true), NDArrayIndex.interval(from, from + length));
    }

    private static MultiLayerNetwork net() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5)
                .dataType(DataType.FLOAT).weightInit(WeightInit.XAVIER).updater(new Adam(2e-3)).list()
                .layer(new DenseLayer.Builder().nIn(20).nOut(16).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(16).nOut(12).activation(Activation.TANH).updater(new Sgd(0.05))
                        .build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(12).nOut(3)
                        .activation(Activation.SOFTMAX).updater(new Adam(1e-2)).build())
                .build());
        net.init();
        return net;
    }

    private static DataSet batch() {
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.FLOAT, 32, 20);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 32, 3);
        for (int i = 0; i < 32; i++) {
            y.putScalar(i, i % 3, 1);
        }
        return new DataSet(x, y);
    }
}
