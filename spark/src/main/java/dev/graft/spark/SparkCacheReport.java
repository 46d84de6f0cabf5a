package dev.graft.spark;

/**
 * What a {@link SparkFeatureCache#run()} did.
 *
 * @param location     where the cache is kept: its local folder or Hadoop URI ({@link CacheLocation#toString()})
 * @param key          the cache key
 * @param rows         rows in the cache
 * @param shards       shards in the cache
 * @param shardsBuilt  shards featurized by this run (0: everything was already there)
 * @param seconds      wall time
 */
public record SparkCacheReport(String location, String key, long rows, int shards, int shardsBuilt, double seconds) {
}
