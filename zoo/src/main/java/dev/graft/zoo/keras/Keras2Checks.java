package dev.graft.zoo.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.modelimport.keras.KerasLayer;
import org.deeplearning4j.nn.modelimport.keras.KerasModel;
import org.deeplearning4j.nn.modelimport.keras.utils.KerasModelBuilder;

/**
 * Graft's checks for Keras 1/2 files, which DL4J's own importer reads untranslated: the layers and options DL4J
 * 1.0.0-M2.1 imports without complaint and computes differently from Keras ({@link Keras3Adaptations#keras2Problem}).
 * Keras 3 files get the same checks in the translator. Some checks need the rank of a layer's input, which a Keras 2
 * config does not record: it is taken from the types DL4J infers when it builds the layer configurations from the
 * config alone (no weights, no network).
 */
final class Keras2Checks {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Keras layers whose output has the rank of their input. */
    private static final java.util.Set<String> RANK_PRESERVING = java.util.Set.of("Dense", "Dropout",
            "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout",
            "AlphaDropout", "Activation", "ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax", "ThresholdedReLU",
            "BatchNormalization", "LayerNormalization", "Masking", "ActivityRegularization", "Add", "Subtract",
            "Multiply", "Average", "Maximum", "Minimum", "Concatenate");

    private Keras2Checks() {
    }

    private static boolean keepsDims(KerasLayer l) {
        Object k = l.getOriginalLayerConfig() == null ? null : innerConfig(l).get("keepdims");
        return Boolean.TRUE.equals(k);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> innerConfig(KerasLayer l) {
        Object c = l.getOriginalLayerConfig().get("config");
        return c instanceof Map ? (Map<String, Object>) c : Map.of();
    }

    /**
     * The layers of a Keras 1/2-form config that would import and compute something else. With {@code withRanks},
     * the input ranks are inferred first (call it only when DL4J's own check passed: DL4J must be able to build
     * every layer); without them, or when they cannot be inferred, the rank-dependent checks are skipped.
     */
    static List<UnsupportedLayer> problems(ObjectNode config, boolean withRanks) {
        Map<String, Integer> ranks = withRanks ? inputRanks(config) : Map.of();
        List<UnsupportedLayer> out = new ArrayList<>();
        for (JsonNode layer : KerasPreflight.layersOf(config)) {
            String cls = layer.path("class_name").asText("?");
            String name = layer.path("config").path("name").asText(layer.path("name").asText("?"));
            if (!layer.path("config").isObject()) {
                continue;
            }
            ObjectNode withShape = NODES.objectNode();
            withShape.put("class_name", cls);
            withShape.set("config", layer.path("config"));
            Integer rank = ranks.get(name);
            if (rank != null && rank > 0) {
                ArrayNode shape = withShape.putObject("build_config").putArray("input_shape");
                for (int i = 0; i < rank; i++) {
                    shape.addNull();
                }
            }
            String problem = Keras3Adaptations.keras2Problem(cls, withShape,
                    ((ObjectNode) layer.path("config")).deepCopy());
            if (problem != null) {
                out.add(new UnsupportedLayer(name, cls, problem));
            }
        }
        return out;
    }

    /**
     * Layer name to the rank (batch included) of its first input, from the output types DL4J infers for the layer
     * configurations; empty when DL4J cannot build them.
     */
    static Map<String, Integer> inputRanks(ObjectNode config) {
        Map<String, Integer> ranks = new HashMap<>();
        try (KerasModelBuilder b = new KerasModel().modelBuilder()) {
            ObjectNode json = config.deepCopy();
            Dl4jWorkarounds.replaceOrthogonalInitializers(json);
            b.modelJson(json.toString()).enforceTrainingConfig(false);
            KerasModel km = json.path("class_name").asText().equals("Sequential") ? b.buildSequential()
                    : b.buildModel();
            Map<String, InputType> types = km.getOutputTypes();
            // Keras' own output rank per layer: DL4J's inferred type, except where DL4J's type is not Keras' rank
            // (it keeps a recurrent type after GlobalMaxPooling1D, and so after a Dense on that output, where Keras
            // has [N, C]): global pooling and Flatten give rank 2, rank-preserving layers keep their input's rank
            Map<String, Integer> outRank = new HashMap<>();
            for (KerasLayer l : km.getLayersOrdered()) {
                List<String> in = l.getInboundLayerNames();
                String first = in == null || in.isEmpty() ? null : in.get(0);
                Integer rank = first == null ? null : outRank.get(first);
                if (rank == null && first != null && types.get(first) != null) {
                    rank = types.get(first).getShape(false).length + 1;
                }
                if (rank != null) {
                    ranks.put(l.getLayerName(), rank);
                }
                String cls = l.getClassName();
                Integer out;
                if (cls.startsWith("Global") && !keepsDims(l)) {
                    out = 2;
                } else if (cls.equals("Flatten")) {
                    out = 2;
                } else if (RANK_PRESERVING.contains(cls) || (cls.startsWith("Global") && keepsDims(l))) {
                    out = rank;
                } else {
                    InputType t = types.get(l.getLayerName());
                    out = t == null ? null : t.getShape(false).length + 1;
                }
                if (out != null) {
                    outRank.put(l.getLayerName(), out);
                }
            }
        } catch (Exception | StackOverflowError e) {
            return Map.of(); // DL4J's own objection is reported by the preflight's DL4J check or the import
        }
        return ranks;
    }
}
