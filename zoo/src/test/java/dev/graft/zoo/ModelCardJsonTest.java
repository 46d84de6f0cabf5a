package dev.graft.zoo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ModelCardJsonTest {

    /**
     * A fresh user's finding: `graft import --mean 1,2 --std 1,1` on a 3-channel model (and duplicate --labels) saved a
     * card every later predict refused. The card itself refuses statistics that do not fit its input, and repeated
     * labels.
     */
    @Test
    void aCardRefusesStatisticsThatDoNotFitItsInputAndRepeatedLabels() {
        Normalization two = Normalization.of(1, new double[] {1, 2}, new double[] {1, 1});
        assertThatThrownBy(() -> ModelCard.builder("cnn").input(InputLayout.NHWC, 8, 8, 3).normalization(two).build())
                .hasMessageContaining("2 per-channel values but input [8, 8, 3] NHWC has 3 channels");
        assertThatThrownBy(() -> ModelCard.builder("mlp").input(InputLayout.FLAT, 6).normalization(two).build())
                .hasMessageContaining("has 6 features").hasMessageContaining("one mean and one std per feature");
        assertThat(ModelCard.builder("cnn").input(InputLayout.NCHW, 2, 8, 8).normalization(two).build()
                .normalization()).isEqualTo(two);
        Normalization one = Normalization.of(1, new double[] {0.5}, new double[] {2}); // one value for all channels
        assertThat(ModelCard.builder("cnn").input(InputLayout.NHWC, 8, 8, 3).normalization(one).build()
                .normalization()).isEqualTo(one);
        assertThatThrownBy(() -> ModelCard.builder("m").labels(List.of("a", "a", "b")).build())
                .hasMessageContaining("repeat a name");
    }

    private static ModelCard imagenetCard() {
        return ModelCard.builder("vgg16").architecture("VGG16").source(SourceKind.DL4J_ZOO)
                .input(InputLayout.NCHW, 3, 224, 224)
                .normalization(Normalization.of(1 / 255.0, new double[] {0.485, 0.456, 0.406},
                        new double[] {0.229, 0.224, 0.225}))
                .labels(List.of("cat", "dog")).license("CC BY 4.0").origin("test")
                .sha256("vgg16.zip", "ab".repeat(32)).build();
    }

    @Test
    void cardSurvivesAJsonRoundTrip(@TempDir Path dir) throws Exception {
        ModelCard card = imagenetCard();
        Path f = dir.resolve("vgg16.card.json");
        card.write(f);
        ModelCard back = ModelCard.read(f);
        assertThat(back).isEqualTo(card);
        assertThat(Files.readString(f)).contains("\"layout\" : \"NCHW\"").contains("\"formatVersion\" : 1");
    }

    @Test
    void recordedCutSurvivesAJsonRoundTripAndOldCardsHaveNone(@TempDir Path dir) throws Exception {
        ModelCard card = imagenetCard().toBuilder().cut("fc2").build();
        assertThat(card.cut()).isEqualTo("fc2");
        Path f = dir.resolve("planned.card.json");
        card.write(f);
        assertThat(Files.readString(f)).contains("\"cut\" : \"fc2\"");
        ModelCard back = ModelCard.read(f);
        assertThat(back.cut()).isEqualTo("fc2");
        assertThat(back).isEqualTo(card).isNotEqualTo(imagenetCard());
        assertThat(back.toString()).contains("cut at 'fc2'");

        // A card written before cuts were recorded: no field, no cut, and none written back.
        ModelCard old = ModelCard.parse("{\"formatVersion\":1,\"name\":\"old\",\"labels\":[\"a\",\"b\"]}");
        assertThat(old.cut()).isNull();
        assertThat(old.toJson()).doesNotContain("\"cut\"");
        assertThat(old.toString()).doesNotContain("cut");
        assertThat(card.toBuilder().cut(" ").build().cut()).as("blank records none").isNull();
        assertThat(card.toBuilder().cut(null).build()).isEqualTo(imagenetCard());
    }

    @Test
    void cardFileSitsBesideTheWeights() {
        assertThat(ModelCard.besides(Path.of("/m/vgg16.zip"))).isEqualTo(Path.of("/m/vgg16.card.json"));
    }

    @Test
    void invalidCardsAreRejectedWithTheValue() {
        assertThatThrownBy(() -> ModelCard.builder("x").input(InputLayout.NCHW, 3, 224).build())
                .hasMessageContaining("[3, 224]").hasMessageContaining("NCHW needs 3");
        assertThatThrownBy(() -> ModelCard.builder(" ").build()).hasMessageContaining("needs a name");
        assertThatThrownBy(() -> ModelCard.builder("x").sha256("f", "nothex").build()).hasMessageContaining("nothex");
        assertThatThrownBy(() -> Normalization.of(1, new double[] {0.5}, new double[] {0}))
                .hasMessageContaining("> 0");
        assertThatThrownBy(() -> ModelCard.parse("{\"name\":\"x\",\"formatVersion\":99}"))
                .hasMessageContaining("upgrade Graft");
    }

    @Test
    void normalizationAppliesScaleThenPerChannelMeanAndStd() {
        Normalization n = Normalization.of(0.5, new double[] {1, 2}, new double[] {2, 4});
        INDArray nchw = Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 2, 2, 2).muli(4);
        INDArray out = n.apply(nchw, InputLayout.NCHW);
        assertThat(out.getDouble(0, 0, 1, 1)).isEqualTo((4 * 0.5 - 1) / 2);
        assertThat(out.getDouble(0, 1, 0, 0)).isEqualTo((4 * 0.5 - 2) / 4);
        INDArray nhwc = Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 2, 2, 2).muli(4);
        INDArray out2 = n.apply(nhwc, InputLayout.NHWC);
        assertThat(out2.getDouble(0, 1, 1, 0)).isEqualTo((4 * 0.5 - 1) / 2);
        assertThat(out2.getDouble(0, 0, 0, 1)).isEqualTo((4 * 0.5 - 2) / 4);
        assertThat(nchw.getDouble(0, 0, 0, 0)).as("input is not modified").isEqualTo(4.0);
        assertThatThrownBy(() -> n.apply(Nd4j.ones(1, 3, 2, 2), InputLayout.NCHW))
                .hasMessageContaining("2 per-channel values but the input has 3 channels");
    }
}
