package dev.graft.spark;

import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cluster.Cluster;
import dev.graft.transfer.cluster.ClusterSettings;
import dev.graft.transfer.data.DataSource;
import dev.graft.transfer.tune.FineTuner;
import dev.graft.transfer.tune.Trainer;
import dev.graft.zoo.GraftModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Graft on Apache Spark as a {@link Cluster}: feature caches built by {@link SparkFeatureCache} (a folder every
 * executor shares, or a Hadoop URI: {@link CacheLocation}) and the head's epochs as Spark jobs, run by
 * {@link FineTuner} through {@link FineTuner.Builder#headStep}. The {@code graft} command line finds it through
 * {@link SparkClusterProvider}; from Java, wrap a context you have:
 * <pre>{@code
 * try (SparkCluster cluster = SparkCluster.of(sc, ClusterSettings.master(null))) {
 *     Cluster.HeadTraining head = cluster.headTraining(20, 32, 42);
 *     FineTuner ft = FineTuner.builder(planned).train(train).validation(val).cacheDirectory(dir)
 *         .preset(Presets.get("practical")).patience(3).unfreeze(UnfreezeSchedule.parse("2:1@0.1"))
 *         .epochs(head.stageEpochs()).headStep(head.step()).build();
 *     ...
 * }
 * }</pre>
 * With {@code training sharing} (gradient sharing) the head's epochs cannot run one Spark job each: DL4J
 * 1.0.0-M2's shared training does not survive a second {@code fit} of a network (docs/spark.md, Limits), so its
 * step trains all of them in one job and the driver's loop sees one epoch ({@link Cluster.HeadTraining#perEpoch()}
 * false).
 */
public final class SparkCluster implements Cluster {
    private final JavaSparkContext sc;
    private final boolean owned;
    private final SparkHeadTrainer.Builder settings;
    private final int workers;
    private final List<AutoCloseable> steps = new ArrayList<>();

    private SparkCluster(JavaSparkContext sc, boolean owned, SparkHeadTrainer.Builder settings, Integer workers) {
        this.sc = sc;
        this.owned = owned;
        this.settings = settings;
        this.workers = workers != null ? workers : sc.defaultParallelism();
    }

    /**
     * A cluster on a context the caller owns ({@link #close()} leaves it running); {@code settings}' master, app
     * name and conf are not used.
     *
     * @throws IllegalArgumentException if a setting is wrong (as {@link SparkClusterProvider#check})
     */
    public static SparkCluster of(JavaSparkContext sc, ClusterSettings settings) {
        if (sc == null) {
            throw new IllegalArgumentException("a Spark cluster needs a Spark context, got null");
        }
        return new SparkCluster(sc, false, SparkClusterProvider.checked(settings), settings.workers());
    }

    /** Starts a context for {@code settings} (checked) and owns it. */
    static SparkCluster connect(ClusterSettings settings) {
        SparkHeadTrainer.Builder checked = SparkClusterProvider.checked(settings);
        return new SparkCluster(context(settings), true, checked, settings.workers());
    }

    /**
     * A Spark context for the settings: their master, else the one spark-submit gave; local masters bind to
     * 127.0.0.1 and have no UI unless the configuration says otherwise.
     */
    static JavaSparkContext context(ClusterSettings s) {
        SparkConf conf = new SparkConf().setAppName(s.appName() != null ? s.appName() : "graft");
        if (s.master() != null) {
            conf.setMaster(s.master());
        } else if (!conf.contains("spark.master")) {
            throw new IllegalArgumentException("no Spark master: pass --spark MASTER (e.g. --spark local[2]) or run "
                    + "under spark-submit --master ...");
        }
        if (conf.get("spark.master").startsWith("local")) {
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
            conf.setIfMissing("spark.ui.enabled", "false");
        }
        s.conf().forEach(conf::set);
        JavaSparkContext jsc = new JavaSparkContext(conf);
        jsc.setLogLevel("WARN");
        return jsc;
    }

    /** The Spark context. */
    public JavaSparkContext context() {
        return sc;
    }

    @Override
    public String master() {
        return sc.master();
    }

    @Override
    public int workers() {
        return workers;
    }

    @Override
    public boolean isLocal(String location) {
        return CacheLocation.parse(location).isLocal();
    }

    @Override
    public Path localFolder(String location) {
        return isLocal(location) ? Path.of(location)
                : Path.of(org.apache.commons.io.FileUtils.getTempDirectoryPath(), "graft-spark-cache-" + UUID.randomUUID());
    }

    @Override
    public CacheBuild featurize(FeatureCache cache, String location, GraftModel model, String cut, DataSource source,
            Integer partitions) throws IOException {
        CacheLocation where = location == null ? CacheLocation.local(cache.directory()) : CacheLocation.parse(location);
        int parts = partitions != null ? partitions : sc.defaultParallelism();
        SparkCacheReport r = SparkFeatureCache.builder(sc, cache).location(where).model(model, cut)
                .rows(sc.parallelize(ExampleRow.listOf(source), parts)).build().run();
        return new CacheBuild(r.location(), r.key(), r.rows(), r.shards(), r.shardsBuilt(), r.seconds());
    }

    @Override
    public void fetch(FeatureCache cache, String location) throws IOException {
        CacheLocation.parse(location).download(sc, cache);
    }

    @Override
    public HeadTraining headTraining(int epochs, int batchSize, long seed) {
        if (epochs <= 0) {
            throw new IllegalArgumentException("epochs must be positive, got " + epochs);
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size per worker must be positive, got " + batchSize);
        }
        if (settings.training() == SparkTraining.GRADIENT_SHARING) {
            GradientSharing sharing = settings.gradientSharing();
            Trainer.EpochStep step = (network, data) -> {
                if (!(network instanceof MultiLayerNetwork)) {
                    throw new IllegalArgumentException("Spark head training supports MultiLayerNetwork heads only; "
                            + "this model's head is a " + network.getClass().getSimpleName());
                }
                MultiLayerNetwork net = (MultiLayerNetwork) network;
                MultiLayerNetwork trained = sharing.train(sc, net, data, epochs, batchSize, workers, seed);
                if (trained != net) {
                    net.setParams(trained.params());
                }
                // DL4J's shared training reports no score (0.0): the epoch line shows NaN rather than a loss of 0
                double score = trained.score();
                SparkEpochStep.report(net, score == 0.0 ? Double.NaN : score);
            };
            return new HeadTraining(step, 1, false, "gradient sharing");
        }
        SparkEpochStep step = SparkEpochStep.builder(sc).batchSizePerWorker(batchSize)
                .averagingFrequency(settings.averagingFrequencyOrDefault()).workers(workers).seed(seed).build();
        steps.add(step);
        return new HeadTraining(step, epochs, true, "parameter averaging");
    }

    /** Deletes the steps' temp files; stops the context if this cluster started it. */
    @Override
    public void close() {
        for (AutoCloseable s : steps) {
            try {
                s.close();
            } catch (Exception e) {
                // temp files of a finished training: nothing the caller can do
            }
        }
        steps.clear();
        if (owned) {
            sc.close();
        }
    }
}
