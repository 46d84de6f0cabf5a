package dev.graft.transfer.cluster;

import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.data.DataSource;
import dev.graft.transfer.tune.FineTuner;
import dev.graft.transfer.tune.Trainer;
import dev.graft.zoo.GraftModel;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A connection to a cluster ({@link ClusterProvider#connect}): featurizing into a feature cache on the workers,
 * and the head's epochs as jobs there ({@link #headStep}), which {@link FineTuner.Builder#headStep} runs inside the
 * driver's fine-tuning loop. Close it to release the cluster (e.g. stop the Spark context).
 */
public interface Cluster extends AutoCloseable {
    /** The master it runs on (e.g. {@code local[2]}, {@code spark://host:7077}). */
    String master();

    /** Training workers: the partitions each epoch's batches are spread over. */
    int workers();

    /**
     * Where the {@link FeatureCache} of a cache kept at {@code location} lives on the driver: the folder itself for
     * a local folder; for a URI a fresh folder name under {@code java.io.tmpdir} (nothing is created there), which
     * {@link #fetch} fills.
     */
    Path localFolder(String location);

    /** Whether {@code location} is a local folder (not a URI). */
    boolean isLocal(String location);

    /**
     * {@code location} with {@code child} appended as a sub-folder (for a URI, with a {@code /}).
     */
    default String resolve(String location, String child) {
        return isLocal(location) ? Path.of(location).resolve(child).toString()
                : location.endsWith("/") ? location + child : location + "/" + child;
    }

    /**
     * Builds {@code cache} (its featurizer, source, precision, shard size and key) on the cluster, keeping it at
     * {@code location} ({@code cache.directory()} for a local folder, else a URI); finished shards are skipped.
     *
     * @param model      the model whose part up to {@code cut} is the cache's featurizer
     * @param source     the cache's source (the rows sent to the workers, in its order)
     * @param partitions input partitions, or null for the cluster's default
     * @throws IOException if the location cannot be read or written
     * @throws IllegalArgumentException if the cache cannot be built on the cluster (e.g. augmented caches)
     */
    CacheBuild featurize(FeatureCache cache, String location, GraftModel model, String cut, DataSource source,
            Integer partitions) throws IOException;

    /**
     * Makes {@code cache.directory()} hold a verified copy of the complete cache kept at {@code location} (nothing
     * to do for a local folder).
     *
     * @throws IOException if a file cannot be read or written
     */
    void fetch(FeatureCache cache, String location) throws IOException;

    /**
     * How the head's epochs run on the cluster, for a head stage of {@code epochs} epochs of {@code batchSize} rows
     * per worker step.
     *
     * @throws IllegalArgumentException if the values are out of range
     */
    HeadTraining headTraining(int epochs, int batchSize, long seed);

    /** Releases the cluster (stops the context the provider started). */
    @Override
    void close();

    /**
     * The head stage on the cluster: the step to give {@link FineTuner.Builder#headStep}, and how many of the
     * driver's epochs it takes. Usually {@link #stageEpochs} is the head's epochs and each is one job; a training
     * that cannot run epoch by epoch (Spark's gradient sharing) runs them all in one step, so the driver's loop
     * sees one epoch (validation, early stopping and plateau then act after it only).
     *
     * @param step        the epoch step
     * @param stageEpochs the epochs to give {@link FineTuner.Builder#epochs}
     * @param perEpoch    whether each of the driver's epochs is one pass over the data
     * @param description e.g. {@code "parameter averaging"}
     */
    record HeadTraining(Trainer.EpochStep step, int stageEpochs, boolean perEpoch, String description) {
    }

    /**
     * What {@link #featurize} did.
     *
     * @param location    where the cache is kept (folder or URI)
     * @param key         the cache key
     * @param rows        rows in the cache
     * @param shards      shards in the cache
     * @param shardsBuilt shards featurized by this run (0: everything was there)
     * @param seconds     wall time
     */
    record CacheBuild(String location, String key, long rows, int shards, int shardsBuilt, double seconds) {
    }
}
