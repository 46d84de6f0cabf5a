package dev.graft.transfer.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.zoo.GraftModel;
import org.nd4j.linalg.api.ndarray.INDArray;
import dev.graft.zoo.keras.KerasImporter;
import dev.graft.zoo.keras.ParityCheck;
import dev.graft.zoo.keras.ParityReport;
import dev.graft.zoo.keras.Tolerance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The keras.applications architectures (reduced width, zoo's test fixtures) featurize as they verify: the
 * featurizer, cut at the output and at the pooled features, gives Keras' float64 output and the plain network's
 * activations. An imported DenseNet once verified and then failed to featurize (a copied graph lost its concat
 * axis).
 */
@Tag("slow") // the fast lane (-Pquick) leaves it out; mvn verify runs it
class ImportedApplicationsFeaturizeTest {
    private static final Path APPS = Path.of("..", "zoo", "src", "test", "resources", "keras", "keras3", "apps");

    static Stream<String> applications() throws Exception {
        JsonNode apps = new ObjectMapper().readTree(Files.readString(APPS.resolve("apps.json")));
        List<String> out = new ArrayList<>();
        apps.fieldNames().forEachRemaining(n -> {
            if (!n.startsWith("_")) {
                out.add(n);
            }
        });
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("applications")
    void theFeaturizingPathReproducesTheReference(String name) throws Exception {
        GraftModel m = KerasImporter.builder(APPS.resolve(name + ".keras")).build().importModel();
        List<ParityReport> reports = FeaturizingParity.check(m, ParityCheck.reference(APPS.resolve(name + ".npz")),
                Tolerance.DEFAULT);
        assertThat(reports).hasSize(2);
        reports.forEach(r -> assertThat(r.passed()).as(name + ": " + r.path() + ": " + r).isTrue());
    }

    /**
     * Under the default {@code auto} each imported application's frozen part (to its pooled features) runs on ONNX
     * Runtime, and its features agree with DL4J's element by element within 1e-4 + 1e-3 |dl4j|.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("applications")
    void autoFeaturizesTheImportedApplicationOnOnnxRuntime(String name) throws Exception {
        GraftModel m = KerasImporter.builder(APPS.resolve(name + ".keras")).build().importModel();
        INDArray in = ParityCheck.toNetworkLayout(m, ParityCheck.reference(APPS.resolve(name + ".npz")).input());
        List<String> cuts = dev.graft.zoo.inspect.ModelInspector.inspect(m).cutPoints();
        String output = ((org.deeplearning4j.nn.graph.ComputationGraph) m.network()).getConfiguration()
                .getNetworkOutputs().get(0);
        String cut = cuts.get(cuts.size() - 1).equals(output) ? cuts.get(cuts.size() - 2) : cuts.get(cuts.size() - 1);
        GraftModel raw = m.withCard(m.card().toBuilder().normalization(dev.graft.zoo.Normalization.identity()).build());
        Featurizer auto = Featurizers.cut(raw, cut, dev.graft.engine.FeaturizeEngine.AUTO);
        INDArray ort = auto.featurize(in.dup());
        assertThat(auto.engine().isOnnx()).as(name + " at '" + cut + "': " + auto.engine().describe()).isTrue();
        INDArray dl4j = Featurizers.cut(raw, cut, dev.graft.engine.FeaturizeEngine.DL4J).featurize(in.dup());
        assertThat(dev.graft.zoo.onnx.export.OnnxParity.compare(List.of(cut), List.of(dl4j), List.of(ort)).passed())
                .isTrue();
    }
}
