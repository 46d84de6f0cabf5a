package dev.graft.zoo.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.zoo.keras.adapters.GraftKerasLayers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Rewrites a Keras 3 model config into the Keras 2 form that DL4J 1.0.0-M2.1's importer reads.
 *
 * <p>What changes: the version (DL4J rejects major version 3); {@code input_layers}/{@code output_layers}, which
 * Keras 3 writes flat ({@code ["in", 0, 0]}) for a single tensor; inbound nodes, which Keras 3 writes as
 * {@code {"args": [keras tensors...], "kwargs": {...}}} and Keras 2 as {@code [[name, node, tensor, {}], ...]};
 * {@code InputLayer.batch_shape} (Keras 2: {@code batch_input_shape}); dtype policies (Keras 2: a string);
 * serialized objects ({@code module}/{@code registered_name} keys dropped; {@code L1}/{@code L2} regularizers
 * become {@code L1L2}); {@code LeakyReLU.negative_slope} (Keras 2: {@code alpha}); {@code Embedding.input_length},
 * which Keras 3 dropped, is restored from the layer's input shape. Layers Graft cannot translate are reported as
 * {@link UnsupportedLayer}s, never silently changed.
 */
final class Keras3Translator {
    /** Keras 2 version string written into translated configs; DL4J reads only its first digit. */
    static final String TRANSLATED_VERSION = "2.15.0";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Set<String> UNTRANSLATED = Set.of("TimeDistributed", "ConvLSTM1D",
            "ConvLSTM2D", "ConvLSTM3D");

    /** One layer of the translated model; {@code inputShape} is its (first) input's shape, batch first, or null. */
    record LayerSpec(String name, String className, String weightKey, String legacyPath, ObjectNode keras3Config,
                     List<String> paramNames, UnaryOperator<Map<String, INDArray>> weightTransform,
                     JsonNode inputShape) {
        /** True when the layer has weights to import. */
        boolean hasWeights() {
            return paramNames != null && !paramNames.isEmpty();
        }
    }

    /**
     * The result: a Keras 2 config, the layers in order, what could not be translated, and what Graft changes on
     * the DL4J layers after DL4J built them ({@link Keras3Adaptations.LayerFix}, by layer name).
     */
    record Translation(ObjectNode keras2Config, boolean sequential, String modelName, List<LayerSpec> layers,
                       List<UnsupportedLayer> unsupported, Map<String, List<Keras3Adaptations.LayerFix>> fixes) {
        /**
         * Layers DL4J may know but whose Keras 3 weight layout Graft does not; reported only when DL4J has no
         * objection of its own, so the more basic reason wins.
         */
        List<UnsupportedLayer> unknownWeightLayouts() {
            List<UnsupportedLayer> u = new ArrayList<>();
            for (LayerSpec l : layers) {
                if (l.paramNames() == null) {
                    u.add(new UnsupportedLayer(l.name(), l.className(),
                            "Graft does not know how Keras 3 stores the weights of " + l.className() + " layers"));
                }
            }
            return u;
        }
    }

    private Keras3Translator() {
    }

    /** Translates a Keras 3 model config. */
    static Translation translate(ObjectNode model) {
        String modelClass = model.path("class_name").asText();
        boolean sequential = modelClass.equals("Sequential");
        ObjectNode keras3 = !sequential && NestedModels.hasNested(model.path("config"))
                ? NestedModels.inline(model) : model;
        if (!sequential && Keras3Rewrites.applies(keras3.path("config"))) {
            keras3 = Keras3Rewrites.rewrite(keras3);
        }
        JsonNode cfg = keras3.path("config");
        Set<String> outputs = new java.util.HashSet<>();
        JsonNode outRefs = cfg.path("output_layers");
        if (outRefs.isArray() && outRefs.size() > 0 && outRefs.get(0).isTextual()) {
            outputs.add(outRefs.get(0).asText());
        } else {
            outRefs.forEach(r -> outputs.add(r.path(0).asText()));
        }
        String modelName = cfg.path("name").asText("model");
        List<LayerSpec> specs = new ArrayList<>();
        List<UnsupportedLayer> unsupported = new ArrayList<>();
        ArrayNode layers2 = NODES.arrayNode();
        Map<String, Integer> keyCounts = new HashMap<>();
        Map<String, List<Keras3Adaptations.LayerFix>> fixes = new LinkedHashMap<>();
        List<ArrayNode> shapes = sequential ? SequentialShapes.inputShapes(cfg.path("layers")) : null;
        int index = 0;
        for (JsonNode stored : cfg.path("layers")) {
            JsonNode layer = stored;
            ArrayNode known = shapes == null ? null : shapes.get(index);
            index++;
            if (known != null && !stored.path("build_config").path("input_shape").isArray()) {
                // a Keras-3 .h5 Sequential records no per-layer input shape: use the one worked out
                ObjectNode withShape = stored.deepCopy();
                withShape.putObject("build_config").set("input_shape", known);
                layer = withShape;
            }
            String cls = layer.path("class_name").asText();
            JsonNode lc = layer.path("config");
            String name = lc.path("name").asText(layer.path("name").asText());
            String key = snakeCase(cls);
            int seen = keyCounts.merge(key, 1, Integer::sum) - 1;
            String weightKey = stored.path("graft_weight_key").asText(seen == 0 ? key : key + "_" + seen);

            ObjectNode out = NODES.objectNode();
            out.put("class_name", cls);
            out.put("name", name);
            ObjectNode inner = (ObjectNode) clean(lc);
            adjustLayerConfig(cls, inner, layer);
            Keras3Adaptations.Adaptation a = Keras3Adaptations.adapt(cls, layer, inner);
            if (a.dl4jClass() != null) {
                out.put("class_name", a.dl4jClass());
            } else if (!sequential && cls.equals("Flatten") && outputs.contains(name)) {
                out.put("class_name", GraftKerasLayers.OUTPUT_FLATTEN); // DL4J maps Flatten to nothing at the end
            }
            if (!a.fixes().isEmpty()) {
                fixes.put(name, a.fixes());
            }
            if (sequential && layers2.isEmpty() && !cls.equals("InputLayer") && !inner.has("batch_input_shape")
                    && layer.path("build_config").path("input_shape").isArray()) {
                // a Sequential built without keras.Input: DL4J takes the input shape from the first layer
                inner.set("batch_input_shape", layer.path("build_config").path("input_shape").deepCopy());
            }
            out.set("config", inner);
            if (!sequential) {
                ArrayNode nodes = inboundNodes(layer.path("inbound_nodes"));
                if (a.swapInputs() && nodes.size() == 1 && nodes.get(0).size() == 2) {
                    ArrayNode n = (ArrayNode) nodes.get(0);
                    JsonNode first = n.remove(0);
                    n.add(first);
                }
                out.set("inbound_nodes", nodes);
            } else if (!layers2.isEmpty()) {
                // DL4J's DepthwiseConv2D importer looks for its input among the layers built before it at
                // construction, by inbound name; a Sequential layer has none until DL4J assigns the previous one
                String before = layers2.get(layers2.size() - 1).path("name").asText();
                out.set("inbound_nodes", NODES.arrayNode().add(NODES.arrayNode().add(
                        NODES.arrayNode().add(before).add(0).add(0).add(NODES.objectNode()))));
            }
            layers2.add(out);

            List<String> params = paramNames(cls, lc);
            String legacyPath = layer.path("graft_legacy_path").asText(name);
            specs.add(new LayerSpec(name, cls, weightKey, legacyPath, (ObjectNode) lc, params, a.weights(),
                    Keras3Adaptations.inputShape(layer)));
            String problem = a.problem() != null ? a.problem() : problem(cls, lc, layer, sequential);
            if (problem != null) {
                unsupported.add(new UnsupportedLayer(name, cls, problem));
            }
        }

        ObjectNode config2 = NODES.objectNode();
        config2.put("name", modelName);
        config2.set("layers", layers2);
        if (!sequential) {
            config2.set("input_layers", tensorList(cfg.path("input_layers")));
            config2.set("output_layers", tensorList(cfg.path("output_layers")));
        }
        ObjectNode top = NODES.objectNode();
        top.put("class_name", sequential ? "Sequential" : "Functional");
        top.set("config", config2);
        top.put("keras_version", TRANSLATED_VERSION);
        top.put("backend", "tensorflow");
        return new Translation(top, sequential, modelName, specs, unsupported, fixes);
    }

    /** What stops a layer from being translated, or null. DL4J's own objections are found separately. */
    private static String problem(String cls, JsonNode lc, JsonNode layer, boolean sequential) {
        if (NestedModels.MODEL_CLASSES.contains(cls)) {
            String why = sequential ? null : NestedModels.problem(layer, Set.of());
            return (why != null ? why : "a nested " + cls + " model; Graft inlines nested functional models only")
                    + " -- rebuild it with the inner model's layers inline";
        }
        if (UNTRANSLATED.contains(cls)) {
            return "Graft does not translate Keras 3 " + cls + " layers (their config and weight layout changed "
                    + "in Keras 3)";
        }
        if (!sequential && layer.path("inbound_nodes").size() > 1) {
            return "the layer is applied " + layer.path("inbound_nodes").size()
                    + " times (shared weights), which DL4J graphs cannot express";
        }
        if (cls.startsWith("Global") && !cls.endsWith("2D") && lc.path("keepdims").asBoolean(false)) {
            return "keepdims=True is not supported by DL4J's global pooling import";
        }
        if (lc.path("return_state").asBoolean(false)) {
            return "return_state=True is not supported by DL4J's recurrent layer import";
        }
        if (lc.path("dtype").path("config").path("name").asText("float32").startsWith("mixed")) {
            return "mixed-precision dtype policy '" + lc.path("dtype").path("config").path("name").asText()
                    + "'; save the model with float32 weights";
        }
        return null;
    }

    /** Classes with no weights at all: nothing to map. */
    static final Set<String> WEIGHTLESS = Set.of("InputLayer", "Activation", "Dropout", "SpatialDropout1D",
            "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout", "AlphaDropout", "Flatten",
            "Reshape", "Permute", "RepeatVector", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
            "AveragePooling2D", "AveragePooling3D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
            "GlobalAveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
            "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D",
            "UpSampling1D", "UpSampling2D", "UpSampling3D", "Add", "Subtract", "Multiply", "Average", "Maximum",
            "Minimum", "Concatenate", "ReLU", "LeakyReLU", "ELU", "Softmax", "Masking", "ThresholdedReLU", "Lambda",
            "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness",
            "ActivityRegularization", "Rescaling", "Divide", "TrueDivide");

    /**
     * The Keras 2 names of a layer's weights, in the order Keras 3 stores them ({@code vars/0, vars/1, ...}),
     * or null when Graft does not know the layer class; empty for weightless layers.
     */
    static List<String> paramNames(String cls, JsonNode lc) {
        boolean bias = lc.path("use_bias").asBoolean(true);
        List<String> p = new ArrayList<>();
        switch (cls) {
            case "Dense": case "Conv1D": case "Conv2D": case "Conv3D": case "Conv2DTranspose":
            case "Conv3DTranspose": case "LocallyConnected1D":
                p.add("kernel");
                break;
            case "DepthwiseConv2D":
                p.add("depthwise_kernel");
                break;
            case "SeparableConv2D":
                p.add("depthwise_kernel");
                p.add("pointwise_kernel");
                break;
            case "BatchNormalization":
                if (lc.path("scale").asBoolean(true)) {
                    p.add("gamma");
                }
                if (lc.path("center").asBoolean(true)) {
                    p.add("beta");
                }
                p.add("moving_mean");
                p.add("moving_variance");
                return p;
            case "Embedding":
                p.add("embeddings");
                return p;
            case "LayerNormalization":
                if (lc.path("scale").asBoolean(true)) {
                    p.add("gamma");
                }
                if (lc.path("center").asBoolean(true)) {
                    p.add("beta");
                }
                return p;
            case "LayerScale":
                p.add("gamma");
                return p;
            case "Bidirectional": {
                // forward_* and backward_*: the names DL4J's KerasBidirectional splits by direction
                JsonNode inner = lc.path("layer");
                String rnn = inner.path("class_name").asText();
                if (!rnn.equals("LSTM") && !rnn.equals("SimpleRNN")) {
                    return null;
                }
                for (String dir : new String[] {"forward", "backward"}) {
                    p.add(dir + "_kernel");
                    p.add(dir + "_recurrent_kernel");
                    p.add(dir + "_bias"); // zeros when the layer has none (Keras3Weights)
                }
                return p;
            }
            case "LSTM": case "SimpleRNN": case "GRU":
                p.add("kernel");
                p.add("recurrent_kernel");
                break;
            case "PReLU":
                p.add("alpha");
                return p;
            case "Normalization":
                if (lc.hasNonNull("mean") && lc.hasNonNull("variance")) {
                    return p; // given in the config, not stored as weights
                }
                p.add("mean");
                p.add("variance");
                p.add("count");
                return p;
            default:
                return WEIGHTLESS.contains(cls) ? p : null;
        }
        if (bias) {
            p.add("bias");
        }
        return p;
    }

    /** True for layers whose weights Keras 3 keeps in a {@code cell} sub-object. */
    static boolean keepsWeightsInCell(String cls) {
        return cls.equals("LSTM") || cls.equals("SimpleRNN") || cls.equals("GRU");
    }

    private static void adjustLayerConfig(String cls, ObjectNode inner, JsonNode layer) {
        if (inner.has("batch_shape") && !inner.has("batch_input_shape")) {
            inner.set("batch_input_shape", inner.remove("batch_shape"));
        }
        if (cls.equals("LeakyReLU") && inner.has("negative_slope") && !inner.has("alpha")) {
            inner.set("alpha", inner.remove("negative_slope"));
        }
        if (cls.equals("Embedding") && !inner.has("input_length")) {
            JsonNode shape = inputShapeOf(layer);
            inner.set("input_length", shape != null && shape.size() == 2 ? shape.get(1) : NODES.nullNode());
        }
    }

    /** The layer's input shape (with batch dimension) from its build config or its first inbound tensor. */
    private static JsonNode inputShapeOf(JsonNode layer) {
        JsonNode s = layer.path("build_config").path("input_shape");
        if (s.isArray()) {
            return s;
        }
        List<JsonNode> tensors = new ArrayList<>();
        for (JsonNode node : layer.path("inbound_nodes")) {
            collectTensors(node.path("args"), tensors);
        }
        return tensors.isEmpty() ? null : tensors.get(0).path("config").path("shape");
    }

    /** Removes Keras 3 serialization keys, recursively; dtype policies become plain dtype strings. */
    static JsonNode clean(JsonNode n) {
        if (n.isObject()) {
            if (n.has("class_name") && n.has("config") && n.path("class_name").asText().endsWith("DTypePolicy")) {
                return NODES.textNode(n.path("config").path("name").asText("float32"));
            }
            ObjectNode o = NODES.objectNode();
            Iterator<Map.Entry<String, JsonNode>> it = n.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String k = e.getKey();
                if (k.equals("module") || k.equals("registered_name") || k.equals("shared_object_id")
                        || k.equals("build_config") || k.equals("compile_config")) {
                    continue;
                }
                o.set(k, clean(e.getValue()));
            }
            String cls = o.path("class_name").asText("");
            if ((cls.equals("L1") || cls.equals("L2")) && o.has("config")) {
                ObjectNode rc = NODES.objectNode();
                rc.put("l1", o.path("config").path("l1").asDouble(0.0));
                rc.put("l2", o.path("config").path("l2").asDouble(0.0));
                o.put("class_name", "L1L2");
                o.set("config", rc);
            }
            return o;
        }
        if (n.isArray()) {
            ArrayNode a = NODES.arrayNode();
            n.forEach(x -> a.add(clean(x)));
            return a;
        }
        return n.deepCopy();
    }

    /** Keras 3 node dicts to Keras 2 node lists: {@code [[[layer, node, tensor, {}], ...], ...]}. */
    private static ArrayNode inboundNodes(JsonNode nodes3) {
        ArrayNode nodes2 = NODES.arrayNode();
        for (JsonNode node : nodes3) {
            if (node.isArray()) { // already Keras 2 form
                nodes2.add(node.deepCopy());
                continue;
            }
            List<JsonNode> tensors = new ArrayList<>();
            collectTensors(node.path("args"), tensors);
            ArrayNode n2 = NODES.arrayNode();
            for (JsonNode t : tensors) {
                JsonNode h = t.path("config").path("keras_history");
                ArrayNode entry = NODES.arrayNode();
                entry.add(h.get(0).asText());
                entry.add(h.get(1).asInt());
                entry.add(h.get(2).asInt());
                entry.add(NODES.objectNode());
                n2.add(entry);
            }
            nodes2.add(n2);
        }
        return nodes2;
    }

    private static void collectTensors(JsonNode n, List<JsonNode> out) {
        if (n.isObject()) {
            if (n.path("class_name").asText().equals("__keras_tensor__")) {
                out.add(n);
            }
        } else if (n.isArray()) {
            n.forEach(x -> collectTensors(x, out));
        }
    }

    /** {@code ["in", 0, 0]} (Keras 3, one tensor) or {@code [["a",0,0],["b",0,0]]} to the list-of-lists form. */
    private static ArrayNode tensorList(JsonNode n) {
        ArrayNode a = NODES.arrayNode();
        if (n.isArray() && n.size() > 0 && n.get(0).isTextual()) {
            a.add(n.deepCopy());
        } else if (n.isArray()) {
            n.forEach(x -> a.add(x.deepCopy()));
        }
        return a;
    }

    /** Keras' own {@code to_snake_case}: the key Keras 3 stores a layer's weights under. */
    static String snakeCase(String name) {
        String s = name.replaceAll("\\W+", "");
        s = s.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        s = s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
        return s;
    }
}
