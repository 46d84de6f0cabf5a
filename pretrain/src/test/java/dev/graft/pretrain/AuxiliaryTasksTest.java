package dev.graft.pretrain;

import dev.graft.transfer.tune.FineTuneConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.pretrain.corrupt.Corruptors;
import dev.graft.transfer.data.LabeledData;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.Normalization;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class AuxiliaryTasksTest {
    private static final BaseNet BASE = BaseNet.mlp(64, Activation.RELU, 32, 16);
    private static final Normalization SCALE = Normalization.scale(1 / 16.0);

    private static FineTuneConfig training(int epochs) {
        return FineTuneConfig.builder().epochs(epochs).batchSize(32).learningRate(3e-3).seed(3).build();
    }

    private static void assertUsableBase(Pretrained p, Path zip, String name) throws Exception {
        double[] l = p.losses().get(0);
        assertThat(l[l.length - 1]).as(name + " loss falls").isLessThan(l[0]);
        p.save(zip);
        GraftModel back = GraftModel.load(zip);
        assertThat(back.card().name()).isEqualTo(name);
        assertThat(back.card().architecture()).isEqualTo("mlp-64-32-16-relu");
        assertThat(back.card().labels()).isEmpty();
        INDArray x = LayerwiseAutoencodersTest.digits(4).features();
        assertThat(back.predict(x)).isEqualTo(p.base().predict(x));
        assertThat(back.predict(x).shape()).containsExactly(4, 16);
        // usable by transfer: the feature cache's featurizer cuts the saved base at its top layer by name
        assertThat(dev.graft.transfer.cache.Featurizers.cut(back, BASE.topLayerName()).featurize(x)).isEqualTo(back.predict(x));
    }

    @Test
    void corruptionTaskLearnsGoodFromBadAndKeepsTheBase(@TempDir Path dir) throws Exception {
        Pretrained p = CorruptionTask.builder(BASE).corruptor(Corruptors.patchShuffle(1, 8, 8, 4)).normalization(SCALE)
                .training(training(5)).build().pretrain(LayerwiseAutoencodersTest.digits(300));
        assertUsableBase(p, dir.resolve("c.zip"), "corruption-base");
        assertThat(p.base().card().origin()).contains("patch-shuffle(1x8x8, patch 4)");
    }

    @Test
    void marginRankingScorerTrainsAndKeepsTheBase(@TempDir Path dir) throws Exception {
        Pretrained p = MarginRanking.builder(BASE).margin(1.0).corruptor(Corruptors.mask(0.4)).normalization(SCALE)
                .training(training(5)).build().pretrain(LayerwiseAutoencodersTest.digits(300));
        assertUsableBase(p, dir.resolve("m.zip"), "margin-base");
        assertThat(p.base().card().origin()).contains("margin 1.0");
    }

    @Test
    void pairTaskSharesOneBaseAcrossBothMembersOfAPair(@TempDir Path dir) throws Exception {
        PairTask task = PairTask.builder(BASE).pairing(PairTask.Pairing.SAME_CLASS).normalization(SCALE)
                .training(training(5)).build();
        org.deeplearning4j.nn.graph.ComputationGraph g = task.graph();
        assertThat(g.getNumLayers()).as("one copy of each base layer, one head layer, one output").isEqualTo(4);
        Pretrained p = task.pretrain(LayerwiseAutoencodersTest.digits(300));
        assertUsableBase(p, dir.resolve("p.zip"), "pairs-base");
        Pretrained views = PairTask.builder(BASE).pairing(PairTask.Pairing.SAME_EXAMPLE).corruptor(Corruptors.gaussian(0.2))
                .normalization(SCALE).training(training(3)).build().pretrain(LayerwiseAutoencodersTest.digits(200));
        assertThat(views.base().card().origin()).contains("same_example", "gaussian(0.20)");
    }

    @Test
    void sameSeedGivesTheSameBaseAndAnotherSeedAnotherOne() {
        java.util.function.LongFunction<INDArray> run = seed -> MarginRanking.builder(BASE).corruptor(Corruptors.mask(0.3))
                .normalization(SCALE).training(FineTuneConfig.builder().epochs(2).batchSize(32).seed(seed).build()).build()
                .pretrain(LayerwiseAutoencodersTest.digits(100)).base().multiLayerNetwork().params();
        INDArray a = run.apply(9);
        assertThat(run.apply(9)).isEqualTo(a);
        assertThat(run.apply(10)).isNotEqualTo(a);
    }

    @Test
    void badInputGivesClearErrors() {
        LabeledData empty = new LabeledData(Nd4j.zeros(DataType.FLOAT, 0, 64), new int[0], List.of("a"), "nothing");
        LabeledData wrong = new LabeledData(Nd4j.zeros(DataType.FLOAT, 4, 9), new int[4], List.of("a"), "nine columns");
        LabeledData oneClass = new LabeledData(Nd4j.zeros(DataType.FLOAT, 4, 64), new int[4], List.of("a", "b"), "all a");
        CorruptionTask c = CorruptionTask.builder(BASE).corruptor(Corruptors.mask(0.2)).build();
        assertThatThrownBy(() -> c.pretrain(empty)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no examples in nothing");
        assertThatThrownBy(() -> c.pretrain(wrong)).hasMessageContaining("takes examples of shape [64], but the data has examples of shape [9]");
        assertThatThrownBy(() -> CorruptionTask.builder(BASE).build()).hasMessageContaining("needs a corruptor");
        assertThatThrownBy(() -> MarginRanking.builder(BASE).corruptor(Corruptors.mask(0.2)).margin(0).build())
                .hasMessage("ranking margin must be a positive number, got 0.0");
        assertThatThrownBy(() -> MarginRanking.builder(BASE).corruptor(Corruptors.mask(0.2)).margin(-0.5).build())
                .hasMessageContaining("got -0.5");
        assertThatThrownBy(() -> PairTask.builder(BASE).build().pretrain(oneClass))
                .hasMessageContaining("at least two classes, but all a (4 examples) has 1");
        assertThatThrownBy(() -> PairTask.builder(BASE).pairing(PairTask.Pairing.SAME_EXAMPLE).build())
                .hasMessageContaining("need a corruptor");
        assertThatThrownBy(() -> BaseNet.mlp(64, Activation.RELU)).hasMessageContaining("at least one hidden layer");
    }
}
