package dev.graft.zoo.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
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
        assertUnsupportedFour(r.unsupported());
        assertThat(r.importable()).isFalse();
        assertThat(r.layerCount()).isEqualTo(7);
    }

    @Test
    void preflightListsEveryUnsupportedLayerOfAKeras3H5() throws Exception {
        assertUnsupportedFour(KerasImporter.builder(Fixtures.keras3("unsupported.h5")).build().preflight()
                .unsupported());
    }

    @Test
    void importFailsBeforeBuildingWithOneErrorNamingAllUnsupportedLayers() {
        assertThatThrownBy(() -> KerasImporter.builder(Fixtures.keras3("unsupported.keras")).build().importModel())
                .isInstanceOfSatisfying(UnsupportedKerasModelException.class, e -> {
                    assertUnsupportedFour(e.layers());
                    assertThat(e.getMessage()).contains("4 layers cannot be imported")
                            .contains("'gru' (GRU)").contains("'norm' (LayerNormalization)")
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
        assertUnsupportedFour(r.unsupported());

        Path mlpJson = tmp.resolve("mlp.json");
        try (ZipFile z = new ZipFile(Fixtures.keras3("mlp.keras").toFile())) {
            Files.write(mlpJson, z.getInputStream(z.getEntry("config.json")).readAllBytes());
        }
        assertThat(KerasImporter.builder(mlpJson).build().preflight().importable()).isTrue();
        assertThatThrownBy(() -> KerasImporter.builder(mlpJson).build().importModel())
                .isInstanceOf(KerasImportException.class).hasMessageContaining("without weights");
    }

    @Test
    void nestedModelsGroupedConvolutionsAndKeepdimsPoolingAreReportedByGraftsOwnChecks() throws Exception {
        ObjectNode cfg;
        try (ZipFile z = new ZipFile(Fixtures.keras3("gap_head.keras").toFile())) {
            cfg = (ObjectNode) KerasSource.JSON.readTree(z.getInputStream(z.getEntry("config.json")));
        }
        ObjectNode conv = (ObjectNode) cfg.path("config").path("layers").get(1).path("config");
        conv.put("groups", 3);
        ObjectNode gap = (ObjectNode) cfg.path("config").path("layers").get(2).path("config");
        gap.put("keepdims", true);
        ((ObjectNode) cfg.path("config").path("layers").get(3)).put("class_name", "Functional");
        Path json = tmp.resolve("odd.json");
        Files.writeString(json, cfg.toString());

        List<UnsupportedLayer> u = KerasImporter.builder(json).build().preflight().unsupported();
        assertThat(u).extracting(UnsupportedLayer::name).containsExactly("conv", "gap", "predictions");
        assertThat(u.get(0).reason()).contains("grouped convolution (groups=3)");
        assertThat(u.get(1).reason()).contains("keepdims=True");
        assertThat(u.get(2).reason()).contains("nested model");
    }

    private static void assertUnsupportedFour(List<UnsupportedLayer> u) {
        assertThat(u).extracting(UnsupportedLayer::name).containsExactly("gru", "norm", "double", "shared");
        assertThat(u).extracting(UnsupportedLayer::className)
                .containsExactly("GRU", "LayerNormalization", "Lambda", "Dense");
        assertThat(u.get(0).reason()).contains("no importer for Keras GRU");
        assertThat(u.get(1).reason()).contains("no importer for Keras LayerNormalization");
        assertThat(u.get(2).reason()).contains("Python code");
        assertThat(u.get(3).reason()).contains("applied 2 times");
    }
}
