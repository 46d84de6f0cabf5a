package dev.graft.spark;

import dev.graft.transfer.tune.FineTuner;
import dev.graft.transfer.tune.Trainer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * One epoch of a head as one Spark job with DL4J's parameter averaging: the {@link Trainer.EpochStep} that
 * {@link FineTuner.Builder#headStep} runs the head stage through, so presets, early stopping, restore-best, plateau,
 * validation and unfreezing (all on the driver) work as on one machine while the epochs run on the workers.
 *
 * <p>Each {@link #fit} reads the epoch's batches from the iterator on the driver (the cache's shuffled order),
 * parallelizes them over {@code workers} partitions and fits a {@link SparkDl4jMultiLayer} on them
 * ({@link ParameterAveragingTrainingMaster}: each worker fits {@code batchSizePerWorker} rows per step and the
 * parameters and updater state are averaged every {@code averagingFrequency} steps); the trained parameters are the
 * network's afterwards. The network's listeners hear one iteration per epoch, with the workers' mean score
 * ({@link SparkDl4jMultiLayer#getScore()}) as the network's score: that is the epoch's training loss the driver
 * records. Heads that are MultiLayerNetworks only. Close it to delete the training master's temp files.
 * <pre>{@code
 * try (SparkEpochStep step = SparkEpochStep.builder(sc).batchSizePerWorker(32).averagingFrequency(5).build()) {
 *     FineTuneResult r = FineTuner.builder(planned).train(train).validation(val).cacheDirectory(dir)
 *         .preset(Presets.get("practical")).patience(3).headStep(step).build().run();
 * }
 * }</pre>
 */
public final class SparkEpochStep implements Trainer.EpochStep, AutoCloseable {
    private final JavaSparkContext sc;
    private final int batchSizePerWorker;
    private final int averagingFrequency;
    private final int workers;
    private final long seed;
    private final List<ParameterAveragingTrainingMaster> masters = new ArrayList<>();
    private SparkDl4jMultiLayer sparkNet;
    private MultiLayerNetwork current;

    private SparkEpochStep(Builder b) {
        this.sc = b.sc;
        this.batchSizePerWorker = b.batchSizePerWorker;
        this.averagingFrequency = b.averagingFrequency;
        this.workers = b.workers;
        this.seed = b.seed;
    }

    /** Starts a step on {@code sc}. */
    public static Builder builder(JavaSparkContext sc) {
        return new Builder(sc);
    }

    /** Partitions each epoch's batches are spread over. */
    public int workers() {
        return workers;
    }

    /**
     * One pass over {@code data} as one Spark job.
     *
     * @throws IllegalArgumentException if {@code network} is not a MultiLayerNetwork
     */
    @Override
    public void fit(Model network, DataSetIterator data) {
        if (!(network instanceof MultiLayerNetwork)) {
            throw new IllegalArgumentException("Spark head training supports MultiLayerNetwork heads only; this "
                    + "model's head is a " + network.getClass().getSimpleName());
        }
        MultiLayerNetwork net = (MultiLayerNetwork) network;
        if (sparkNet == null || current != net) { // one training master per network, as for a fit of all epochs
            ParameterAveragingTrainingMaster tm = new ParameterAveragingTrainingMaster.Builder(batchSizePerWorker)
                    .batchSizePerWorker(batchSizePerWorker).averagingFrequency(averagingFrequency)
                    .workerPrefetchNumBatches(0).rddTrainingApproach(RDDTrainingApproach.Direct)
                    .storageLevel(StorageLevel.MEMORY_ONLY()).rngSeed(seed).build();
            masters.add(tm);
            sparkNet = new SparkDl4jMultiLayer(sc, net, tm);
            current = net;
        }
        List<DataSet> batches = new ArrayList<>();
        while (data.hasNext()) {
            batches.add(data.next());
        }
        if (batches.isEmpty()) {
            return;
        }
        sparkNet.fit(sc.parallelize(batches, workers));
        MultiLayerNetwork trained = sparkNet.getNetwork();
        if (trained != net) { // DL4J updates the network it was given; should that change, copy back
            net.setParams(trained.params());
            if (trained.getUpdater() != null && trained.getUpdater().getStateViewArray() != null) {
                net.getUpdater().getStateViewArray().assign(trained.getUpdater().getStateViewArray());
            }
        }
        report(net, sparkNet.getScore());
    }

    /**
     * Sets {@code score} (the workers' mean score of a Spark fit) as the network's and tells its listeners of one
     * iteration: how the driver's loop hears the training loss of an epoch that ran on the workers.
     */
    static void report(MultiLayerNetwork net, double score) {
        net.setScore(score);
        Collection<TrainingListener> listeners = net.getListeners();
        if (listeners != null) {
            for (TrainingListener l : listeners) {
                l.iterationDone(net, net.getIterationCount(), net.getEpochCount());
            }
        }
    }

    /** Deletes the training masters' temp files. */
    @Override
    public void close() {
        for (ParameterAveragingTrainingMaster tm : masters) {
            tm.deleteTempFiles(sc);
        }
        masters.clear();
        sparkNet = null;
        current = null;
    }

    /** Configures a {@link SparkEpochStep}. */
    public static final class Builder {
        private final JavaSparkContext sc;
        private int batchSizePerWorker = 32;
        private int averagingFrequency = SparkHeadTrainer.Builder.DEFAULT_AVERAGING;
        private int workers;
        private long seed = 42;

        private Builder(JavaSparkContext sc) {
            this.sc = sc;
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

        /** Partitions of each epoch's batches (default: Spark's default parallelism). */
        public Builder workers(int n) {
            this.workers = n;
            return this;
        }

        /** The training master's seed (default 42). */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /**
         * Checks the settings.
         *
         * @throws IllegalArgumentException if there is no context or a count is not positive
         */
        public SparkEpochStep build() {
            if (sc == null) {
                throw new IllegalArgumentException("a Spark epoch step needs a Spark context, got null");
            }
            positive("batch size per worker", batchSizePerWorker);
            positive("averaging frequency", averagingFrequency);
            if (workers < 0) {
                throw new IllegalArgumentException("workers must be positive (or left out for Spark's default "
                        + "parallelism), got " + workers);
            }
            if (workers == 0) {
                workers = sc.defaultParallelism();
            }
            return new SparkEpochStep(this);
        }

        private static void positive(String what, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException(what + " must be positive, got " + value);
            }
        }
    }
}
