package dev.graft.spark;

import java.nio.file.Path;

/**
 * What a {@link SparkFeatureCache#run()} did.
 *
 * @param directory    the cache folder
 * @param key          the cache key
 * @param rows         rows in the cache
 * @param shards       shards in the cache
 * @param shardsBuilt  shards featurized by this run (0: everything was already there)
 * @param seconds      wall time
 */
public record SparkCacheReport(Path directory, String key, long rows, int shards, int shardsBuilt, double seconds) {
}
