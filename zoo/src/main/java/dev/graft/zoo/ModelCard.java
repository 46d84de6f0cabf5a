package dev.graft.zoo;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a model is and how to feed it: the preprocessing travels with the weights.
 *
 * <p>Immutable; stored as JSON inside a Graft model zip (entry {@code graft-card.json}, see {@link GraftModel}) with a
 * readable copy beside it ({@code model.zip} → {@code model.card.json}).
 * <pre>{@code
 * ModelCard card = ModelCard.builder("digits-0-4").architecture("mlp-5x100")
 *     .source(SourceKind.GRAFT).input(InputLayout.FLAT, 64)
 *     .normalization(Normalization.scale(1 / 16.0)).labels(List.of("0", "1", "2", "3", "4")).build();
 * }</pre>
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"formatVersion", "name", "architecture", "source", "inputShape", "layout", "normalization",
        "labels", "cut", "license", "origin", "sha256", "notes"})
public final class ModelCard {
    /** Version of the card's JSON format; bumped when a field changes meaning. */
    public static final int FORMAT_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final String name;
    private final String architecture;
    private final SourceKind source;
    private final long[] inputShape;
    private final InputLayout layout;
    private final Normalization normalization;
    private final List<String> labels;
    private final String license;
    private final String origin;
    private final Map<String, String> sha256;
    private final String notes;
    private final String cut;

    private ModelCard(Builder b) {
        this.name = b.name;
        this.architecture = b.architecture;
        this.source = b.source;
        this.inputShape = b.inputShape.clone();
        this.layout = b.layout;
        this.normalization = b.normalization;
        this.labels = List.copyOf(b.labels);
        this.license = b.license;
        this.origin = b.origin;
        this.sha256 = Collections.unmodifiableMap(new LinkedHashMap<>(b.sha256));
        this.notes = b.notes;
        this.cut = b.cut;
    }

    @JsonCreator
    static ModelCard fromJson(@JsonProperty("formatVersion") Integer formatVersion,
                              @JsonProperty("name") String name,
                              @JsonProperty("architecture") String architecture,
                              @JsonProperty("source") SourceKind source,
                              @JsonProperty("inputShape") long[] inputShape,
                              @JsonProperty("layout") InputLayout layout,
                              @JsonProperty("normalization") Normalization normalization,
                              @JsonProperty("labels") List<String> labels,
                              @JsonProperty("license") String license,
                              @JsonProperty("origin") String origin,
                              @JsonProperty("sha256") Map<String, String> sha256,
                              @JsonProperty("notes") String notes,
                              @JsonProperty("cut") String cut) {
        if (formatVersion != null && formatVersion > FORMAT_VERSION) {
            throw new IllegalArgumentException("model card format version " + formatVersion
                    + " is newer than this Graft understands (" + FORMAT_VERSION + "); upgrade Graft");
        }
        Builder b = builder(name).architecture(architecture).source(source)
                .normalization(normalization == null ? Normalization.identity() : normalization)
                .license(license).origin(origin).notes(notes).cut(cut);
        if (inputShape != null) {
            b.input(layout == null ? InputLayout.FLAT : layout, inputShape);
        }
        if (labels != null) {
            b.labels(labels);
        }
        if (sha256 != null) {
            sha256.forEach(b::sha256);
        }
        return b.build();
    }

    /** Starts a card for a model called {@code name}. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** A builder holding this card's values, to derive a changed card. */
    public Builder toBuilder() {
        Builder b = builder(name).architecture(architecture).source(source).input(layout, inputShape)
                .normalization(normalization).labels(labels).license(license).origin(origin).notes(notes).cut(cut);
        sha256.forEach(b::sha256);
        return b;
    }

    @JsonProperty("formatVersion")
    int formatVersion() {
        return FORMAT_VERSION;
    }

    /** Short name of the model, e.g. {@code vgg16} or {@code digits-0-4}. */
    @JsonProperty("name")
    public String name() {
        return name;
    }

    /** Architecture, e.g. {@code VGG16} or {@code mlp-5x100}. */
    @JsonProperty("architecture")
    public String architecture() {
        return architecture;
    }

    /** Where the weights came from. */
    @JsonProperty("source")
    public SourceKind source() {
        return source;
    }

    /** Shape of one example, without the batch dimension, in {@link #layout()} order. */
    @JsonProperty("inputShape")
    public long[] inputShape() {
        return inputShape.clone();
    }

    /** Layout of {@link #inputShape()}. */
    @JsonProperty("layout")
    public InputLayout layout() {
        return layout;
    }

    /** Preprocessing applied to raw input before the model sees it. */
    @JsonProperty("normalization")
    public Normalization normalization() {
        return normalization;
    }

    /** Class labels of the output, in output order; empty for models without a classifier head. */
    @JsonProperty("labels")
    public List<String> labels() {
        return labels;
    }

    /**
     * The layer (MultiLayerNetwork) or vertex (ComputationGraph) through which a {@code TransferPlan} froze the
     * network: the last layer of the frozen base, whose output a feature cache stores. {@code null} when nothing
     * was recorded: a network planned without a freeze point, not planned by Graft, or planned before Graft
     * recorded cuts (its frozen layers still tell the cut). {@code Cut.of(GraftModel)} reads it and checks it
     * against the network's frozen layers.
     */
    @JsonProperty("cut")
    public String cut() {
        return cut;
    }

    /** License of the weights, or {@code null} if unknown. */
    @JsonProperty("license")
    public String license() {
        return license;
    }

    /** Free text saying where the weights came from (URL, paper, training run), or {@code null}. */
    @JsonProperty("origin")
    public String origin() {
        return origin;
    }

    /**
     * sha256 (lowercase hex) by name: in a card inside a Graft model zip, of each other entry of the zip (so the check
     * does not depend on the file's name); in older cards and zoo files' cards, of each file by file name.
     */
    @JsonProperty("sha256")
    public Map<String, String> sha256() {
        return sha256;
    }

    /** Free-text notes, or {@code null}. */
    @JsonProperty("notes")
    public String notes() {
        return notes;
    }

    /** Number of input values per example (product of {@link #inputShape()}). */
    public long inputSize() {
        long n = 1;
        for (long d : inputShape) {
            n *= d;
        }
        return n;
    }

    /** This card as pretty-printed JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a card from JSON text. */
    public static ModelCard parse(String json) {
        try {
            return JSON.readValue(json, ModelCard.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a valid model card: " + e.getMessage(), e);
        }
    }

    /** Writes this card as JSON to {@code file} (via a temp file and an atomic rename). */
    public void write(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, toJson());
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads a card from a JSON file. */
    public static ModelCard read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new java.io.FileNotFoundException("model card " + file + " does not exist");
        }
        try {
            return parse(Files.readString(file));
        } catch (IllegalArgumentException e) {
            throw new IOException("model card " + file + " is not valid: " + e.getMessage(), e);
        }
    }

    /** The card file that belongs beside a weights file: {@code model.zip} → {@code model.card.json}. */
    public static Path besides(Path weightsFile) {
        String n = weightsFile.getFileName().toString();
        int dot = n.lastIndexOf('.');
        String stem = dot > 0 ? n.substring(0, dot) : n;
        return weightsFile.resolveSibling(stem + ".card.json");
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ModelCard)) {
            return false;
        }
        ModelCard c = (ModelCard) o;
        return name.equals(c.name) && Objects.equals(architecture, c.architecture) && source == c.source
                && Arrays.equals(inputShape, c.inputShape) && layout == c.layout
                && normalization.equals(c.normalization) && labels.equals(c.labels)
                && Objects.equals(license, c.license) && Objects.equals(origin, c.origin)
                && sha256.equals(c.sha256) && Objects.equals(notes, c.notes) && Objects.equals(cut, c.cut);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, architecture, source, Arrays.hashCode(inputShape), layout, normalization, labels);
    }

    @Override
    public String toString() {
        return name + " (" + architecture + ", " + source + ", input " + Arrays.toString(inputShape) + " " + layout
                + ", " + normalization + ", " + labels.size() + " labels" + (cut == null ? "" : ", cut at '" + cut + "'") + ")";
    }

    /** Builds a {@link ModelCard}; {@link #build()} checks the values. */
    public static final class Builder {
        private String name;
        private String architecture = "unknown";
        private SourceKind source = SourceKind.GRAFT;
        private long[] inputShape = new long[0];
        private InputLayout layout = InputLayout.FLAT;
        private Normalization normalization = Normalization.identity();
        private List<String> labels = List.of();
        private String license;
        private String origin;
        private final Map<String, String> sha256 = new LinkedHashMap<>();
        private String notes;
        private String cut;

        private Builder(String name) {
            this.name = name;
        }

        /** Renames the model (e.g. when registering a copy under a new name). */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Forgets every recorded sha256 (e.g. before recording the sum of a renamed copy). */
        public Builder clearSha256() {
            sha256.clear();
            return this;
        }

        /** Architecture name. */
        public Builder architecture(String architecture) {
            this.architecture = architecture == null ? "unknown" : architecture;
            return this;
        }

        /** Where the weights came from. */
        public Builder source(SourceKind source) {
            this.source = source == null ? SourceKind.GRAFT : source;
            return this;
        }

        /** Layout and shape of one example (no batch dimension). */
        public Builder input(InputLayout layout, long... shape) {
            this.layout = Objects.requireNonNull(layout, "layout");
            this.inputShape = shape.clone();
            return this;
        }

        /** Preprocessing applied before the model. */
        public Builder normalization(Normalization normalization) {
            this.normalization = Objects.requireNonNull(normalization, "normalization");
            return this;
        }

        /** Output class labels, in output order. */
        public Builder labels(List<String> labels) {
            this.labels = List.copyOf(labels);
            return this;
        }

        /** License of the weights. */
        public Builder license(String license) {
            this.license = license;
            return this;
        }

        /** Where the weights came from, in words or as a URL. */
        public Builder origin(String origin) {
            this.origin = origin;
            return this;
        }

        /** Records the sha256 of one file of the model. */
        public Builder sha256(String fileName, String hex) {
            if (hex == null || !hex.matches("[0-9a-fA-F]{64}")) {
                throw new IllegalArgumentException("sha256 of '" + fileName + "' must be 64 hex digits, got " + hex);
            }
            sha256.put(fileName, hex.toLowerCase(java.util.Locale.ROOT));
            return this;
        }

        /** Free-text notes. */
        public Builder notes(String notes) {
            this.notes = notes;
            return this;
        }

        /**
         * Records the layer or vertex through which the network is frozen (see {@link ModelCard#cut()}); null or
         * blank records none. {@code TransferPlan.apply} sets it; the name is not checked against a network here.
         */
        public Builder cut(String layer) {
            this.cut = layer == null || layer.isBlank() ? null : layer;
            return this;
        }

        /**
         * Checks and builds the card.
         *
         * @throws IllegalArgumentException if the name is blank, the shape has a non-positive dimension or
         *     does not match the layout's rank
         */
        public ModelCard build() {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a model card needs a name");
            }
            for (long d : inputShape) {
                if (d <= 0) {
                    throw new IllegalArgumentException("model card '" + name + "': input shape "
                            + Arrays.toString(inputShape) + " has a non-positive dimension");
                }
            }
            if (inputShape.length != 0 && inputShape.length != layout.rank()) {
                throw new IllegalArgumentException("model card '" + name + "': input shape "
                        + Arrays.toString(inputShape) + " has " + inputShape.length + " dimensions but layout " + layout
                        + " needs " + layout.rank());
            }
            int stats = normalization == null ? 0 : normalization.mean().length;
            if (stats > 1 && inputShape.length != 0 && inputShape[layout.channelAxis()] != stats) {
                throw new IllegalArgumentException("model card '" + name + "': the normalization has " + stats
                        + " per-channel values but input " + Arrays.toString(inputShape) + " " + layout + " has "
                        + inputShape[layout.channelAxis()] + (layout == InputLayout.FLAT ? " features" : " channels")
                        + "; give one mean and one std per " + (layout == InputLayout.FLAT ? "feature" : "channel")
                        + ", or one of each for all");
            }
            if (labels != null && new java.util.HashSet<>(labels).size() != labels.size()) {
                throw new IllegalArgumentException("model card '" + name + "': labels " + labels + " repeat a name; "
                        + "each output needs its own label");
            }
            return new ModelCard(this);
        }
    }
}
