package dev.graft.spark;

import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.Featurizers;
import dev.graft.transfer.tune.Cut;
import dev.graft.zoo.GraftModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Trains the head of a planned model (frozen base, trainable top, as a {@code TransferPlan} leaves it) on Spark
 * from a built {@link FeatureCache} of the frozen part's outputs, with DL4J's parameter averaging
 * ({@link ParameterAveragingTrainingMaster} on a {@link SparkDl4jMultiLayer}); then puts the trained top back
 * into the full model, as {@code FineTuner} does on one machine ({@link Cut#buildTop()} /
 * {@link Cut#copyFrom(Model)}).
 *
 * <p>Every epoch the cache is read in a fresh shuffled order on the driver and its batches are parallelized to
 * the workers; each worker fits {@code batchSizePerWorker} rows per step and the parameters (and updater
 * state) are averaged every {@code averagingFrequency} steps. Heads that are MultiLayerNetworks only.
 * <pre>{@code
 * GraftModel planned = TransferPlan.builder().freezeThrough("bn").build().apply(base);
 * GraftModel trained = SparkHeadTrainer.builder(sc, planned, cache).epochs(20).build().run();
 * }</pre>
 */
public final class SparkHeadTrainer {
    private final JavaSparkContext sc;
    private final GraftModel planned;
    private final FeatureCache cache;
    private final int epochs;
    private final int batchSizePerWorker;
    private final int averagingFrequency;
    private final int workers;
    private final long seed;

    private SparkHeadTrainer(Builder b) {
        this.sc = b.sc;
        this.planned = b.planned;
        this.cache = b.cache;
        this.epochs = b.epochs;
        this.batchSizePerWorker = b.batchSizePerWorker;
        this.averagingFrequency = b.averagingFrequency;
        this.workers = b.workers;
        this.seed = b.seed;
    }

    /** Starts a trainer for {@code planned}'s head from {@code cache} (built from {@code planned}'s cut). */
    public static Builder builder(JavaSparkContext sc, GraftModel planned, FeatureCache cache) {
        return new Builder(sc, planned, cache);
    }

    /**
     * Trains and returns the planned model with the trained head (the planned model's network is updated in
     * place; its frozen part is untouched).
     *
     * @throws IOException if the cache cannot be read
     */
    public GraftModel run() throws IOException {
        Cut cut = Cut.of(planned.network());
        String expected = Featurizers.cut(planned, cut.layer()).fingerprint();
        if (!expected.equals(cache.featurizer().fingerprint())) {
            throw new IllegalArgumentException("feature cache " + cache.directory() + " holds "
                    + cache.featurizer().describe() + ", not the outputs of this model's frozen part (cut at '"
                    + cut.layer() + "')");
        }
        Model top = cut.buildTop();
        if (!(top instanceof MultiLayerNetwork)) {
            throw new IllegalArgumentException("Spark head training supports MultiLayerNetwork heads only; this "
                    + "model's head is a ComputationGraph");
        }
        ParameterAveragingTrainingMaster tm = new ParameterAveragingTrainingMaster.Builder(batchSizePerWorker)
                .batchSizePerWorker(batchSizePerWorker).averagingFrequency(averagingFrequency)
                .workerPrefetchNumBatches(0).rddTrainingApproach(RDDTrainingApproach.Direct)
                .storageLevel(StorageLevel.MEMORY_ONLY()).rngSeed(seed).build();
        SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, (MultiLayerNetwork) top, tm);
        try {
            DataSetIterator it = cache.iterator(batchSizePerWorker, seed);
            for (int e = 0; e < epochs; e++) {
                if (e > 0) {
                    it.reset();
                }
                List<DataSet> batches = new ArrayList<>();
                while (it.hasNext()) {
                    batches.add(it.next());
                }
                JavaRDD<DataSet> rdd = sc.parallelize(batches, workers);
                sparkNet.fit(rdd);
            }
            cut.copyFrom(sparkNet.getNetwork());
        } finally {
            tm.deleteTempFiles(sc);
        }
        return GraftModel.of(planned.network(), planned.card());
    }

    /** Configures a {@link SparkHeadTrainer}. */
    public static final class Builder {
        private final JavaSparkContext sc;
        private final GraftModel planned;
        private final FeatureCache cache;
        private int epochs = 10;
        private int batchSizePerWorker = 32;
        private int averagingFrequency = 5;
        private int workers;
        private long seed = 42;

        private Builder(JavaSparkContext sc, GraftModel planned, FeatureCache cache) {
            this.sc = sc;
            this.planned = planned;
            this.cache = cache;
        }

        /** Passes over the cache (default 10). */
        public Builder epochs(int n) {
            this.epochs = n;
            return this;
        }

        /** Rows per step on each worker (default 32). */
        public Builder batchSizePerWorker(int n) {
            this.batchSizePerWorker = n;
            return this;
        }

        /** Steps between parameter averagings (default 5). */
        public Builder averagingFrequency(int n) {
            this.averagingFrequency = n;
            return this;
        }

        /** Partitions the batches are spread over (default: Spark's default parallelism). */
        public Builder workers(int n) {
            this.workers = n;
            return this;
        }

        /** Shuffle and training seed (default 42). */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /**
         * Checks the settings.
         *
         * @throws IllegalArgumentException if something is missing or out of range
         */
        public SparkHeadTrainer build() {
            if (sc == null || planned == null || cache == null) {
                throw new IllegalArgumentException("Spark head training needs a Spark context, a planned model and a "
                        + "feature cache");
            }
            if (epochs <= 0 || batchSizePerWorker <= 0 || averagingFrequency <= 0 || workers < 0) {
                throw new IllegalArgumentException("epochs, batch size and averaging frequency must be positive, got "
                        + epochs + ", " + batchSizePerWorker + ", " + averagingFrequency);
            }
            if (workers == 0) {
                workers = sc.defaultParallelism();
            }
            return new SparkHeadTrainer(this);
        }
    }
}
