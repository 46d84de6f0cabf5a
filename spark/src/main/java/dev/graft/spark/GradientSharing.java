package dev.graft.spark;

import dev.graft.transfer.cache.FeatureCache;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithm;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.repartitioner.NoOpRepartitioner;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
import org.nd4j.parameterserver.distributed.v2.ModelParameterServer;

/**
 * Gradient-sharing head training ({@link SparkTraining#GRADIENT_SHARING}): the settings of a
 * {@link SparkHeadTrainer} that apply to DL4J's {@link SharedTrainingMaster}, and the training run itself.
 *
 * <p>All epochs go to Spark as <em>one</em> job: partition {@code p} holds the {@code p}-th slice of every epoch's
 * freshly shuffled batches, in epoch order, and the head is fit once. DL4J 1.0.0-M2's shared training does not
 * survive a second {@code fit} of the same network: its ParallelWrapper clears the root model's solver when a fit
 * ends, and with more than one worker per node the next fit deadlocks (seen here: worker 0 waits in the gradient
 * accumulator's barrier holding the network's lock, worker 1 waits for that lock to copy the updater), and by its
 * source an executor with one worker per node rebuilds its model from the first broadcast on every fit. The cost:
 * the driver holds every epoch's batches at once (epochs x the cache).
 *
 * <p>Partitions should not outnumber the task slots (executor cores): the first task of each executor JVM trains,
 * the others feed it, and a task that starts after the trainer finished would wait for it forever.
 */
final class GradientSharing {
    /**
     * Aeron's publication unblock timeout. DL4J's transport sets Aeron's client liveness timeout to 30 s, and
     * Aeron's media driver refuses to start unless the unblock timeout (15 s by default) is longer: 60 s here.
     */
    static final String AERON_UNBLOCK_TIMEOUT = "aeron.publication.unblock.timeout";
    static final String AERON_UNBLOCK_TIMEOUT_NANOS = "60000000000";
    /** Aeron's media driver deletes its folder (under /dev/shm) when it closes; by default it leaves it there. */
    static final String AERON_DELETE_ON_SHUTDOWN = "aeron.dir.delete.on.shutdown";

    private final ThresholdAlgorithm thresholdAlgorithm;
    private final Integer workersPerNode;
    private final String host;
    private final Integer port;
    private final String networkMask;

    GradientSharing(ThresholdAlgorithm thresholdAlgorithm, Integer workersPerNode, String host, Integer port,
            String networkMask) {
        this.thresholdAlgorithm = thresholdAlgorithm;
        this.workersPerNode = workersPerNode;
        this.host = host;
        this.port = port;
        this.networkMask = networkMask;
    }

    /**
     * Sets {@value #AERON_UNBLOCK_TIMEOUT} (and {@value #AERON_DELETE_ON_SHUTDOWN}) in this JVM unless they are set
     * already. Aeron reads them when a media driver is configured, so this runs before DL4J starts one: on the
     * driver, and with a {@code local[N]} master for the executors too. Executors in their own JVMs need
     * {@code -Daeron.publication.unblock.timeout=60000000000} in {@code spark.executor.extraJavaOptions}.
     */
    static void configureAeron() {
        dev.graft.engine.Settings.defaultProperty(AERON_UNBLOCK_TIMEOUT, AERON_UNBLOCK_TIMEOUT_NANOS);
        dev.graft.engine.Settings.defaultProperty(AERON_DELETE_ON_SHUTDOWN, "true");
    }

    /**
     * Trains {@code top} (the head) for {@code epochs} passes over {@code it} (reset between passes; the cache's
     * iterator reshuffles) and returns the driver's copy of
     * it; stops the driver's parameter server afterwards.
     */
    MultiLayerNetwork train(JavaSparkContext sc, MultiLayerNetwork top, DataSetIterator it, int epochs,
            int batchSizePerWorker, int workers, long seed) {
        configureAeron();
        JavaRDD<DataSet> data = allEpochs(sc, it, epochs, workers);
        SharedTrainingMaster tm = master(sc, batchSizePerWorker, workers, seed);
        try {
            SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, top, tm);
            sparkNet.fit(data);
            MultiLayerNetwork trained = sparkNet.getNetwork();
            trained.setScore(sparkNet.getScore()); // the workers' mean score: the training loss the driver records
            return trained;
        } finally {
            tm.deleteTempFiles(sc);
            data.unpersist(false);
            // closes the driver's Aeron transport and media driver; the next training master starts a new one
            if (ModelParameterServer.getInstance().isInitialized()) {
                ModelParameterServer.getInstance().shutdown();
            }
        }
    }

    /** Every epoch's batches (freshly shuffled each epoch, as on one machine), partition p holding slice p of each. */
    static JavaRDD<DataSet> allEpochs(JavaSparkContext sc, DataSetIterator it, int epochs, int workers) {
        List<List<DataSet>> parts = new ArrayList<>();
        for (int p = 0; p < workers; p++) {
            parts.add(new ArrayList<>());
        }
        for (int e = 0; e < epochs; e++) {
            if (e > 0) {
                it.reset();
            }
            List<DataSet> epoch = new ArrayList<>();
            while (it.hasNext()) {
                epoch.add(it.next());
            }
            for (int p = 0; p < workers; p++) {
                parts.get(p).addAll(epoch.subList(p * epoch.size() / workers, (p + 1) * epoch.size() / workers));
            }
        }
        return sc.parallelize(parts, workers).flatMap(List::iterator);
    }

    /** The training master for {@code sc}, with a parameter server on the driver. */
    SharedTrainingMaster master(JavaSparkContext sc, int batchSizePerWorker, int workers, long seed) {
        boolean local = sc.master().startsWith("local");
        String address = host != null ? host : local ? "127.0.0.1" : sc.getConf().get("spark.driver.host");
        int udpPort = port != null ? port : local ? freeUdpPort(address) : VoidConfiguration.DEFAULT_AERON_UDP_PORT;
        VoidConfiguration.VoidConfigurationBuilder net = VoidConfiguration.builder().controllerAddress(address)
                .unicastPort(udpPort);
        String mask = networkMask != null ? networkMask : local ? "127.0.0.0/8" : null;
        if (mask != null) {
            net.networkMask(mask); // where each executor picks its own address (DL4J warns and takes 127.0.0.1 without)
        }
        // NoOpRepartitioner: the partitions made above, one per task slot. DL4J's default makes one partition per
        // batch, hands its trainer over between hundreds of tasks and then stalls (a late task waits forever).
        SharedTrainingMaster.Builder b = new SharedTrainingMaster.Builder(net.build(), workers, thresholdAlgorithm,
                batchSizePerWorker).batchSizePerWorker(batchSizePerWorker)
                .rddTrainingApproach(RDDTrainingApproach.Direct).repartitioner(new NoOpRepartitioner())
                .storageLevel(StorageLevel.MEMORY_ONLY()).rngSeed(seed);
        if (workersPerNode != null) {
            b.workersPerNode(workersPerNode);
        }
        return b.build();
    }

    /** A UDP port that is free on {@code address} now (the parameter server binds it a moment later). */
    static int freeUdpPort(String address) {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(address), 0))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free UDP port on " + address + " for the gradient-sharing parameter "
                    + "server; pass one with parameterServer(host, port)", e);
        }
    }
}
