package dev.graft.transfer.cache;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What {@link FeatureCache#build()} did.
 *
 * @param outcome       reused, built, rebuilt, resumed or repaired
 * @param reason        why, in words (e.g. which key component changed)
 * @param directory     the cache folder
 * @param key           the cache key
 * @param rows          cached rows (examples × views)
 * @param shards        shards in the cache
 * @param shardsBuilt   shards featurized by this call
 * @param damaged       shards found corrupt or missing and rebuilt, one line each ("shard 3: checksum mismatch")
 * @param bytesWritten  bytes of shard data written
 * @param seconds       wall time of the call
 * @param waitedSeconds time spent waiting for another process's build to finish
 */
public record CacheReport(Outcome outcome, String reason, Path directory, String key, long rows, int shards,
                          int shardsBuilt, List<String> damaged, long bytesWritten, double seconds,
                          double waitedSeconds) {

    /** What a build did. */
    public enum Outcome {
        /** Everything was there and valid; nothing featurized. */
        REUSED,
        /** A new cache, built from scratch. */
        BUILT,
        /** The key changed (weights, cut, data, preprocessing, augmentation, precision or shard size): rebuilt. */
        REBUILT,
        /** A build that had stopped midway was finished. */
        RESUMED,
        /** A complete cache had corrupt or missing shards; those were rebuilt. */
        REPAIRED
    }

    public CacheReport {
        damaged = List.copyOf(damaged);
    }

    /** One line for logs and the CLI. */
    public String summary() {
        String s = String.format(Locale.ROOT, "feature cache %s: %s; %d rows in %d shards, %d built (%.1f MB) in %.1f s",
                directory, outcome.name().toLowerCase(Locale.ROOT), rows, shards, shardsBuilt, bytesWritten / 1e6, seconds);
        if (!reason.isEmpty()) {
            s += " (" + reason + ")";
        }
        if (!damaged.isEmpty()) {
            s += "; rebuilt damaged " + String.join("; ", damaged);
        }
        if (waitedSeconds >= 0.05) {
            s += String.format(Locale.ROOT, "; waited %.1f s for another build", waitedSeconds);
        }
        return s;
    }

    @Override
    public String toString() {
        return summary();
    }
}
