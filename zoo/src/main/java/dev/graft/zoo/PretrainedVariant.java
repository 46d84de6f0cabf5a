package dev.graft.zoo;

import dev.graft.zoo.store.WeightFile;
import java.util.Objects;

/**
 * One set of pretrained weights for a catalog model: the file the {@link dev.graft.zoo.store.WeightStore}
 * resolves and how to feed the network it holds.
 *
 * @param name variant name, lower case, e.g. {@code imagenet}, {@code mnist}, {@code cifar10}
 * @param file the weights file and its checksums
 * @param originalUrl where DL4J used to download it from (that host is gone), or {@code null}
 * @param layout input layout
 * @param inputShape one example's shape in {@code layout} order
 * @param normalization preprocessing the weights were trained with
 * @param numClasses number of outputs of the classifier, or 0 when not a classifier
 * @param notes what is known and what is not about this variant, or {@code null}
 */
public record PretrainedVariant(String name, WeightFile file, String originalUrl, InputLayout layout,
                                long[] inputShape, Normalization normalization, int numClasses, String notes) {

    /** Validates the fields. */
    public PretrainedVariant {
        if (name == null || !name.matches("[a-z0-9][a-z0-9-]*")) {
            throw new IllegalArgumentException("variant name must be lower case letters, digits and '-', got '"
                    + name + "'");
        }
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(layout, "layout");
        inputShape = inputShape == null ? new long[0] : inputShape.clone();
        Objects.requireNonNull(normalization, "normalization");
        if (numClasses < 0) {
            throw new IllegalArgumentException("variant '" + name + "': numClasses must be >= 0, got " + numClasses);
        }
    }

    @Override
    public long[] inputShape() {
        return inputShape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PretrainedVariant v && name.equals(v.name) && file.equals(v.file)
                && Objects.equals(originalUrl, v.originalUrl) && layout == v.layout
                && java.util.Arrays.equals(inputShape, v.inputShape) && normalization.equals(v.normalization)
                && numClasses == v.numClasses && Objects.equals(notes, v.notes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, file, layout, java.util.Arrays.hashCode(inputShape), numClasses);
    }

    @Override
    public String toString() {
        return name + " (" + file.relativePath() + ", " + file.describeChecksums() + "; input "
                + java.util.Arrays.toString(inputShape) + " " + layout + ", " + normalization + ", " + numClasses
                + " classes)";
    }
}
