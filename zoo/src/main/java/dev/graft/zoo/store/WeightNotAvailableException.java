package dev.graft.zoo.store;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A weights file is not in the cache and could not be fetched (offline, no mirror, or every mirror failed).
 * The message names the exact file, its checksum and the folder to put it in.
 */
public final class WeightNotAvailableException extends IOException {
    private final Path expectedPath;

    /**
     * @param message the full message
     * @param expectedPath where the file would be found if the user placed it by hand
     */
    public WeightNotAvailableException(String message, Path expectedPath) {
        super(message);
        this.expectedPath = expectedPath;
    }

    /** Where the store looks for the file in its cache: putting the file here makes it available offline. */
    public Path expectedPath() {
        return expectedPath;
    }
}
