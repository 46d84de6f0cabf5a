package dev.graft.zoo.keras;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The preflight found layers that cannot be imported. Names every one of them, not only the first.
 */
public final class UnsupportedKerasModelException extends KerasImportException {
    private static final long serialVersionUID = 1L;
    private final transient List<UnsupportedLayer> layers;

    /** An exception listing the unsupported layers of {@code file}. */
    public UnsupportedKerasModelException(String file, List<UnsupportedLayer> layers) {
        super(message(file, layers));
        this.layers = List.copyOf(layers);
    }

    /** Every layer that cannot be imported, in model order. */
    public List<UnsupportedLayer> layers() {
        return layers;
    }

    private static String message(String file, List<UnsupportedLayer> layers) {
        return file + ": " + layers.size() + (layers.size() == 1 ? " layer" : " layers")
                + " cannot be imported: " + layers.stream().map(UnsupportedLayer::toString)
                .collect(Collectors.joining("; "))
                + " (replace or remove them in Keras, or import the model up to the layer before them)";
    }
}
