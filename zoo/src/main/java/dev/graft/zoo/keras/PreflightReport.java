package dev.graft.zoo.keras;

import java.nio.file.Path;
import java.util.List;

/**
 * What the preflight found in a Keras file, before anything was built.
 *
 * @param file the file checked
 * @param format its format
 * @param kerasVersion the Keras version that wrote it
 * @param modelName the model's name in Keras
 * @param layerCount number of layers in its config
 * @param unsupported every layer that cannot be imported (empty when the model can be imported)
 */
public record PreflightReport(Path file, KerasFormat format, String kerasVersion, String modelName, int layerCount,
                              List<UnsupportedLayer> unsupported) {
    /** Copies the list. */
    public PreflightReport {
        unsupported = List.copyOf(unsupported);
    }

    /** True when no layer stands in the way of the import. */
    public boolean importable() {
        return unsupported.isEmpty();
    }

    /**
     * Throws if any layer cannot be imported.
     *
     * @throws UnsupportedKerasModelException naming every unsupported layer
     */
    public void requireImportable() throws UnsupportedKerasModelException {
        if (!importable()) {
            throw new UnsupportedKerasModelException(file.toString(), unsupported);
        }
    }
}
