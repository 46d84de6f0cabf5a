package dev.graft.transfer.tune;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.listeners.ScoreIterationListener;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

class TrainerTest {

    private static MultiLayerNetwork net(double lr) {
        MultiLayerNetwork n = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).updater(new Sgd(lr))
                .list().layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(5).nOut(2).activation(Activation.SOFTMAX)
                        .build()).build());
        n.init();
        return n;
    }

    private static DataSetIterator data(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, 32, 4).subi(0.5);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 32, 2);
        for (int i = 0; i < 32; i++) {
            y.putScalar(i, x.getDouble(i, 0) > 0 ? 1 : 0, 1);
        }
        return new ListDataSetIterator<>(new DataSet(x, y).asList(), 8);
    }

    private static DataSetIterator reset(DataSetIterator it) {
        it.reset();
        return it;
    }

    @Test
    void callbacksSeeEveryEpochInOrderAndAStopEndsTheStage() {
        MultiLayerNetwork n = net(0.1);
        DataSetIterator train = data(1);
        List<String> seen = new ArrayList<>();
        int ran = Trainer.fit(n, "s", 5, 10, () -> reset(train), null, List.<Trainer.Callback>of(
                e -> seen.add("a" + e.epoch()),
                e -> {
                    seen.add("b" + e.epoch());
                    if (e.epoch() == 7) {
                        e.stop("enough");
                    }
                },
                e -> seen.add("c" + e.epoch() + (e.stopReason() == null ? "" : ":" + e.stopReason()))), List.of());
        assertThat(ran).isEqualTo(3);
        assertThat(seen).containsExactly("a5", "b5", "c5", "a6", "b6", "c6", "a7", "b7", "c7:enough");
    }

    @Test
    void earlyStoppingWaitsPatienceEpochsAndRestoreBestPutsTheBestEpochBack() {
        // a rate far too high: the validation loss gets worse after the first epochs
        MultiLayerNetwork n = net(40);
        DataSetIterator train = data(1);
        DataSetIterator val = data(2);
        List<Double> metrics = new ArrayList<>();
        List<INDArray> params = new ArrayList<>();
        Trainer.RestoreBest restore = new Trainer.RestoreBest();
        int ran = Trainer.fit(n, "s", 1, 30, () -> reset(train), () -> val, List.<Trainer.Callback>of(e -> {
            metrics.add(e.metric());
            params.add(e.network().params().dup());
            assertThat(e.metric()).isEqualTo(e.valLoss());
        }, restore, new Trainer.EarlyStopping(3)), List.of());
        int best = 0;
        for (int i = 1; i < metrics.size(); i++) {
            if (metrics.get(i) < metrics.get(best)) {
                best = i;
            }
        }
        assertThat(ran).as("stopped 3 epochs after the best").isEqualTo(best + 4).isLessThan(30);
        assertThat(n.params()).isEqualTo(params.get(best));
    }

    @Test
    void plateauScalesTheRateAfterPatienceEpochsWithoutImprovement() {
        List<Double> applied = new ArrayList<>();
        List<String> log = new ArrayList<>();
        Trainer.Plateau p = new Trainer.Plateau(2, 0.5, 0.1, applied::add, log::add);
        double[] metrics = {1.0, 0.9, 0.95, 0.97, 0.99, 0.98, 0.5};
        MultiLayerNetwork n = net(0.1);
        DataSetIterator train = data(1);
        int[] i = {0};
        Trainer.fit(n, "s", 1, metrics.length, () -> reset(train), null, List.<Trainer.Callback>of(e -> { }, new Trainer.Callback() {
            @Override
            public void onEpochEnd(Trainer.EpochEnd e) {
                Trainer.EpochEnd fake = new Trainer.EpochEnd(e.network(), e.stage(), e.epoch(), metrics[i[0]++],
                        new double[] {Double.NaN, Double.NaN}, false, 0);
                p.onEpochEnd(fake);
            }
        }), List.of());
        assertThat(applied).containsExactly(0.05, 0.025);
        assertThat(p.rate()).isEqualTo(0.025);
        assertThat(log).hasSize(2).allMatch(s -> s.startsWith("plateau: learning rate now"));
    }

    @Test
    void theNetworksOwnListenersStayAndExtraOnesAreRemovedAfterTheStage() {
        MultiLayerNetwork n = net(0.1);
        ScoreIterationListener own = new ScoreIterationListener(100);
        n.setListeners(own);
        FineTunerTest.CountingListener extra = new FineTunerTest.CountingListener();
        DataSetIterator train = data(1);
        Trainer.fit(n, "s", 1, 2, () -> reset(train), null, List.<Trainer.Callback>of(e -> { }), List.of(extra));
        assertThat(extra.iterations).isEqualTo(2 * 4);
        assertThat(n.getListeners()).containsExactly(own);
    }
}
