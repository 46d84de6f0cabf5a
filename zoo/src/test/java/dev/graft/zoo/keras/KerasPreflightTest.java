package dev.graft.zoo.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The preflight names every layer that cannot be imported, with its class and a reason, in one error. */
class KerasPreflightTest {

    @TempDir
    Path tmp;

    @Test
    void preflightListsEveryUnsupportedLayerOfAKerasArchive() throws Exception {
        PreflightReport r = KerasImporter.builder(Fixtures.keras3("unsupported.keras")).build().preflight();
        assertUnsupportedThree(r.unsupported());
        assertThat(r.importable()).isFalse();
        assertThat(r.layerCount()).isEqualTo(7);
    }

    @Test
    void preflightListsEveryUnsupportedLayerOfAKeras3H5() throws Exception {
        assertUnsupportedThree(KerasImporter.builder(Fixtures.keras3("unsupported.h5")).build().preflight()
                .unsupported());
    }

    @Test
    void importFailsBeforeBuildingWithOneErrorNamingAllUnsupportedLayers() {
        assertThatThrownBy(() -> KerasImporter.builder(Fixtures.keras3("unsupported.keras")).build().importModel())
                .isInstanceOfSatisfying(UnsupportedKerasModelException.class, e -> {
                    assertUnsupportedThree(e.layers());
                    assertThat(e.getMessage()).contains("3 layers cannot be imported")
                            .contains("'gru' (GRU)").doesNotContain("'norm'")
                            .contains("'double' (Lambda)").contains("'shared' (Dense)")
                            .doesNotContain("\n");
                });
    }

    @Test
    void preflightOfAJsonConfigNeedsNoWeightsButTheImportDoes() throws Exception {
        Path json = tmp.resolve("unsupported.json");
        try (ZipFile z = new ZipFile(Fixtures.keras3("unsupported.keras").toFile())) {
            Files.write(json, z.getInputStream(z.getEntry("config.json")).readAllBytes());
        }
        PreflightReport r = KerasImporter.builder(json).build().preflight();
        assertThat(r.format()).isEqualTo(KerasFormat.KERAS3_JSON);
        assertUnsupportedThree(r.unsupported());

        Path mlpJson = tmp.resolve("mlp.json");
        try (ZipFile z = new ZipFile(Fixtures.keras3("mlp.keras").toFile())) {
            Files.write(mlpJson, z.getInputStream(z.getEntry("config.json")).readAllBytes());
        }
        assertThat(KerasImporter.builder(mlpJson).build().preflight().importable()).isTrue();
        assertThatThrownBy(() -> KerasImporter.builder(mlpJson).build().importModel())
                .isInstanceOf(KerasImportException.class).hasMessageContaining("without weights");
    }

    @Test
    void brokenNestedModelsAndTrueGroupedConvolutionsAreReportedByGraftsOwnChecks() throws Exception {
        ObjectNode cfg;
        try (ZipFile z = new ZipFile(Fixtures.keras3("gap_head.keras").toFile())) {
            cfg = (ObjectNode) KerasSource.JSON.readTree(z.getInputStream(z.getEntry("config.json")));
        }
        ObjectNode conv = (ObjectNode) cfg.path("config").path("layers").get(1).path("config");
        conv.put("groups", 2); // not the input's 3 channels: a true grouped convolution
        ObjectNode gap = (ObjectNode) cfg.path("config").path("layers").get(2).path("config");
        gap.put("keepdims", true); // imported since Graft has GlobalPoolingKeepDims
        ((ObjectNode) cfg.path("config").path("layers").get(3)).put("class_name", "Functional");
        Path json = tmp.resolve("odd.json");
        Files.writeString(json, cfg.toString());

        List<UnsupportedLayer> u = KerasImporter.builder(json).build().preflight().unsupported();
        assertThat(u).extracting(UnsupportedLayer::name).containsExactly("conv", "predictions");
        assertThat(u.get(0).reason()).contains("grouped convolution (groups=2, 3 input channels)");
        assertThat(u.get(1).reason()).contains("nested");
    }

    private static void assertUnsupportedThree(List<UnsupportedLayer> u) {
        // LayerNormalization 'norm' imports since Graft has the layer (KerasLayerFixturesTest checks its parity)
        assertThat(u).extracting(UnsupportedLayer::name).containsExactly("gru", "double", "shared");
        assertThat(u).extracting(UnsupportedLayer::className).containsExactly("GRU", "Lambda", "Dense");
        assertThat(u.get(0).reason()).contains("no importer for Keras GRU");
        assertThat(u.get(1).reason()).contains("Python code");
        assertThat(u.get(2).reason()).contains("applied 2 times");
    }

    @Test
    void aKeras2LstmRunningBackwardsIsRefused() throws Exception {
        // DL4J's importers never read go_backwards: the Keras 2 path ran such a layer forwards, silently
        String json = "{\"class_name\": \"Sequential\", \"keras_version\": \"2.4.0\", \"backend\": \"tensorflow\", "
                + "\"config\": {\"name\": \"s\", \"layers\": [{\"class_name\": \"LSTM\", \"config\": {\"name\": "
                + "\"rnn\", \"batch_input_shape\": [null, 5, 3], \"units\": 4, \"go_backwards\": true, "
                + "\"activation\": \"tanh\", \"recurrent_activation\": \"sigmoid\", \"use_bias\": true, "
                + "\"return_sequences\": false}}]}}";
        Path file = tmp.resolve("backwards.json");
        Files.writeString(file, json);
        List<UnsupportedLayer> u = KerasImporter.builder(file).build().preflight().unsupported();
        assertThat(u).extracting(UnsupportedLayer::name).contains("rnn");
        assertThat(u.stream().filter(l -> l.name().equals("rnn")).findFirst().orElseThrow().reason())
                .contains("go_backwards=True");
    }

    @Test
    void dl4jCodeThatNeverReturnsIsReportedAfterTheTimeLimit() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> KerasPreflight.withinTimeLimit("spin", 1, () -> {
            while (true) {
                Thread.onSpinWait(); // like DL4J's getNInFromConfig loop: never looks at interrupts
            }
        })).isInstanceOf(java.util.concurrent.TimeoutException.class).hasMessageContaining("within 1 s");
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(5);
    }

    @Test
    void aDepthwiseConvolutionAfterAnUnsupportedLayerIsPreflightedInSeconds() throws Exception {
        // Keras 2 form, DL4J's own path: DL4J's KerasLayer.getNInFromConfig looped forever on the depthwise layer
        // when the layer before it was not built
        String json = "{\"class_name\": \"Model\", \"keras_version\": \"2.4.0\", \"backend\": \"tensorflow\", "
                + "\"config\": {\"name\": \"m\", \"layers\": ["
                + "{\"class_name\": \"InputLayer\", \"name\": \"in\", \"inbound_nodes\": [], \"config\": "
                + "{\"name\": \"in\", \"batch_input_shape\": [null, 8, 8, 3], \"dtype\": \"float32\"}}, "
                + "{\"class_name\": \"Lambda\", \"name\": \"odd\", \"inbound_nodes\": [[[\"in\", 0, 0, {}]]], "
                + "\"config\": {\"name\": \"odd\", \"function\": \"x\"}}, "
                + "{\"class_name\": \"DepthwiseConv2D\", \"name\": \"dw\", \"inbound_nodes\": [[[\"odd\", 0, 0, {}]]], "
                + "\"config\": {\"name\": \"dw\", \"kernel_size\": [3, 3], \"strides\": [1, 1], \"padding\": \"same\", "
                + "\"depth_multiplier\": 1, \"activation\": \"linear\", \"use_bias\": true, \"data_format\": "
                + "\"channels_last\", \"dilation_rate\": [1, 1], \"depthwise_initializer\": {\"class_name\": "
                + "\"GlorotUniform\", \"config\": {\"seed\": null}}, \"bias_initializer\": {\"class_name\": \"Zeros\", "
                + "\"config\": {}}}}], "
                + "\"input_layers\": [[\"in\", 0, 0]], \"output_layers\": [[\"dw\", 0, 0]]}}";
        Path file = tmp.resolve("lambda-then-depthwise.json");
        Files.writeString(file, json);
        PreflightReport r = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> KerasImporter.builder(file).build().preflight());
        assertThat(r.unsupported()).extracting(UnsupportedLayer::name).contains("odd");
    }
}
