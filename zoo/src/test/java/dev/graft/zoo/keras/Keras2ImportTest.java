package dev.graft.zoo.keras;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.zoo.GraftModel;
import dev.graft.zoo.SourceKind;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;

/**
 * Keras 2 files go through DL4J's own importer. No Keras 2 can run here, so these are files real Keras 2
 * releases wrote (copied unchanged from DL4J's test resources, see keras2/PROVENANCE.md). The MLP is checked
 * against the predictions Keras 2.3.1 stored beside it; the LSTM file carries no predictions, so it is checked
 * against a NumPy forward pass of its weights.
 */
class Keras2ImportTest {

    @Test
    void keras206LstmH5ImportsThroughDl4jAndMatchesNumpyForwardPass() throws Exception {
        GraftModel m = KerasImporter.builder(Fixtures.keras2("simple_lstm.h5")).build().importModel();
        assertThat(m.card().source()).isEqualTo(SourceKind.KERAS2);
        assertThat(m.card().origin()).contains("KERAS2_H5").contains("Keras 2.0.6");
        assertThat(m.network()).isInstanceOf(MultiLayerNetwork.class);
        ParityReport p = ParityCheck.of(m, Fixtures.keras2("simple_lstm.npz"), 1e-4);
        System.out.println("simple_lstm.h5 (Keras 2.0.6): " + p + ", card " + m.card());
        assertThat(p.passed()).isTrue();
    }

    @Test
    void keras231MlpH5ImportsThroughDl4jAndMatchesKeras2Predictions() throws Exception {
        GraftModel m = KerasImporter.builder(Fixtures.keras2("simple_mlp.h5")).build().importModel();
        assertThat(m.card().source()).isEqualTo(SourceKind.KERAS2);
        ParityReport p = ParityCheck.of(m, Fixtures.keras2("simple_mlp.npz"), 1e-4);
        System.out.println("simple_mlp.h5 (Keras 2.3.1): " + p + ", card " + m.card());
        assertThat(p.passed()).isTrue();
    }

    @Test
    void keras2JsonConfigWithWeightsOnlyH5ImportsAndMatchesNumpyForwardPass() throws Exception {
        KerasImporter importer = KerasImporter.builder(Fixtures.keras2("simple_lstm_weights.json"))
                .weights(Fixtures.keras2("simple_lstm_weights.h5")).build();
        assertThat(importer.preflight().format()).isEqualTo(KerasFormat.KERAS2_JSON);
        GraftModel m = importer.importModel();
        ParityReport p = ParityCheck.of(m, Fixtures.keras2("simple_lstm.npz"), 1e-4);
        System.out.println("simple_lstm json+weights: " + p);
        assertThat(p.passed()).isTrue();
    }

    @Test
    void preflightOfAKeras2FileNamesBothLambdaLayers() throws Exception {
        KerasImporter importer = KerasImporter.builder(Fixtures.keras2("lambda_layers.h5")).build();
        PreflightReport r = importer.preflight();
        assertThat(r.format()).isEqualTo(KerasFormat.KERAS2_H5);
        assertThat(r.kerasVersion()).isEqualTo("2.0.9");
        assertThat(r.unsupported()).extracting(UnsupportedLayer::name).containsExactly("lambda_1", "lambda_2");
        assertThat(r.unsupported()).allSatisfy(u -> assertThat(u.reason()).contains("Python code"));
        org.assertj.core.api.Assertions.assertThatThrownBy(importer::importModel)
                .isInstanceOf(UnsupportedKerasModelException.class).hasMessageContaining("2 layers cannot be imported");
    }
}
