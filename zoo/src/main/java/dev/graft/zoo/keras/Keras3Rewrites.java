package dev.graft.zoo.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Rewrites custom layers of {@code keras.applications} into layers Graft imports, before translation. Only
 * layers whose whole computation is known from their config are rewritten:
 * <ul>
 *   <li>{@code CustomScaleLayer} ({@code keras.src.applications.inception_resnet_v2}: {@code inputs[0] + inputs[1]
 *       * scale}) becomes a scalar multiply node {@code <name>_graft_scaled} and an {@code Add} layer named like
 *       the original, so later layers still find it.</li>
 * </ul>
 */
final class Keras3Rewrites {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Keras3Rewrites() {
    }

    /** Whether the config has a layer this class rewrites. */
    static boolean applies(JsonNode config) {
        for (JsonNode l : config.path("layers")) {
            if (isCustomScale(l)) {
                return true;
            }
        }
        return false;
    }

    /** A copy of the functional model with the rewrites made. */
    static ObjectNode rewrite(ObjectNode model) {
        ObjectNode out = model.deepCopy();
        ArrayNode layers = NODES.arrayNode();
        for (JsonNode l : out.path("config").path("layers")) {
            if (isCustomScale(l)) {
                customScale(l, layers);
            } else {
                layers.add(l);
            }
        }
        ((ObjectNode) out.path("config")).set("layers", layers);
        return out;
    }

    private static boolean isCustomScale(JsonNode l) {
        return l.path("class_name").asText().equals("CustomScaleLayer") && l.path("config").path("scale").isNumber()
                && l.path("inbound_nodes").size() == 1 && Keras3Adaptations.tensorArgs(l).size() == 2;
    }

    private static void customScale(JsonNode l, ArrayNode layers) {
        String name = l.path("config").path("name").asText(l.path("name").asText());
        List<JsonNode> t = Keras3Adaptations.tensorArgs(l);
        String scaledName = name + "_graft_scaled";

        ObjectNode scaled = NODES.objectNode();
        scaled.put("module", "keras.src.ops.numpy");
        scaled.put("class_name", "Multiply");
        scaled.put("name", scaledName);
        scaled.putObject("config").put("name", scaledName);
        ObjectNode node = NODES.objectNode();
        node.putArray("args").add(t.get(1).deepCopy()).add(l.path("config").path("scale").asDouble());
        node.putObject("kwargs");
        scaled.putArray("inbound_nodes").add(node);
        layers.add(scaled);

        ObjectNode add = NODES.objectNode();
        add.put("module", "keras.layers");
        add.put("class_name", "Add");
        add.put("name", name);
        add.putObject("config").put("name", name);
        ObjectNode scaledTensor = t.get(1).deepCopy();
        ((ObjectNode) scaledTensor.path("config")).set("keras_history",
                NODES.arrayNode().add(scaledName).add(0).add(0));
        ObjectNode addNode = NODES.objectNode();
        addNode.putArray("args").add(NODES.arrayNode().add(t.get(0).deepCopy()).add(scaledTensor));
        addNode.putObject("kwargs");
        add.putArray("inbound_nodes").add(addNode);
        layers.add(add);
    }
}
