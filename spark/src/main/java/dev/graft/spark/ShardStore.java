package dev.graft.spark;

import dev.graft.transfer.cache.CacheShards;
import dev.graft.transfer.cache.FeatureCache;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The files of one cache being built by {@link SparkFeatureCache}, as the driver and the executors use them: which
 * shards are finished, where a task writes a shard, how the shard gets to the cache, and the final manifest.
 * Made by {@link CacheLocation#open}; serialized to executors.
 */
abstract class ShardStore implements Serializable, AutoCloseable {
    private static final long serialVersionUID = 1L;

    /** The FeatureCache's own local folder, used as it is (shards are written in place). */
    static ShardStore local(Path dir) {
        return new Local(dir);
    }

    /** Driver: the shards already finished for {@code plan} (index to sha256); anything else is to be built. */
    abstract Map<Integer, String> finished(JavaSparkContext sc, CacheShards plan) throws IOException;

    /** Executor: the local folder a task's shard writers write into. */
    abstract Path stagingFolder() throws IOException;

    /** Executor: puts the finished shard file {@code staged} (in {@link #stagingFolder()}) into the cache. */
    abstract void publish(Path staged) throws IOException;

    /** Executor: removes a task's staging folder once the task is done with it. */
    abstract void removeStaging(Path folder) throws IOException;

    /** Driver: checks every shard against its sha256 and writes the manifest of the complete cache. */
    abstract void commit(FeatureCache cache, CacheShards plan, Map<Integer, String> shas) throws IOException;

    /** Driver: releases what the store shared with the executors. */
    @Override
    public void close() {
    }

    /** A local folder, read and written in place with the cache's own code. */
    private static final class Local extends ShardStore {
        private static final long serialVersionUID = 1L;
        private final String dir;

        Local(Path dir) {
            this.dir = dir.toString();
        }

        @Override
        Map<Integer, String> finished(JavaSparkContext sc, CacheShards plan) throws IOException {
            Map<Integer, String> done = new TreeMap<>();
            for (int s = 0; s < plan.shards(); s++) {
                String sha = plan.finishedSha(Path.of(dir), s);
                if (sha != null) {
                    done.put(s, sha);
                }
            }
            return done;
        }

        @Override
        Path stagingFolder() {
            return Path.of(dir);
        }

        @Override
        void publish(Path staged) {
            // written in place: the writer's rename already put it there
        }

        @Override
        void removeStaging(Path folder) {
            // the staging folder is the cache
        }

        @Override
        void commit(FeatureCache cache, CacheShards plan, Map<Integer, String> shas) throws IOException {
            plan.commit(cache, shas);
        }
    }
}
