package dev.graft.zoo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class GraftModelRoundTripTest {

    static MultiLayerNetwork tinyNet() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }

    static ModelCard tinyCard() {
        return ModelCard.builder("tiny").architecture("mlp").input(InputLayout.FLAT, 4)
                .normalization(Normalization.scale(0.5)).labels(List.of("a", "b", "c")).build();
    }

    @Test
    void savedModelLoadsWithItsCardAndIdenticalPredictions(@TempDir Path dir) throws Exception {
        GraftModel m = GraftModel.of(tinyNet(), tinyCard());
        Path zip = dir.resolve("tiny.zip");
        GraftModel saved = m.save(zip);
        assertThat(saved.card().sha256()).containsKeys("configuration.json", "coefficients.bin").doesNotContainKey("tiny.zip");
        try (var zf = new java.util.zip.ZipFile(zip.toFile())) {
            assertThat(zf.getEntry(GraftModel.CARD_ENTRY)).isNotNull();
            assertThat(ModelCard.parse(new String(zf.getInputStream(zf.getEntry(GraftModel.CARD_ENTRY)).readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8))).isEqualTo(saved.card());
        }
        GraftModel back = GraftModel.load(zip);
        assertThat(back.card()).isEqualTo(saved.card());
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 7, 4).muli(2);
        assertThat(back.predict(x)).isEqualTo(m.predict(x));
        assertThat(m.predict(x)).isEqualTo(m.multiLayerNetwork().output(x.mul(0.5)));
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("tiny.zip", "tiny.card.json");
        }
    }

    @Test
    void aChangedZipFailsItsChecksumWithBothSums(@TempDir Path dir) throws Exception {
        Path zip = dir.resolve("tiny.zip");
        GraftModel saved = GraftModel.of(tinyNet(), tinyCard()).save(zip);
        String expected = saved.card().sha256().get("coefficients.bin");
        MultiLayerNetwork changed = tinyNet();
        changed.params().addi(1);
        ModelSerializer.writeModel(changed, zip.toFile(), false);
        assertThatThrownBy(() -> GraftModel.load(zip)).isInstanceOf(IOException.class)
                .hasMessageContaining(zip.toString()).hasMessageContaining("entry 'coefficients.bin'")
                .hasMessageContaining("expected sha256 " + expected)
                .hasMessageContaining("actual sha256 ");
    }

    @Test
    void plainDl4jZipLoadsWithAMinimalCard(@TempDir Path dir) throws Exception {
        Path zip = dir.resolve("plain.zip");
        ModelSerializer.writeModel(tinyNet(), zip.toFile(), false);
        GraftModel m = GraftModel.load(zip);
        assertThat(m.card().source()).isEqualTo(SourceKind.DL4J_ZIP);
        assertThat(m.isGraph()).isFalse();
    }

    @Test
    void wrongInputShapeAndBadFilesAreClearErrors(@TempDir Path dir) throws Exception {
        GraftModel m = GraftModel.of(tinyNet(), tinyCard());
        assertThatThrownBy(() -> m.predict(Nd4j.ones(2, 5))).hasMessageContaining("takes examples of shape [4]")
                .hasMessageContaining("got [5]");
        assertThatThrownBy(() -> GraftModel.load(dir.resolve("none.zip"))).hasMessageContaining("does not exist");
        Path junk = Files.writeString(dir.resolve("junk.zip"), "not a zip");
        assertThatThrownBy(() -> GraftModel.load(junk)).isInstanceOf(IOException.class)
                .hasMessageContaining("is not a readable zip").hasMessageContaining(junk.toString());
    }
}
