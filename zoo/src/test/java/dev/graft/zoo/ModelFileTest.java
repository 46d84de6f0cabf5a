package dev.graft.zoo;

import static dev.graft.zoo.GraftModelRoundTripTest.tinyCard;
import static dev.graft.zoo.GraftModelRoundTripTest.tinyNet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.function.Predicate;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The model file is one file: card inside, checksums over the entries, and a card that must fit its network. */
class ModelFileTest {

    @Test
    void aRenamedCopyWithoutItsSidecarLoadsAndPredictsExactlyAsTheOriginal(@TempDir Path dir) throws Exception {
        Path zip = dir.resolve("model.zip");
        GraftModel saved = GraftModel.of(tinyNet(), tinyCard()).save(zip);
        Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        Path copy = Files.copy(zip, elsewhere.resolve("renamed-copy.zip"));
        GraftModel back = GraftModel.load(copy);
        assertThat(back.card()).isEqualTo(saved.card());
        assertThat(back.warnings()).isEmpty();
        INDArray x = Nd4j.rand(DataType.FLOAT, 9, 4).muli(3);
        assertThat(back.predict(x)).isEqualTo(GraftModel.load(zip).predict(x)).isEqualTo(saved.predict(x));
    }

    @Test
    void aGraftZipWhoseCardEntryWasRemovedIsRefused(@TempDir Path dir) throws Exception {
        Path zip = dir.resolve("model.zip");
        GraftModel.of(tinyNet(), tinyCard()).save(zip);
        Path stripped = dir.resolve("stripped.zip");
        rewrite(zip, stripped, name -> !name.equals(GraftModel.CARD_ENTRY), true);
        assertThatThrownBy(() -> GraftModel.load(stripped)).isInstanceOf(IOException.class)
                .hasMessageContaining(stripped.toString()).hasMessageContaining("written by Graft")
                .hasMessageContaining("'graft-card.json' is missing");
        // the same without Graft's zip comment, but with the sidecar copy beside it
        Path noComment = dir.resolve("model2.zip");
        rewrite(zip, noComment, name -> !name.equals(GraftModel.CARD_ENTRY), false);
        Files.copy(ModelCard.besides(zip), ModelCard.besides(noComment));
        assertThatThrownBy(() -> GraftModel.load(noComment)).hasMessageContaining("'graft-card.json' is missing");
    }

    @Test
    void anAddedOrMissingEntryIsRefused(@TempDir Path dir) throws Exception {
        Path zip = dir.resolve("model.zip");
        GraftModel.of(tinyNet(), tinyCard()).save(zip);
        Path missing = dir.resolve("missing.zip");
        rewrite(zip, missing, name -> !name.equals("coefficients.bin"), true);
        assertThatThrownBy(() -> GraftModel.load(missing)).hasMessageContaining("entry 'coefficients.bin'")
                .hasMessageContaining("is missing");
    }

    @Test
    void aPlainDl4jZipGetsACardInferredFromTheNetworkAndAWarning(@TempDir Path dir) throws Exception {
        Path zip = dir.resolve("plain.zip");
        ModelSerializer.writeModel(tinyNet(), zip.toFile(), false);
        GraftModel m = GraftModel.load(zip);
        assertThat(m.card().source()).isEqualTo(SourceKind.DL4J_ZIP);
        assertThat(m.card().inputShape()).containsExactly(4);
        assertThat(m.card().layout()).isEqualTo(InputLayout.FLAT);
        assertThat(m.warnings()).singleElement().asString().contains(zip.toString()).contains("no model card")
                .contains("flat input of 4 values").contains("no input normalization").contains("3 unnamed outputs");
    }

    @Test
    void anOlderGraftZipWithOnlyItsSidecarStillLoadsAndIsChecked(@TempDir Path dir) throws Exception {
        Path zip = dir.resolve("old.zip");
        ModelSerializer.writeModel(tinyNet(), zip.toFile(), true);
        tinyCard().toBuilder().sha256("old.zip", Checksums.sha256(zip)).build().write(ModelCard.besides(zip));
        GraftModel m = GraftModel.load(zip);
        assertThat(m.card().labels()).containsExactly("a", "b", "c");
        assertThat(m.warnings()).isEmpty();
        Files.write(zip, new byte[] {0}, java.nio.file.StandardOpenOption.APPEND);
        assertThatThrownBy(() -> GraftModel.load(zip)).hasMessageContaining("checksum error").hasMessageContaining("old.zip");
    }

    @Test
    void aCardThatDoesNotFitTheNetworkIsRefusedOnSaveAndOnLoad(@TempDir Path dir) throws Exception {
        for (List<String> labels : List.of(List.of("a", "b"), List.of("a", "b", "c", "d", "e", "f", "g"))) {
            ModelCard wrong = tinyCard().toBuilder().labels(labels).build();
            assertThatThrownBy(() -> GraftModel.of(tinyNet(), wrong).save(dir.resolve("w.zip")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("names " + labels.size() + " labels").hasMessageContaining("3 outputs")
                    .hasMessageContaining("one label per output");
            // an older model whose sidecar card was edited
            Path zip = dir.resolve("old" + labels.size() + ".zip");
            ModelSerializer.writeModel(tinyNet(), zip.toFile(), false);
            wrong.write(ModelCard.besides(zip));
            assertThatThrownBy(() -> GraftModel.load(zip)).isInstanceOf(IOException.class)
                    .hasMessageContaining(zip.toString()).hasMessageContaining("3 outputs");
        }
        ModelCard wrongInput = tinyCard().toBuilder().input(InputLayout.FLAT, 5).build();
        assertThatThrownBy(() -> GraftModel.of(tinyNet(), wrongInput).save(dir.resolve("w.zip")))
                .hasMessageContaining("input [5]").hasMessageContaining("first layer takes 4");
        assertThat(Files.exists(dir.resolve("w.zip"))).isFalse();
    }

    @Test
    void anEditedCardInsideIsCheckedAgainstTheNetwork(@TempDir Path dir) throws Exception {
        Path zip = dir.resolve("model.zip");
        GraftModel saved = GraftModel.of(tinyNet(), tinyCard()).save(zip);
        Path edited = dir.resolve("edited.zip");
        String wrongCard = saved.card().toBuilder().labels(List.of("a", "b")).build().toJson();
        rewrite(zip, edited, name -> true, true, wrongCard);
        assertThatThrownBy(() -> GraftModel.load(edited)).hasMessageContaining(edited.toString())
                .hasMessageContaining("names 2 labels").hasMessageContaining("3 outputs");
    }

    @Test
    void aSidecarThatDiffersFromTheCardInsideIsIgnoredWithAWarning(@TempDir Path dir) throws Exception {
        Path zip = dir.resolve("model.zip");
        GraftModel saved = GraftModel.of(tinyNet(), tinyCard()).save(zip);
        saved.card().toBuilder().labels(List.of("x", "y", "z")).build().write(ModelCard.besides(zip));
        GraftModel m = GraftModel.load(zip);
        assertThat(m.card().labels()).containsExactly("a", "b", "c");
        assertThat(m.warnings()).singleElement().asString().contains("differs from the card inside");
    }

    /** Copies a zip's entries that {@code keep} accepts (optionally replacing the card entry's text). */
    static void rewrite(Path from, Path to, Predicate<String> keep, boolean keepComment, String... cardJson) throws IOException {
        try (ZipFile in = new ZipFile(from.toFile()); ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(to))) {
            if (keepComment && in.getComment() != null) {
                out.setComment(in.getComment());
            }
            Enumeration<? extends ZipEntry> entries = in.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (!keep.test(e.getName())) {
                    continue;
                }
                out.putNextEntry(new ZipEntry(e.getName()));
                if (cardJson.length > 0 && e.getName().equals(GraftModel.CARD_ENTRY)) {
                    out.write(cardJson[0].getBytes(java.nio.charset.StandardCharsets.UTF_8));
                } else {
                    try (InputStream is = in.getInputStream(e)) {
                        is.transferTo(out);
                    }
                }
                out.closeEntry();
            }
        }
    }

    @Test
    void anEmbeddingsVocabularyIsNotTakenForTheInputSize(@TempDir Path dir) throws Exception {
        org.deeplearning4j.nn.multilayer.MultiLayerNetwork net = new org.deeplearning4j.nn.multilayer.MultiLayerNetwork(
                new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().list()
                        .layer(new org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer.Builder().nIn(50).nOut(4)
                                .inputLength(12).build())
                        .layer(new org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer.Builder().build())
                        .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nIn(4).nOut(2)
                                .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                        .build());
        net.init();
        ModelCard card = ModelCard.builder("text").input(InputLayout.FLAT, 12).labels(List.of("ham", "spam")).build();
        GraftModel.of(net, card).save(dir.resolve("text.zip"));
        GraftModel back = GraftModel.load(dir.resolve("text.zip"));
        assertThat(back.card().inputShape()).containsExactly(12);
        assertThat(back.card().labels()).containsExactly("ham", "spam");
    }
}
