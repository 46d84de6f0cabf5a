package dev.graft.zoo.onnx.export;

import static dev.graft.zoo.onnx.export.ExportChecks.assertExportMatches;
import static dev.graft.zoo.onnx.export.ExportChecks.batch;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.keras.KerasImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Keras applications imported by Graft (the zoo's reduced-width keras.applications fixtures, and the
 * MobileNetV2 fixture), exported to ONNX and run in ONNX Runtime next to DL4J: whole, and cut at the input of
 * the classifier (the part a featurizer freezes).
 */
class KerasApplicationsExportTest {
    private static final Path KERAS3 = Path.of("src", "test", "resources", "keras", "keras3");

    static Stream<String> models() throws Exception {
        JsonNode apps = new ObjectMapper().readTree(Files.readString(KERAS3.resolve("apps").resolve("apps.json")));
        List<String> out = new ArrayList<>();
        apps.fieldNames().forEachRemaining(n -> {
            if (!n.startsWith("_")) {
                out.add("apps/" + n);
            }
        });
        out.add("mobilenetv2");
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void importedApplicationExportsAndMatchesDl4j(String name) throws Exception {
        GraftModel m = KerasImporter.builder(KERAS3.resolve(name + ".keras")).build().importModel();
        Model net = m.network();
        long[] shape = m.card().inputShape();
        long[] batchShape = new long[shape.length + 1];
        batchShape[0] = 2;
        System.arraycopy(shape, 0, batchShape, 1, shape.length);
        INDArray x = batch(31, batchShape);
        assertExportMatches(OnnxExporter.builder(net), net, x);
        // from the GraftModel: the input shape comes from the card, fixed in the graph
        ExportedOnnxModel fixed = assertExportMatches(OnnxExporter.builder(m), net, x);
        assertThat(fixed.model().getGraph().getInput(0).getType().getTensorType().getShape().getDimList())
                .extracting(d -> d.hasDimValue() ? d.getDimValue() : -1L)
                .containsExactly(-1L, batchShape[1], batchShape[2], batchShape[3]);
        if (net instanceof ComputationGraph) {
            ComputationGraph g = (ComputationGraph) net;
            String out = g.getConfiguration().getNetworkOutputs().get(0);
            String features = g.getConfiguration().getVertexInputs().get(out).get(0);
            assertExportMatches(OnnxExporter.builder(net).cutAt(features), net, x);
        }
    }
}
