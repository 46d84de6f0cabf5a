package dev.graft.pretrain;

import dev.graft.transfer.tune.FineTuneConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.pretrain.corrupt.Corruptors;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.Normalization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class LayerwiseAutoencodersTest {
    static LabeledData digits(int n) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        return DataSpec.load("digits").subset(idx, "first " + n);
    }

    private static LayerwiseAutoencoders.Builder small() {
        return LayerwiseAutoencoders.builder(64).widths(24, 12).corruptor(Corruptors.mask(0.2))
                .normalization(Normalization.scale(1 / 16.0))
                .training(FineTuneConfig.builder().epochs(6).batchSize(32).learningRate(3e-3).seed(5).build());
    }

    @Test
    void eachLayersReconstructionLossFallsAndTheBaseStacksTheEncoders(@TempDir Path dir) throws Exception {
        Pretrained p = small().cacheDir(dir.resolve("codes")).build().pretrain(digits(300));
        assertThat(p.losses()).hasSize(2);
        for (double[] l : p.losses()) {
            assertThat(l).hasSize(6);
            assertThat(l[l.length - 1]).as("last epoch vs first").isLessThan(l[0] * 0.8);
        }
        MultiLayerNetwork base = p.base().multiLayerNetwork();
        assertThat(base.getnLayers()).isEqualTo(2);
        for (String layer : new String[] {"layer0", "layer1"}) {
            try (var files = java.nio.file.Files.list(dir.resolve("codes").resolve(layer))) {
                assertThat(files.count()).as("feature cache of " + layer).isGreaterThan(0);
            }
        }
        INDArray codes = p.base().predict(digits(5).features());
        assertThat(codes.shape()).containsExactly(5, 12);
        GraftModel saved = p.save(dir.resolve("ae.zip"));
        GraftModel back = GraftModel.load(dir.resolve("ae.zip"));
        assertThat(back.card().architecture()).isEqualTo("mlp-64-24-12-relu");
        assertThat(back.card().normalization()).isEqualTo(Normalization.scale(1 / 16.0));
        assertThat(back.card().origin()).contains("greedy layer-wise denoising autoencoders [24, 12]", "mask(0.20)");
        assertThat(back.predict(digits(5).features())).isEqualTo(codes);
        assertThat(saved.card().sha256()).containsKeys("configuration.json", "coefficients.bin"); // per zip entry, not per file name
    }

    @Test
    void encodersAreFrozenWhileLaterLayersTrain() {
        List<INDArray> afterLayer = new ArrayList<>();
        Pretrained p = small().onLayerTrained((k, enc) -> afterLayer.add(enc.getLayer(0).params().dup())).build()
                .pretrain(digits(200));
        assertThat(afterLayer).hasSize(2);
        INDArray finalFirst = p.base().multiLayerNetwork().getLayer(0).params();
        assertThat(afterLayer.get(1)).as("encoder 1 while layer 2 trained").isEqualTo(afterLayer.get(0));
        assertThat(finalFirst).as("encoder 1 in the final base").isEqualTo(afterLayer.get(0));
    }

    @Test
    void stackedBaseTakesAHeadAndFineTunes() {
        Pretrained p = small().build().pretrain(digits(200));
        LabeledData few = DataSpec.load("digits").samplePerClass(3, 1);
        MultiLayerNetwork clf = p.withHead(few.labels(), 1e-2, 1);
        INDArray x = p.base().preprocess(few.features());
        INDArray frozenBefore = clf.getLayer(0).params().dup();
        for (int i = 0; i < 5; i++) {
            clf.fit(x, few.oneHotLabels());
        }
        assertThat(clf.output(x).shape()).containsExactly(30, 10);
        assertThat(clf.getLayer(0).params()).as("fine-tuning trains the encoders too").isNotEqualTo(frozenBefore);
        assertThat(p.base().multiLayerNetwork().getLayer(0).params()).as("the saved base is untouched")
                .isEqualTo(frozenBefore);
    }

    @Test
    void badInputGivesClearErrors() {
        LabeledData empty = new LabeledData(Nd4j.zeros(DataType.FLOAT, 0, 64), new int[0], List.of("a"), "nothing");
        assertThatThrownBy(() -> small().build().pretrain(empty)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no examples in nothing");
        LabeledData wide = new LabeledData(Nd4j.zeros(DataType.FLOAT, 3, 10), new int[3], List.of("a"), "ten columns");
        assertThatThrownBy(() -> small().build().pretrain(wide))
                .hasMessageContaining("takes examples of shape [64], but the data has examples of shape [10]");
        assertThatThrownBy(() -> LayerwiseAutoencoders.builder(64).widths().build()).hasMessageContaining("at least one layer width");
        assertThatThrownBy(() -> LayerwiseAutoencoders.builder(64).widths(8, 0).build()).hasMessageContaining("[8, 0]");
        assertThatThrownBy(() -> FineTuneConfig.builder().epochs(0).build()).hasMessage("epochs must be at least 1, got 0");
    }

    @Test
    void aBaseWhoseTrainingDivergedIsNeverSaved(@TempDir Path dir) throws Exception {
        Pretrained p = small().widths(24).normalization(Normalization.scale(1e37)).build().pretrain(digits(64)); // up to 1.6e38
        assertThat(p.divergence()).startsWith("loss ").contains("at epoch 1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.save(dir.resolve("nan.zip")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("pretraining diverged")
                .hasMessageContaining("nothing was saved to " + dir.resolve("nan.zip"));
        assertThat(dir.resolve("nan.zip")).doesNotExist();
    }
}
