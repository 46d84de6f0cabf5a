package dev.graft.zoo.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Inlines models used as layers of a Keras 3 functional model (the Keras transfer-learning guide's pattern:
 * {@code base = keras.applications.Xception(...)}, {@code x = base(x, training=False)}), so that DL4J, which imports
 * flat graphs only, sees one graph with the same computation.
 *
 * <p>The inner model's layers take its place in the layer list; inner layers reading the inner input read the
 * tensor the outer model passed to the inner model; outer layers reading the inner model's output read the inner
 * output layer. Inner models nested further are inlined first. Each layer gets the place of its weights in the
 * file: {@code graft_weight_key} (native files: {@code functional/layers/conv2d}, Keras' per-class counting inside
 * each model) and {@code graft_legacy_path} (legacy {@code .h5}: {@code base/base_conv}, under the inner model's
 * name). What cannot be inlined is reported by {@link #problem}: a model applied more than once (shared weights),
 * several inputs or outputs, a layer name used both inside and outside.
 */
final class NestedModels {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    static final Set<String> MODEL_CLASSES = Set.of("Functional", "Model", "Sequential");

    private NestedModels() {
    }

    /** Whether the functional config has a model among its layers. */
    static boolean hasNested(JsonNode config) {
        for (JsonNode l : config.path("layers")) {
            if (MODEL_CLASSES.contains(l.path("class_name").asText())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Why the nested model {@code layer} cannot be inlined, or null when it can.
     */
    static String problem(JsonNode layer, Set<String> outerNames) {
        if (layer.path("inbound_nodes").size() != 1) {
            return "a nested model applied " + layer.path("inbound_nodes").size() + " times (shared weights), which "
                    + "DL4J graphs cannot express";
        }
        JsonNode inner = layer.path("config");
        if (Keras3Adaptations.tensorArgs(layer).size() != 1 || inputNames(inner).size() != 1
                || outputRefs(inner).size() != 1) {
            return "a nested model with several inputs or outputs; Graft inlines single-input, single-output models";
        }
        for (JsonNode l : inner.path("layers")) {
            String n = name(l);
            if (!l.path("class_name").asText().equals("InputLayer") && outerNames.contains(n)) {
                return "layer name '" + n + "' is used inside the nested model and outside it; rename one in Keras";
            }
        }
        return null;
    }

    /**
     * The config with every inlinable nested model inlined (its layers carry {@code graft_weight_key} and
     * {@code graft_legacy_path}); nested models that cannot be inlined stay as they are, for the translator to
     * report. Top-level layers get {@code graft_weight_key} too.
     */
    static ObjectNode inline(ObjectNode model) {
        ObjectNode out = model.deepCopy();
        ObjectNode cfg = (ObjectNode) out.path("config");
        List<JsonNode> flat = flatten(cfg, "", "");
        ArrayNode layers = NODES.arrayNode();
        flat.forEach(layers::add);
        cfg.set("layers", layers);
        return out;
    }

    /** Layers of one model, nested ones inlined, weight keys prefixed with {@code keyPrefix}. */
    private static List<JsonNode> flatten(JsonNode cfg, String keyPrefix, String legacyPrefix) {
        Set<String> outerNames = new HashSet<>();
        cfg.path("layers").forEach(l -> outerNames.add(name(l)));
        Map<String, Integer> counts = new HashMap<>();
        Map<String, JsonNode> rename = new HashMap<>(); // nested model name -> inner output history
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode stored : cfg.path("layers")) {
            ObjectNode l = stored.deepCopy();
            String cls = l.path("class_name").asText();
            String snake = Keras3Translator.snakeCase(cls);
            int seen = counts.merge(snake, 1, Integer::sum) - 1;
            String key = keyPrefix + (seen == 0 ? snake : snake + "_" + seen);
            rewire(l, rename);
            if (cls.equals("Sequential")) {
                l.set("config", asFunctional(l.path("config")));
            }
            if (MODEL_CLASSES.contains(cls) && problem(l, outerNames) == null) {
                JsonNode inner = l.path("config");
                String innerName = name(l);
                JsonNode feed = Keras3Adaptations.tensorArgs(l).get(0).path("config").path("keras_history");
                String innerInput = inputNames(inner).get(0);
                List<JsonNode> innerLayers = flatten(inner, key + "/layers/", legacyPrefix + innerName + "/");
                for (JsonNode il : innerLayers) {
                    if (il.path("class_name").asText().equals("InputLayer") && name(il).equals(innerInput)) {
                        continue;
                    }
                    replaceHistory((ObjectNode) il, innerInput, feed);
                    out.add(il);
                }
                rename.put(innerName, outputRefs(inner).get(0));
                continue;
            }
            l.put("graft_weight_key", key);
            l.put("graft_legacy_path", legacyPrefix + name(l));
            out.add(l);
        }
        if (cfg instanceof ObjectNode) {
            ObjectNode c = (ObjectNode) cfg;
            c.set("output_layers", renameRefs(c.path("output_layers"), rename));
        }
        return out;
    }

    /** Inbound tensors naming a nested model now name its inner output layer. */
    /**
     * A Sequential model's config in functional form: each layer reads the one before it, the first reads the
     * input layer (one named {@code <model>_graft_input} is added when the config has none), the last is the output.
     */
    static ObjectNode asFunctional(JsonNode sequential) {
        ObjectNode cfg = sequential.deepCopy();
        ArrayNode layers = NODES.arrayNode();
        String previous = null;
        JsonNode previousShape = NODES.nullNode();
        for (JsonNode stored : sequential.path("layers")) {
            ObjectNode l = stored.deepCopy();
            String cls = l.path("class_name").asText();
            if (previous == null && !cls.equals("InputLayer")) {
                ObjectNode in = NODES.objectNode();
                in.put("class_name", "InputLayer");
                previous = cfg.path("name").asText("sequential") + "_graft_input";
                in.put("name", previous);
                in.putObject("config").put("name", previous);
                in.putArray("inbound_nodes");
                layers.add(in);
            }
            if (previous != null) {
                ObjectNode tensor = NODES.objectNode();
                tensor.put("class_name", "__keras_tensor__");
                ObjectNode tc = tensor.putObject("config");
                tc.set("shape", l.path("build_config").path("input_shape").isArray()
                        ? l.path("build_config").path("input_shape").deepCopy() : previousShape);
                tc.putArray("keras_history").add(previous).add(0).add(0);
                ObjectNode node = NODES.objectNode();
                node.putArray("args").add(tensor);
                node.putObject("kwargs");
                l.putArray("inbound_nodes").add(node);
            } else {
                l.putArray("inbound_nodes");
            }
            l.put("name", name(l));
            previous = name(l);
            layers.add(l);
        }
        cfg.set("layers", layers);
        String input = layers.size() > 0 ? name(layers.get(0)) : "";
        cfg.set("input_layers", NODES.arrayNode().add(NODES.arrayNode().add(input).add(0).add(0)));
        cfg.set("output_layers", NODES.arrayNode().add(NODES.arrayNode().add(previous == null ? "" : previous)
                .add(0).add(0)));
        return cfg;
    }

    private static void rewire(ObjectNode layer, Map<String, JsonNode> rename) {
        for (Map.Entry<String, JsonNode> e : rename.entrySet()) {
            replaceHistory(layer, e.getKey(), e.getValue());
        }
    }

    /** Replaces keras_history {@code [from, ...]} by {@code to} in every tensor of the layer's inbound nodes. */
    private static void replaceHistory(ObjectNode layer, String from, JsonNode to) {
        replaceIn(layer.path("inbound_nodes"), from, to);
    }

    private static void replaceIn(JsonNode n, String from, JsonNode to) {
        if (n.isObject()) {
            if (n.path("class_name").asText().equals("__keras_tensor__")) {
                JsonNode h = n.path("config").path("keras_history");
                if (h.isArray() && h.size() > 0 && h.get(0).asText().equals(from)) {
                    ((ObjectNode) n.path("config")).set("keras_history", to.deepCopy());
                }
                return;
            }
            n.forEach(x -> replaceIn(x, from, to));
        } else if (n.isArray()) {
            n.forEach(x -> replaceIn(x, from, to));
        }
    }

    private static JsonNode renameRefs(JsonNode refs, Map<String, JsonNode> rename) {
        if (!refs.isArray() || rename.isEmpty()) {
            return refs;
        }
        if (refs.size() > 0 && refs.get(0).isTextual()) { // flat ["name", 0, 0]
            JsonNode r = rename.get(refs.get(0).asText());
            return r == null ? refs : r.deepCopy();
        }
        ArrayNode out = NODES.arrayNode();
        for (JsonNode ref : refs) {
            JsonNode r = ref.isArray() && ref.size() > 0 ? rename.get(ref.get(0).asText()) : null;
            out.add(r == null ? ref.deepCopy() : r.deepCopy());
        }
        return out;
    }

    private static List<String> inputNames(JsonNode cfg) {
        List<String> names = new ArrayList<>();
        for (JsonNode ref : refs(cfg.path("input_layers"))) {
            names.add(ref.get(0).asText());
        }
        return names;
    }

    private static List<JsonNode> outputRefs(JsonNode cfg) {
        return refs(cfg.path("output_layers"));
    }

    /** {@code ["a", 0, 0]} or {@code [["a", 0, 0], ...]} as a list of {@code [name, node, tensor]}. */
    private static List<JsonNode> refs(JsonNode n) {
        List<JsonNode> out = new ArrayList<>();
        if (n.isArray() && n.size() > 0 && n.get(0).isTextual()) {
            out.add(n);
        } else if (n.isArray()) {
            n.forEach(out::add);
        }
        return out;
    }

    private static String name(JsonNode layer) {
        return layer.path("config").path("name").asText(layer.path("name").asText());
    }
}
