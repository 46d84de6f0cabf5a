package dev.graft.transfer.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.zoo.GraftModel;
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
}
