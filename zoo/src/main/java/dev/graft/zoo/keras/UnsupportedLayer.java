package dev.graft.zoo.keras;

import java.util.Objects;

/**
 * One layer of a Keras model that cannot be imported, found by {@link KerasPreflight}.
 *
 * @param name the layer's name in the Keras model
 * @param className the Keras layer class, e.g. {@code GRU}
 * @param reason why it cannot be imported, in words
 */
public record UnsupportedLayer(String name, String className, String reason) {
    /** Checks the parts are present. */
    public UnsupportedLayer {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(className, "className");
        Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
        return "'" + name + "' (" + className + "): " + reason;
    }
}
