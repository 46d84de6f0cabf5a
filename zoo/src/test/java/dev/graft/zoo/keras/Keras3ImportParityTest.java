package dev.graft.zoo.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.SourceKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Every Keras-3-written fixture, in both file formats, imports and reproduces Keras' outputs within 1e-4. */
class Keras3ImportParityTest {

    static Stream<Arguments> fixtures() {
        return Stream.of(
                Arguments.of("mlp", true),
                Arguments.of("cnn", true),
                Arguments.of("two_branch", false),
                Arguments.of("mobilenetv2", false),
                Arguments.of("text_lstm", true),
                Arguments.of("gap_head", false));
    }

    @ParameterizedTest(name = "{0}.keras")
    @MethodSource("fixtures")
    void kerasArchiveImportsAndMatchesKerasOutputs(String name, boolean sequential) throws Exception {
        check(name + ".keras", name, sequential, KerasFormat.KERAS3_ARCHIVE);
    }

    @ParameterizedTest(name = "{0}.h5")
    @MethodSource("fixtures")
    void keras3WrittenH5ImportsAndMatchesKerasOutputs(String name, boolean sequential) throws Exception {
        check(name + ".h5", name, sequential, KerasFormat.KERAS3_H5);
    }

    @Test
    void keras3JsonConfigWithWeightsH5ImportsAndMatches(@TempDir Path tmp)
            throws Exception {
        Path json = tmp.resolve("two_branch.json");
        Path weights = tmp.resolve("two_branch.weights.h5");
        extract("two_branch.keras", "config.json", json);
        extract("two_branch.keras", "model.weights.h5", weights);
        KerasImporter importer = KerasImporter.builder(json).weights(weights).build();
        assertThat(importer.preflight().format()).isEqualTo(KerasFormat.KERAS3_JSON);
        assertThat(ParityCheck.of(importer.importModel(), Fixtures.keras3("two_branch.npz"), 1e-4).passed()).isTrue();
    }

    @Test
    void sequentialWithoutInputLayerTakesItsInputShapeFromTheFirstLayer(
            @TempDir Path tmp) throws Exception {
        Path json = tmp.resolve("mlp.json");
        Path weights = tmp.resolve("mlp.weights.h5");
        extract("mlp.keras", "config.json", json);
        extract("mlp.keras", "model.weights.h5", weights);
        ObjectNode cfg =
                (ObjectNode) KerasSource.JSON.readTree(json.toFile());
        ((ArrayNode) cfg.path("config").path("layers")).remove(0);
        Files.writeString(json, cfg.toString());

        GraftModel m = KerasImporter.builder(json).weights(weights).build().importModel();
        assertThat(m.card().inputShape()).containsExactly(8);
        assertThat(ParityCheck.of(m, Fixtures.keras3("mlp.npz"), 1e-4).passed()).isTrue();
    }

    @Test
    void twoInputsAndTwoOutputsKeepTheirOrderAndMatchKeras() throws Exception {
        GraftModel m = KerasImporter.builder(Fixtures.keras3("two_inputs_two_outputs.keras")).build().importModel();
        ComputationGraph g = (ComputationGraph) m.network();
        assertThat(g.getConfiguration().getNetworkInputs()).containsExactly("in_a", "in_b");
        assertThat(g.getConfiguration().getNetworkOutputs()).containsExactly("class_out", "value_out");
        assertThat(m.card().notes()).contains("2 inputs [in_a, in_b]");

        Map<String, INDArray> ref =
                ParityCheck.readArrays(Fixtures.keras3("two_inputs_two_outputs.npz"));
        INDArray[] out = g.output(false, ref.get("input_0"), ref.get("input_1"));
        for (int i = 0; i < 2; i++) {
            double diff = Transforms.abs(out[i].sub(ref.get("output_" + i)))
                    .maxNumber().doubleValue();
            assertThat(diff).as("output " + i).isLessThanOrEqualTo(1e-4);
        }
        assertThatThrownBy(
                () -> ParityCheck.of(m, Fixtures.keras3("two_inputs_two_outputs.npz"), 1e-4))
                .hasMessageContaining("has no 'input' array");
    }

    private static void extract(String archive, String member, Path to) throws Exception {
        try (ZipFile z = new ZipFile(Fixtures.keras3(archive).toFile())) {
            Files.write(to, z.getInputStream(z.getEntry(member)).readAllBytes());
        }
    }

    private static void check(String file, String name, boolean sequential, KerasFormat format) throws Exception {
        KerasImporter importer = KerasImporter.builder(Fixtures.keras3(file)).build();
        PreflightReport pre = importer.preflight();
        assertThat(pre.format()).isEqualTo(format);
        assertThat(pre.kerasVersion()).startsWith("3.");
        assertThat(pre.unsupported()).isEmpty();

        GraftModel m = importer.importModel();
        assertThat(m.network()).isInstanceOf(sequential ? MultiLayerNetwork.class : ComputationGraph.class);
        assertThat(m.card().source()).isEqualTo(SourceKind.KERAS3);

        ParityReport p = ParityCheck.of(m, Fixtures.keras3(name + ".npz"), 1e-4);
        System.out.println(file + ": " + p + ", card " + m.card());
        assertThat(p.maxAbsDiff()).isLessThanOrEqualTo(1e-4);
        assertThat(p.passed()).isTrue();
    }
}
