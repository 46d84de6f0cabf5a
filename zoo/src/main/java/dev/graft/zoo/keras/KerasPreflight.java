package dev.graft.zoo.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.zoo.keras.adapters.GraftKerasLayers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.modelimport.keras.KerasLayer;
import org.deeplearning4j.nn.modelimport.keras.config.KerasLayerConfiguration;
import org.deeplearning4j.nn.modelimport.keras.config.KerasLayerConfigurationFactory;
import org.deeplearning4j.nn.modelimport.keras.utils.KerasLayerUtils;
import org.deeplearning4j.nn.modelimport.keras.utils.KerasModelUtils;

/**
 * Finds every layer of a Keras model that cannot be imported, before any network is built.
 *
 * <p>Two checks per layer: Graft's own (can the Keras 3 config and weights be translated?) and DL4J's (does
 * DL4J's importer have a class for the layer and accept its config?). DL4J's check runs each layer's config
 * through DL4J's own layer factory, one layer at a time, so one bad layer does not hide the next.
 */
final class KerasPreflight {
    /** Keras classes whose DL4J importer reads the layers built before them (DL4J's {@code previousLayers}). */
    private static final Set<String> READS_PREVIOUS_LAYERS = Set.of("DepthwiseConv2D", "BatchNormalization", "LSTM",
            "SimpleRNN", "Bidirectional", "TimeDistributed");

    private KerasPreflight() {
    }

    /** DL4J's objections to the layers of a Keras 1/2-form config, skipping layers already reported. */
    static List<UnsupportedLayer> dl4jCheck(ObjectNode keras2Config, int kerasMajor, Set<String> alreadyReported)
            throws KerasImportException {
        KerasLayerConfiguration conf;
        try {
            conf = KerasLayerConfigurationFactory.get(kerasMajor);
        } catch (Exception e) {
            throw new KerasImportException("Keras major version " + kerasMajor + " is not one DL4J reads", e);
        }
        GraftKerasLayers.register();
        List<UnsupportedLayer> out = new ArrayList<>();
        Map<String, KerasLayer> previous = new HashMap<>();
        String before = null; // the layer before, for Sequential configs (no inbound nodes)
        for (JsonNode layer : layersOf(keras2Config)) {
            String cls = layer.path("class_name").asText("?");
            String name = layer.path("config").path("name").asText(layer.path("name").asText("?"));
            List<String> inbound = inboundNames(layer, before);
            before = name;
            if (alreadyReported.contains(name)) {
                continue;
            }
            if (READS_PREVIOUS_LAYERS.contains(cls) && !previous.keySet().containsAll(inbound)) {
                // An input of this layer was not built (it cannot be imported, and is reported). DL4J's factory
                // must not see the layer: its constructor walks the layers built so far, and
                // KerasLayer.getNInFromConfig (DepthwiseConv2D) loops forever when an inbound layer is missing
                // there. The layer is checked once its input is importable.
                continue;
            }
            try {
                Map<String, Object> m = KerasModelUtils.parseJsonString(layer.toString());
                if (cls.equals(GraftKerasLayers.NORMALIZATION)) {
                    // the adapted statistics are weights, read at import; the config check needs placeholders
                    @SuppressWarnings("unchecked")
                    Map<String, Object> c = (Map<String, Object>) m.get("config");
                    c.putIfAbsent("graft_mean", 0.0);
                    c.putIfAbsent("graft_variance", 1.0);
                }
                m.put("keras_version", kerasMajor);
                if (kerasMajor == 2) {
                    m.put("backend", keras2Config.path("backend").asText("tensorflow"));
                }
                KerasLayer k = withinTimeLimit(name, LAYER_CHECK_SECONDS, () -> KerasLayerUtils.getKerasLayerFromConfig(m, false, conf,
                        new HashMap<>(GraftKerasLayers.adapters()), new HashMap<>(), previous));
                previous.put(k.getLayerName(), k);
            } catch (Exception | LinkageError e) {
                out.add(new UnsupportedLayer(name, cls, reason(cls, e)));
            }
        }
        return out;
    }

    /** How long DL4J's factory may take over one layer's config before the layer is reported instead. */
    static final long LAYER_CHECK_SECONDS = 10;

    /** DL4J's layer factory call, as a task that may throw. */
    interface Dl4jCall<T> {
        T call() throws Exception;
    }

    /**
     * Runs one DL4J factory call on its own daemon thread and gives up after {@code seconds}: DL4J
     * code that loops (as {@code KerasLayer.getNInFromConfig} did) then costs the preflight seconds and names the
     * layer instead of hanging the import. The runaway thread cannot be interrupted (DL4J's loop does not look);
     * it is a daemon, so it does not keep the JVM alive.
     *
     * @throws TimeoutException naming the layer when the call did not finish in time
     */
    static <T> T withinTimeLimit(String layer, long seconds, Dl4jCall<T> call) throws Exception {
        java.util.concurrent.FutureTask<T> task = new java.util.concurrent.FutureTask<>(call::call);
        Thread t = new Thread(task, "graft-preflight-" + layer);
        t.setDaemon(true);
        t.start();
        try {
            return task.get(seconds, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            task.cancel(true);
            throw new java.util.concurrent.TimeoutException("DL4J's importer did not finish checking the layer within "
                    + seconds + " s (it loops on some configs); import the model up to the layer before");
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof Exception) {
                throw (Exception) c;
            }
            if (c instanceof Error) {
                throw (Error) c;
            }
            throw e;
        }
    }

    /**
     * Names of the layers feeding {@code layer}: from its Keras 2 inbound nodes ({@code [[[name, node, tensor, {}],
     * ...]]}), or the layer before it in a Sequential config (none for the first layer).
     */
    static List<String> inboundNames(JsonNode layer, String before) {
        List<String> names = new ArrayList<>();
        JsonNode nodes = layer.path("inbound_nodes");
        if (nodes.isArray() && nodes.size() > 0) {
            for (JsonNode node : nodes) {
                for (JsonNode t : node) {
                    if (t.isArray() && t.size() > 0 && t.get(0).isTextual()) {
                        names.add(t.get(0).asText());
                    }
                }
            }
        } else if (before != null && !layer.has("inbound_nodes")) {
            names.add(before);
        }
        return names;
    }

    /** The layer list of a Keras 2 config: {@code config.layers}, or {@code config} itself (old Sequential). */
    static JsonNode layersOf(ObjectNode config) {
        JsonNode c = config.path("config");
        return c.isArray() ? c : c.path("layers");
    }

    static Set<String> names(List<UnsupportedLayer> layers) {
        Set<String> s = new HashSet<>();
        layers.forEach(l -> s.add(l.name()));
        return s;
    }

    private static String reason(String cls, Throwable e) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst()
                .orElse("").trim();
        if (msg.startsWith("Unsupported keras layer type")) {
            return "DL4J 1.0.0-M2.1 has no importer for Keras " + cls + " layers";
        }
        if (e instanceof java.util.concurrent.TimeoutException) {
            return msg;
        }
        if (msg.startsWith("No SameDiff Lambda layer found")) {
            return "a Lambda layer holds Python code, which cannot be imported; replace it with built-in layers";
        }
        return "DL4J's importer rejects its config: " + msg;
    }
}
