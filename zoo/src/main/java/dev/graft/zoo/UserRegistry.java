package dev.graft.zoo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.zoo.store.WeightFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The models a user registered, persisted as {@code <home>/registry.json}; each model's weights and card live in
 * the cache as {@code <home>/models/<name>/<file>} and {@code <stem>.card.json}.
 */
final class UserRegistry {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private UserRegistry() {
    }

    /** The registered models as catalog entries (empty if nothing was registered). */
    static List<CatalogEntry> read(GraftHome home) throws IOException {
        List<CatalogEntry> out = new ArrayList<>();
        for (JsonNode m : models(home)) {
            String name = m.path("name").asText();
            String file = m.path("file").asText();
            String sha = m.path("sha256").asText();
            boolean graph = "ComputationGraph".equals(m.path("network").asText());
            Path cardFile = ModelCard.besides(home.models().resolve(name).resolve(file));
            ModelCard card = Files.isRegularFile(cardFile) ? ModelCard.read(cardFile)
                    : ModelCard.builder(name).source(SourceKind.DL4J_ZIP).build();
            PretrainedVariant v = new PretrainedVariant("default", WeightFile.sha256(name, file, sha), null,
                    card.layout(), card.inputShape(), card.normalization(), card.labels().size(), card.notes());
            out.add(new CatalogEntry(name, card.architecture() == null ? "unknown" : card.architecture(),
                    CatalogEntry.Kind.USER, null, graph, card.layout(), card.inputShape(),
                    "registered by the user (" + card.source() + ")", List.of(v)));
        }
        return out;
    }

    /** Adds or replaces a registration and writes the registry atomically. */
    static void put(GraftHome home, String name, String file, String sha256, boolean graph) throws IOException {
        ArrayNode models = JSON.createArrayNode();
        for (JsonNode m : models(home)) {
            if (!name.equals(m.path("name").asText())) {
                models.add(m);
            }
        }
        ObjectNode n = models.addObject();
        n.put("name", name).put("file", file).put("sha256", sha256)
                .put("network", graph ? "ComputationGraph" : "MultiLayerNetwork");
        ObjectNode root = JSON.createObjectNode();
        root.set("models", models);
        Files.createDirectories(home.root());
        Path tmp = home.registry().resolveSibling("registry.json.tmp");
        Files.writeString(tmp, JSON.writeValueAsString(root));
        Files.move(tmp, home.registry(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static List<JsonNode> models(GraftHome home) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.isRegularFile(home.registry())) {
            return out;
        }
        JsonNode root;
        try {
            root = JSON.readTree(home.registry().toFile());
        } catch (IOException e) {
            throw new IOException("model registry " + home.registry() + " is not valid JSON (" + e.getMessage()
                    .lines().findFirst().orElse("") + "); fix or delete it", e);
        }
        root.path("models").forEach(out::add);
        return out;
    }
}
