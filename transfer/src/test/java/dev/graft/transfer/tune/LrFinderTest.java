package dev.graft.transfer.tune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.transfer.data.LabeledData;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The LR range test is a {@link Trainer} callback: it runs through the one epoch loop, on a copy. */
class LrFinderTest {
    static MultiLayerNetwork head() {
        return (MultiLayerNetwork) Cut.of(FineTunerTest.planned(FineTunerTest.mlpBase(), "bn").network()).buildTop();
    }

    static org.nd4j.linalg.dataset.api.iterator.DataSetIterator features(int n) {
        LabeledData d = FineTunerTest.data(n, 3);
        INDArray x = FineTunerTest.mlpBase().multiLayerNetwork().feedForwardToLayer(1, d.features().div(16), false).get(2);
        return new LabeledData(x, d.labelIndices(), d.labels(), "features at bn").iterator(8);
    }

    @Test
    void theSweepRaisesTheRateEveryIterationCyclesThroughTheDataAndLeavesTheNetworkAlone() {
        MultiLayerNetwork net = head();
        INDArray before = net.params().dup();
        LrFinder.Result r = new LrFinder(1e-5, 1e-2, 30).run(net, features(32)); // 4 batches an epoch: 8 epochs
        assertThat(r.rates()).hasSize(30);
        assertThat(r.rates()[0]).isEqualTo(1e-5);
        assertThat(r.rates()[29]).isCloseTo(1e-2, org.assertj.core.data.Offset.offset(1e-12));
        for (int i = 1; i < r.rates().length; i++) {
            assertThat(r.rates()[i]).isGreaterThan(r.rates()[i - 1]);
        }
        assertThat(r.losses()).hasSize(30);
        for (double l : r.losses()) {
            assertThat(l).isFinite();
        }
        assertThat(net.params()).isEqualTo(before);
    }

    @Test
    void theSweepStopsWhenTheLossExplodes() {
        LrFinder.Result r = new LrFinder(1e-3, 1e8, 200).run(head(), features(32));
        assertThat(r.rates().length).isBetween(6, 199);
        assertThat(r.suggested()).isEqualTo(Math.max(1e-3, r.rates()[argmin(r.losses())] / 10));
    }

    @Test
    void aBadSweepIsRefused() {
        assertThatThrownBy(() -> new LrFinder(1e-2, 1e-3, 100)).hasMessageContaining("0 < minRate < maxRate");
        assertThatThrownBy(() -> new LrFinder(1e-6, 1, 4)).hasMessageContaining("at least 5 steps");
    }

    @Test
    void itIsACallbackOfTheOneLoop() {
        assertThat(Trainer.Callback.class).isAssignableFrom(LrFinder.class);
        assertThat(List.of(new OneCycle(0.1, 10))).allSatisfy(c -> assertThat(c).isInstanceOf(Trainer.Callback.class));
    }

    private static int argmin(double[] v) {
        int a = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] < v[a]) {
                a = i;
            }
        }
        return a;
    }
}
