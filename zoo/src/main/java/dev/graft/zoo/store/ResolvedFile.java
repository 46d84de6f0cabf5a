package dev.graft.zoo.store;

import java.nio.file.Path;

/**
 * A weights file the {@link WeightStore} found and verified.
 *
 * @param path where the file is
 * @param sha256 its sha256 (always computed, even when only an Adler32 was expected)
 * @param adler32 its Adler32
 * @param size its size in bytes
 * @param origin how it was found
 * @param url the mirror URL it was downloaded from, or {@code null}
 */
public record ResolvedFile(Path path, String sha256, long adler32, long size, Origin origin, String url) {

    /** How a file was found. */
    public enum Origin {
        /** A path the caller gave. */
        EXPLICIT,
        /** Already in the local cache; no network was used. */
        CACHE,
        /** Downloaded from a mirror in this call. */
        DOWNLOADED
    }
}
