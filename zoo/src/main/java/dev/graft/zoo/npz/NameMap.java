package dev.graft.zoo.npz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Which npz array goes into which DL4J parameter, and in which layout.
 *
 * <p>JSON form: keys are {@code "layer/param"} (a DL4J layer name, or its index in a MultiLayerNetwork, and the
 * parameter key such as {@code W}, {@code b}, {@code gamma}); a value is either the npz array name (layout
 * {@link ArrayLayout#AS_IS}) or {@code {"from": "fc1.weight", "layout": "DENSE_OUT_IN"}}.
 * <pre>{@code
 * {"fc1/W": {"from": "fc1.weight", "layout": "DENSE_OUT_IN"}, "fc1/b": "fc1.bias"}
 * }</pre>
 */
public final class NameMap {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Entry> entries;

    /**
     * One mapping.
     *
     * @param layer DL4J layer name (or index for a MultiLayerNetwork)
     * @param param DL4J parameter key within the layer ({@code W}, {@code b}, ...)
     * @param array npz array name
     * @param layout layout of the npz array
     */
    public record Entry(String layer, String param, String array, ArrayLayout layout) {
        /** {@code layer/param}. */
        public String target() {
            return layer + "/" + param;
        }
    }

    private NameMap(Map<String, Entry> entries) {
        this.entries = Collections.unmodifiableMap(entries);
    }

    /** Starts an empty map. */
    public static Builder builder() {
        return new Builder();
    }

    /** The mappings by {@code layer/param}, in insertion order. */
    public Map<String, Entry> entries() {
        return entries;
    }

    /** Reads a map from its JSON file. */
    public static NameMap read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new java.io.FileNotFoundException("name map " + file + " does not exist");
        }
        try {
            return parse(Files.readString(file));
        } catch (IllegalArgumentException e) {
            throw new IOException("name map " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses a map from JSON text (see class doc). */
    public static NameMap parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("a name map is a JSON object of \"layer/param\": array entries");
        }
        Builder b = builder();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (v.isTextual()) {
                b.map(e.getKey(), v.asText(), ArrayLayout.AS_IS);
            } else if (v.isObject() && v.hasNonNull("from")) {
                String layout = v.path("layout").asText("AS_IS");
                ArrayLayout l;
                try {
                    l = ArrayLayout.valueOf(layout.toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException("entry '" + e.getKey() + "': unknown layout '" + layout
                            + "'; layouts are: " + java.util.Arrays.toString(ArrayLayout.values()));
                }
                b.map(e.getKey(), v.get("from").asText(), l);
            } else {
                throw new IllegalArgumentException("entry '" + e.getKey() + "' must be an array name or "
                        + "{\"from\": name, \"layout\": ...}, got " + v);
            }
        }
        return b.build();
    }

    /** Builds a {@link NameMap}. */
    public static final class Builder {
        private final Map<String, Entry> entries = new LinkedHashMap<>();

        private Builder() {
        }

        /** Maps npz array {@code array} (in {@code layout}) to DL4J parameter {@code "layer/param"}. */
        public Builder map(String target, String array, ArrayLayout layout) {
            Objects.requireNonNull(target, "target");
            int slash = target.lastIndexOf('/');
            if (slash <= 0 || slash == target.length() - 1) {
                throw new IllegalArgumentException("name map key '" + target
                        + "' must be \"layer/param\", e.g. \"fc1/W\"");
            }
            if (array == null || array.isBlank()) {
                throw new IllegalArgumentException("name map entry '" + target + "' names no npz array");
            }
            if (entries.containsKey(target)) {
                throw new IllegalArgumentException("name map maps '" + target + "' twice");
            }
            entries.put(target, new Entry(target.substring(0, slash), target.substring(slash + 1), array,
                    Objects.requireNonNull(layout, "layout")));
            return this;
        }

        /** Checks and builds the map. */
        public NameMap build() {
            if (entries.isEmpty()) {
                throw new IllegalArgumentException("a name map needs at least one entry");
            }
            return new NameMap(new LinkedHashMap<>(entries));
        }
    }
}
