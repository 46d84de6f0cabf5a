package dev.graft.zoo;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.deeplearning4j.zoo.ZooModel;

/**
 * One model of the {@link Catalog}: a DL4J zoo architecture with its pretrained variants, or a model the user
 * registered (one variant, {@code default}, stored in the Graft cache).
 *
 * @param name catalog name, lower case, e.g. {@code vgg16}
 * @param architecture architecture name, e.g. {@code VGG16}
 * @param kind where the entry comes from
 * @param zooClass the DL4J zoo class that builds the architecture, or {@code null} for user models
 * @param graph true if the network is a ComputationGraph, false for a MultiLayerNetwork
 * @param layout input layout of the architecture's default input
 * @param inputShape the architecture's default input shape (one example), empty if not fixed
 * @param description one line saying what it is
 * @param variants pretrained weights available for it (may be empty)
 */
public record CatalogEntry(String name, String architecture, Kind kind, Class<? extends ZooModel> zooClass,
                           boolean graph, InputLayout layout, long[] inputShape, String description,
                           List<PretrainedVariant> variants) {

    /** Where an entry comes from. */
    public enum Kind {
        /** Built into DL4J's zoo. */
        DL4J_ZOO,
        /** Registered by the user ({@code graft zoo add}). */
        USER
    }

    /** Validates the fields. */
    public CatalogEntry {
        if (name == null || !name.matches("[a-z0-9][a-z0-9._-]*")) {
            throw new IllegalArgumentException("model name must be lower case letters, digits, '.', '_' or '-', got '"
                    + name + "'");
        }
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(layout, "layout");
        inputShape = inputShape == null ? new long[0] : inputShape.clone();
        variants = List.copyOf(variants);
        if (kind == Kind.DL4J_ZOO && zooClass == null) {
            throw new IllegalArgumentException("DL4J zoo entry '" + name + "' needs its zoo class");
        }
    }

    @Override
    public long[] inputShape() {
        return inputShape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CatalogEntry e && name.equals(e.name) && Objects.equals(architecture, e.architecture)
                && kind == e.kind && Objects.equals(zooClass, e.zooClass) && graph == e.graph && layout == e.layout
                && java.util.Arrays.equals(inputShape, e.inputShape) && Objects.equals(description, e.description)
                && variants.equals(e.variants);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, kind, variants);
    }

    @Override
    public String toString() {
        return name + " (" + architecture + ", " + kind + ", " + (graph ? "ComputationGraph" : "MultiLayerNetwork")
                + ", input " + java.util.Arrays.toString(inputShape) + " " + layout + ", variants: "
                + variants.stream().map(PretrainedVariant::name).collect(Collectors.joining(", ")) + ")";
    }

    /** The first variant, which {@code graft zoo fetch NAME} uses when no {@code --variant} is given. */
    public PretrainedVariant defaultVariant() {
        if (variants.isEmpty()) {
            throw new IllegalArgumentException("model '" + name + "' has no pretrained weights in DL4J's zoo; "
                    + "initialise it untrained (Zoo.init) or register your own weights with 'graft zoo add'");
        }
        return variants.get(0);
    }

    /**
     * The variant called {@code variant} ({@code null}: the default one).
     *
     * @throws IllegalArgumentException naming the variants there are
     */
    public PretrainedVariant variant(String variant) {
        if (variant == null) {
            return defaultVariant();
        }
        for (PretrainedVariant v : variants) {
            if (v.name().equalsIgnoreCase(variant)) {
                return v;
            }
        }
        throw new IllegalArgumentException("model '" + name + "' has no variant '" + variant + "'; "
                + (variants.isEmpty() ? "it has no pretrained weights"
                : "variants are: " + variants.stream().map(PretrainedVariant::name).collect(Collectors.joining(", "))));
    }
}
