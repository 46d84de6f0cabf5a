package dev.graft.zoo.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Config changes that keep DL4J 1.0.0-M2.1 from failing on things that do not affect the imported model.
 *
 * <p>Orthogonal initializers: DL4J initializes every parameter before the imported weights overwrite them, and
 * its {@code OrthogonalDistribution} did not finish in minutes for a 50x200 LSTM recurrent kernel (Keras 2's
 * default {@code recurrent_initializer}), measured here. The initializer is never used for imported weights, so
 * Graft replaces it with Glorot uniform; it would only matter if the layer were re-initialized.
 */
final class Dl4jWorkarounds {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Dl4jWorkarounds() {
    }

    /** Replaces orthogonal initializers in a Keras 1/2-form config, in place; returns the keys changed. */
    static List<String> replaceOrthogonalInitializers(JsonNode config) {
        List<String> changed = new ArrayList<>();
        walk(config, changed);
        return changed;
    }

    private static void walk(JsonNode n, List<String> changed) {
        if (n.isObject()) {
            ObjectNode o = (ObjectNode) n;
            Iterator<Map.Entry<String, JsonNode>> it = o.fields();
            List<String> keys = new ArrayList<>();
            while (it.hasNext()) {
                keys.add(it.next().getKey());
            }
            for (String k : keys) {
                JsonNode v = o.get(k);
                boolean initKey = k.endsWith("initializer") || k.equals("init") || k.equals("inner_init");
                if (initKey && v.isTextual() && v.asText().equalsIgnoreCase("orthogonal")) {
                    o.put(k, "glorot_uniform");
                    changed.add(k);
                } else if (initKey && v.isObject() && v.path("class_name").asText().equalsIgnoreCase("orthogonal")) {
                    ObjectNode g = NODES.objectNode();
                    g.put("class_name", "GlorotUniform");
                    g.set("config", NODES.objectNode().putNull("seed"));
                    o.set(k, g);
                    changed.add(k);
                } else {
                    walk(v, changed);
                }
            }
        } else if (n.isArray()) {
            n.forEach(x -> walk(x, changed));
        }
    }
}
