package dev.graft.spark;

import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.Featurizers;
import dev.graft.transfer.tune.Cut;
import dev.graft.zoo.GraftModel;
import java.io.IOException;
import dev.graft.transfer.tune.Trainer;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithm;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;

/**
 * Trains the head of a planned model (frozen base, trainable top, as a {@code TransferPlan} leaves it) on Spark
 * from a built {@link FeatureCache} of the frozen part's outputs with one of DL4J's training masters on a
 * {@link SparkDl4jMultiLayer} (see {@link SparkTraining}); then puts the trained top back into the full model, as
 * {@code FineTuner} does on one machine ({@link Cut#buildTop()} / {@link Cut#copyFrom(Model)}).
 *
 * <p>Every epoch the cache is read in a fresh shuffled order on the driver and its batches are parallelized to
 * the workers; each worker fits {@code batchSizePerWorker} rows per step. With
 * {@link SparkTraining#PARAMETER_AVERAGING} (the default, {@link ParameterAveragingTrainingMaster}) each epoch is
 * one Spark job and the parameters (and updater state) are averaged every {@code averagingFrequency} steps. With
 * {@link SparkTraining#GRADIENT_SHARING} ({@code SharedTrainingMaster}) the workers exchange threshold-encoded
 * updates through a parameter server that the driver starts (Aeron UDP; 127.0.0.1 and a free port for
 * {@code local[N]} masters), and all epochs are one Spark job, so the driver holds every epoch's batches at once
 * (DL4J's shared training cannot fit the same network twice; see {@code docs/spark.md}). Heads that are
 * MultiLayerNetworks only.
 * <pre>{@code
 * GraftModel planned = TransferPlan.builder().freezeThrough("bn").build().apply(base);
 * GraftModel trained = SparkHeadTrainer.builder(sc, planned, cache).epochs(20).build().run();
 * GraftModel shared = SparkHeadTrainer.builder(sc, planned, cache).training(SparkTraining.GRADIENT_SHARING)
 *     .workersPerNode(2).build().run();
 * }</pre>
 */
public final class SparkHeadTrainer {
    private final JavaSparkContext sc;
    private final GraftModel planned;
    private final FeatureCache cache;
    private final int epochs;
    private final int batchSizePerWorker;
    private final SparkTraining training;
    private final int averagingFrequency;
    private final GradientSharing sharing;
    private final int workers;
    private final long seed;

    private SparkHeadTrainer(Builder b) {
        this.sc = b.sc;
        this.planned = b.planned;
        this.cache = b.cache;
        this.epochs = b.epochs;
        this.batchSizePerWorker = b.batchSizePerWorker;
        this.training = b.training;
        this.averagingFrequency = b.averagingFrequency != null ? b.averagingFrequency : Builder.DEFAULT_AVERAGING;
        this.sharing = b.training == SparkTraining.GRADIENT_SHARING ? b.gradientSharing() : null;
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
        Cut cut = Cut.of(planned);
        // the same engine as the cache's featurizer (the engine is part of the fingerprint)
        String expected = Featurizers.cut(planned, cut.layer(), cache.featurizer().engine().engine()).fingerprint();
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
        MultiLayerNetwork head = (MultiLayerNetwork) top;
        cut.copyFrom(training == SparkTraining.GRADIENT_SHARING
                ? sharing.train(sc, head, cache.iterator(batchSizePerWorker, seed), epochs, batchSizePerWorker,
                        workers, seed)
                : averaged(head));
        return GraftModel.of(planned.network(), planned.card());
    }

    /**
     * Parameter averaging: one Spark job per epoch ({@link SparkEpochStep}), each over that epoch's freshly shuffled
     * batches, through the same epoch loop as {@code FineTuner} ({@link Trainer#fit}).
     */
    private MultiLayerNetwork averaged(MultiLayerNetwork top) throws IOException {
        try (SparkEpochStep step = SparkEpochStep.builder(sc).batchSizePerWorker(batchSizePerWorker)
                .averagingFrequency(averagingFrequency).workers(workers).seed(seed).build()) {
            DataSetIterator it = cache.iterator(batchSizePerWorker, seed);
            boolean[] first = {true};
            Trainer.fit(top, "head (spark)", 1, epochs, () -> {
                if (!first[0]) {
                    it.reset();
                }
                first[0] = false;
                return it;
            }, null, List.of(), List.of(), step);
            return top;
        }
    }

    /** Configures a {@link SparkHeadTrainer}. */
    public static final class Builder {
        static final int DEFAULT_AVERAGING = 5;

        private final JavaSparkContext sc;
        private final GraftModel planned;
        private final FeatureCache cache;
        private int epochs = 10;
        private int batchSizePerWorker = 32;
        private SparkTraining training = SparkTraining.PARAMETER_AVERAGING;
        private Integer averagingFrequency;
        private Double encodingThreshold;
        private ThresholdAlgorithm thresholdAlgorithm;
        private Integer workersPerNode;
        private String host;
        private Integer port;
        private String networkMask;
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

        /** DL4J's training master: parameter averaging (the default) or gradient sharing. */
        public Builder training(SparkTraining t) {
            this.training = t;
            return this;
        }

        /** Parameter averaging only: steps between parameter averagings (default 5). */
        public Builder averagingFrequency(int n) {
            this.averagingFrequency = n;
            return this;
        }

        /**
         * Gradient sharing only: the starting threshold of DL4J's default {@link AdaptiveThresholdAlgorithm}
         * (default {@value AdaptiveThresholdAlgorithm#DEFAULT_INITIAL_THRESHOLD}): update values at least this large
         * are sent, smaller ones stay in the residual. The algorithm then adapts it to keep the share of values
         * sent between 1e-4 and 1e-2.
         */
        public Builder encodingThreshold(double threshold) {
            this.encodingThreshold = threshold;
            return this;
        }

        /**
         * Gradient sharing only: any of DL4J's threshold algorithms instead of the adaptive one, e.g.
         * {@code new FixedThresholdAlgorithm(1e-3)} or {@code new TargetSparsityThresholdAlgorithm(...)}.
         */
        public Builder thresholdAlgorithm(ThresholdAlgorithm algorithm) {
            this.thresholdAlgorithm = algorithm;
            return this;
        }

        /**
         * Gradient sharing only: model replicas each executor trains, fed from all of its tasks (default: DL4J's,
         * the number of devices, 1 on CPU).
         */
        public Builder workersPerNode(int n) {
            this.workersPerNode = n;
            return this;
        }

        /**
         * Gradient sharing only: the address and UDP port of the parameter server the driver starts, reachable
         * from every executor (default: 127.0.0.1 and a free port for {@code local[N]} masters, else
         * {@code spark.driver.host} and DL4J's port {@value VoidConfiguration#DEFAULT_AERON_UDP_PORT}).
         */
        public Builder parameterServer(String address, int udpPort) {
            this.host = address;
            this.port = udpPort;
            return this;
        }

        /**
         * Gradient sharing only, on a cluster: the network (e.g. {@code 10.1.0.0/16}) in which each executor
         * picks its own address for the parameter server's traffic (default: 127.0.0.0/8 for {@code local[N]}
         * masters; else DL4J takes {@code DL4J_VOID_IP} from the executor's environment, or 127.0.0.1).
         */
        public Builder networkMask(String mask) {
            this.networkMask = mask;
            return this;
        }

        /**
         * Partitions the batches are spread over (default: Spark's default parallelism). With gradient sharing, no
         * more than the task slots (executor cores) Spark has: all partitions must run at once.
         */
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
         * @throws IllegalArgumentException if something is missing, out of range, or set for the other training
         */
        public SparkHeadTrainer build() {
            if (sc == null || planned == null || cache == null) {
                throw new IllegalArgumentException("Spark head training needs a Spark context, a planned model and a "
                        + "feature cache");
            }
            check();
            if (workers == 0) {
                workers = sc.defaultParallelism();
            }
            return new SparkHeadTrainer(this);
        }

        /** The settings of gradient sharing (threshold algorithm, replicas, parameter server, network mask). */
        GradientSharing gradientSharing() {
            return new GradientSharing(thresholdAlgorithm != null ? thresholdAlgorithm
                    : new AdaptiveThresholdAlgorithm(encodingThreshold != null ? encodingThreshold
                            : AdaptiveThresholdAlgorithm.DEFAULT_INITIAL_THRESHOLD),
                    workersPerNode, host, port, networkMask);
        }

        /** The averaging frequency given, or the default. */
        int averagingFrequencyOrDefault() {
            return averagingFrequency != null ? averagingFrequency : DEFAULT_AVERAGING;
        }

        /** The training chosen. */
        SparkTraining training() {
            return training;
        }

        /** Settings only (no context, model or cache): for {@link #check()} and the settings getters. */
        static Builder settings() {
            return new Builder(null, null, null);
        }

        /** Checks the values (everything {@link #build()} checks but the context, model and cache). */
        void check() {
            positive("epochs", epochs);
            positive("batch size per worker", batchSizePerWorker);
            if (workers < 0) {
                throw new IllegalArgumentException("workers must be positive (or left out for Spark's default "
                        + "parallelism), got " + workers);
            }
            if (training == null) {
                throw new IllegalArgumentException("training must be SparkTraining.PARAMETER_AVERAGING or "
                        + "GRADIENT_SHARING, got null");
            }
            if (training == SparkTraining.PARAMETER_AVERAGING) {
                checkAveraging();
            } else {
                checkSharing();
            }
        }

        private void checkAveraging() {
            if (averagingFrequency != null) {
                positive("averaging frequency", averagingFrequency);
            }
            onlyFor(SparkTraining.GRADIENT_SHARING, "encodingThreshold", encodingThreshold);
            onlyFor(SparkTraining.GRADIENT_SHARING, "thresholdAlgorithm", thresholdAlgorithm);
            onlyFor(SparkTraining.GRADIENT_SHARING, "workersPerNode", workersPerNode);
            onlyFor(SparkTraining.GRADIENT_SHARING, "parameterServer",
                    host == null && port == null ? null : host + ", " + port);
            onlyFor(SparkTraining.GRADIENT_SHARING, "networkMask", networkMask);
        }

        private void checkSharing() {
            onlyFor(SparkTraining.PARAMETER_AVERAGING, "averagingFrequency", averagingFrequency);
            if (encodingThreshold != null && thresholdAlgorithm != null) {
                throw new IllegalArgumentException("give either encodingThreshold (" + encodingThreshold + ", for the "
                        + "adaptive threshold algorithm) or thresholdAlgorithm (" + thresholdAlgorithm + "), not both");
            }
            if (encodingThreshold != null && !(encodingThreshold > 0 && Double.isFinite(encodingThreshold))) {
                throw new IllegalArgumentException("encoding threshold must be a positive number (DL4J's default is "
                        + AdaptiveThresholdAlgorithm.DEFAULT_INITIAL_THRESHOLD + "), got " + encodingThreshold);
            }
            if (workersPerNode != null) {
                positive("workers per node", workersPerNode);
            }
            if (port != null || host != null) {
                if (host == null || host.isBlank()) {
                    throw new IllegalArgumentException("parameter server address must be a host name or IP address "
                            + "every executor can reach, got '" + host + "'");
                }
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException("parameter server UDP port must be in 1..65535, got " + port);
                }
            }
            if (networkMask != null && !networkMask.matches("\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}")) {
                throw new IllegalArgumentException("network mask must look like 10.1.0.0/16 (IPv4 address/prefix "
                        + "length), got '" + networkMask + "'");
            }
        }

        private static void positive(String what, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException(what + " must be positive, got " + value);
            }
        }

        private void onlyFor(SparkTraining other, String setting, Object value) {
            if (value != null) {
                throw new IllegalArgumentException(setting + " applies to " + other.name() + " training only, got "
                        + setting + "(" + value + ") with " + training.name() + ": leave it out or choose "
                        + "training(SparkTraining." + other.name() + ")");
            }
        }
    }
}
