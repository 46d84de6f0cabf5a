package dev.graft.cli;

import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.Featurizers;
import dev.graft.transfer.cluster.Cluster;
import dev.graft.transfer.cluster.ClusterProvider;
import dev.graft.transfer.cluster.ClusterSettings;
import dev.graft.transfer.data.DataSource;
import dev.graft.transfer.tune.Cut;
import dev.graft.transfer.tune.EpochRecord;
import dev.graft.transfer.tune.FineTuneConfig;
import dev.graft.transfer.tune.FineTuneResult;
import dev.graft.transfer.tune.FineTuner;
import dev.graft.transfer.tune.Preset;
import dev.graft.zoo.GraftModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code graft finetune --spark}: the same FineTuner as on one machine, with its feature caches built on Spark
 * before it runs (so it finds them finished and reuses them) and the head's epochs run as Spark jobs through
 * {@link FineTuner.Builder#headStep}. Presets, early stopping, validation, the LR options and unfreeze stages are
 * FineTuner's, on the driver.
 */
final class SparkFinetune implements AutoCloseable {
    private final Cluster cluster;
    private final String location;
    private final Path local;
    private final PrintWriter out;
    private Cluster.HeadTraining head;
    private int epochs;
    private long trainStart;

    private SparkFinetune(Cluster cluster, String location, PrintWriter out) {
        this.cluster = cluster;
        this.location = location;
        this.local = cluster.localFolder(location);
        this.out = out;
    }

    /**
     * Checks the options (before anything starts) and connects.
     *
     * @throws IllegalArgumentException for a missing cache, an option Spark cannot honour, or a bad Spark setting
     * @throws IllegalStateException if the spark module is not on the class path
     */
    static SparkFinetune start(SparkOptions spark, SparkTrainingOptions training, CacheOption cache, Preset preset,
            boolean oneCycle, PrintWriter out) {
        ClusterProvider provider = spark.provider();
        ClusterSettings settings = training.settings(spark);
        provider.check(settings);
        if (!cache.given()) {
            throw new IllegalArgumentException("--spark needs --cache DIR|URI: a folder the driver and every executor "
                    + "share (any folder for local[N]) or a Hadoop URI such as hdfs://namenode:8020/caches/c");
        }
        String augmentation = preset == null ? null : preset.training().augmentation();
        if (augmentation != null) {
            throw new IllegalArgumentException("--preset " + preset.name() + " augments the cache (" + augmentation
                    + "), which Spark featurizing cannot build; choose a preset without augmentation, or fine-tune on "
                    + "one machine without --spark");
        }
        if (oneCycle && "sharing".equalsIgnoreCase(settings.training())) {
            throw new IllegalArgumentException("--one-cycle needs the head's epochs one at a time, but --training sharing "
                    + "runs them all in one Spark job; use --training averaging or leave --one-cycle out");
        }
        return new SparkFinetune(provider.connect(settings), cache.location(), out);
    }

    /** The master, for the model card's origin. */
    String master() {
        return cluster.master();
    }

    /**
     * Builds the training (and validation) caches on Spark exactly as {@code ft} will ask for them, makes them
     * readable on the driver, and points {@code ft} at them with the cluster's head step.
     */
    void prepare(FineTuner.Builder ft, FineTuneConfig.Builder config, GraftModel planned, DataSource train,
            DataSource val, int epochs, int batch, long seed) throws IOException {
        this.epochs = epochs;
        head = cluster.headTraining(epochs, batch, seed);
        out.printf(Locale.ROOT, "Spark master %s, %d workers; head: %s%n", cluster.master(), cluster.workers(),
                head.description() + (head.perEpoch() ? ", one Spark job per epoch"
                        : ", all " + epochs + " epochs in one Spark job (DL4J's shared training cannot fit a network "
                                + "twice): validation, early stopping and plateau act after them"));
        out.flush();
        String cut = Cut.of(planned).layer(); // FineTuner's featurizer: the planned model up to its recorded cut
        build(planned, cut, train, "train", batch);
        if (val != null) {
            build(planned, cut, val, "val", batch);
        }
        ft.cacheDirectory(local).headStep(head.step());
        config.epochs(head.stageEpochs());
        trainStart = System.nanoTime();
    }

    private void build(GraftModel planned, String cut, DataSource source, String name, int batch) throws IOException {
        FeatureCache fc = FeatureCache.builder(local.resolve(name)).featurizer(Featurizers.cut(planned, cut))
                .source(source).batchSize(batch).build();
        String at = cluster.resolve(location, name);
        Cluster.CacheBuild r = cluster.featurize(fc, at, planned, cut, source, cluster.workers());
        out.printf(Locale.ROOT, "feature cache %s: %d rows, %d of %d shards built by this run%n", r.location(), r.rows(),
                r.shardsBuilt(), r.shards());
        out.flush();
        cluster.fetch(fc, at); // a Hadoop location: the driver trains from a verified local copy
    }

    /** Prints how the head trained (epochs run, training, workers, time). */
    void report(FineTuneResult r) {
        long ran = r.history().stream().map(EpochRecord::stage).filter(s -> s.startsWith("head")).count();
        out.printf(Locale.ROOT, "head: %d epochs with %s on %d workers%s%n", head.perEpoch() ? ran : epochs,
                head.description(), cluster.workers(), head.perEpoch() ? "" : " (one Spark job)");
        out.printf(Locale.ROOT, "training on Spark and the driver: %.1f s%n",
                (System.nanoTime() - trainStart) / 1e9);
        out.flush();
    }

    /** Stops Spark; deletes the driver's copy of a cache kept at a URI. */
    @Override
    public void close() {
        try {
            cluster.close();
        } finally {
            if (!cluster.isLocal(location)) {
                org.apache.commons.io.FileUtils.deleteQuietly(local.toFile());
            }
        }
    }
}
