package dev.graft.spark.cli;

import dev.graft.spark.CacheLocation;
import dev.graft.spark.ExampleRow;
import dev.graft.spark.SparkFeatureCache;
import dev.graft.spark.SparkHeadTrainer;
import dev.graft.spark.SparkTraining;
import dev.graft.transfer.TransferPlan;
import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.Featurizers;
import dev.graft.transfer.data.DataSource;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import dev.graft.transfer.tune.Cut;
import dev.graft.zoo.GraftModel;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.commons.io.file.PathUtils;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code graft finetune ... --spark MASTER}: freeze MODEL through --cut, replace its head for the data's classes,
 * featurize the training split into the cache on Spark (skipped when already built), train the head with one of
 * DL4J's training masters (parameter averaging or gradient sharing), reassemble one model and save it.
 */
@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = {"Freeze MODEL through --cut, replace its head for the data's classes, featurize the training "
                + "split on Spark into --cache (reused when built), train the head on the Spark workers with "
                + "parameter averaging (--training averaging, the default) or gradient sharing (--training sharing), "
                + "and save one model that predicts from raw input. Prints validation accuracy.",
                "Gradient sharing starts a parameter server on the driver (Aeron UDP; 127.0.0.1 and a free port for "
                + "local[N]) and trains all epochs in one Spark job; on a cluster give --parameter-server and "
                + "--network-mask, and -Daeron.publication.unblock.timeout=60000000000 to the executors."})
final class SparkFinetuneCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    SparkOptions spark;

    @Mixin
    FrozenBaseOptions in;

    @Option(names = "--out", required = true, paramLabel = "OUT.zip", description = "where to save the fine-tuned model")
    Path out;

    @Option(names = "--epochs", defaultValue = "20", description = "head epochs (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch", defaultValue = "32", description = "batch size per worker (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", defaultValue = "0.01", paramLabel = "RATE", description = "Adam learning rate of the head (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--training", defaultValue = "averaging", paramLabel = "averaging|sharing",
            description = "averaging (DL4J's parameter averaging, the default) or sharing (DL4J's gradient sharing)")
    String training;

    @Option(names = "--averaging", paramLabel = "N",
            description = "averaging only: minibatches per worker between parameter averagings (default: 5)")
    Integer averaging;

    @Option(names = "--threshold", paramLabel = "T", description = "sharing only: starting encoding threshold of "
            + "DL4J's adaptive threshold algorithm (default: DL4J's 1e-4); update values at least this large are sent")
    Double threshold;

    @Option(names = "--workers-per-node", paramLabel = "N",
            description = "sharing only: model replicas each executor trains (default: DL4J's, 1 on CPU)")
    Integer workersPerNode;

    @Option(names = "--parameter-server", paramLabel = "HOST:PORT", description = "sharing only: where the driver's "
            + "parameter server listens (UDP), reachable from every executor (default: 127.0.0.1 and a free port "
            + "for local[N], else spark.driver.host and port 49876)")
    String parameterServer;

    @Option(names = "--network-mask", paramLabel = "CIDR",
            description = "sharing only, on a cluster: network in which executors pick their address, e.g. 10.1.0.0/16")
    String networkMask;

    @Option(names = "--workers", paramLabel = "N", description = "training workers: partitions of the batches "
            + "(default: Spark's default parallelism; with sharing, no more than Spark's task slots)")
    Integer workers;

    @Option(names = "--val-fraction", defaultValue = "0.2", paramLabel = "F", description = "held-out fraction, stratified (default: ${DEFAULT-VALUE})")
    double valFraction;

    @Option(names = "--seed", defaultValue = "42", description = "split and head seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        SparkTraining how = SparkTraining.parse(training);
        checkOptionsOf(how);
        GraftModel base = GraftModel.load(in.model);
        LabeledData all = DataSpec.source(in.data, base.card()).inMemory();
        DataSource.Split<LabeledData> split = all.split(valFraction, seed);
        GraftModel planned = TransferPlan.builder().freezeThrough(in.cut).seed(seed).labels(all.labels())
                .replaceHead(all.numClasses(), Activation.SOFTMAX, LossFunctions.LossFunction.MCXENT)
                .updater(new Adam(lr)).build().apply(base);
        CacheLocation where = in.location();
        Path local = FrozenBaseOptions.localFolder(where);
        String cut = Cut.of(planned).layer(); // the cut the plan recorded, by its layer's name
        FeatureCache fc = FeatureCache.builder(local).featurizer(Featurizers.cut(planned, cut)).source(split.train())
                .build();
        try (JavaSparkContext sc = spark.context()) {
            int n = workers != null ? workers : sc.defaultParallelism();
            SparkHeadTrainer trainer = trainer(sc, planned, fc, how, n); // checks the values before any Spark job
            o.printf(Locale.ROOT, "data: %s -> %d train, %d validation; Spark master %s, %d workers%n", all.describe(),
                    split.train().size(), split.test().size(), sc.master(), n);
            o.flush();
            var report = SparkFeatureCache.builder(sc, fc).location(where).model(planned, cut)
                    .rows(sc.parallelize(ExampleRow.listOf(split.train()), n)).build().run();
            o.printf(Locale.ROOT, "feature cache: %d rows, %d of %d shards built by this run%n", report.rows(),
                    report.shardsBuilt(), report.shards());
            where.download(sc, fc); // a Hadoop location: the driver trains from a verified local copy
            long start = System.nanoTime();
            GraftModel trained = trainer.run();
            o.printf(Locale.ROOT, "head: %d epochs with %s on %d workers, %.1f s%n", epochs,
                    how == SparkTraining.GRADIENT_SHARING ? "gradient sharing" : "parameter averaging", n,
                    (System.nanoTime() - start) / 1e9);
            double accuracy = accuracy(trained, split.test());
            trained.withCard(trained.card().toBuilder().origin("graft finetune --spark " + sc.master() + " "
                    + in.model.getFileName() + " --cut " + in.cut + " --data " + in.data).build()).save(out);
            o.printf(Locale.ROOT, "validation accuracy %.4f%nsaved %s%n", accuracy, out);
            o.flush();
        } finally {
            if (!where.isLocal() && Files.exists(local)) {
                PathUtils.deleteDirectory(local);
            }
        }
        return 0;
    }

    /** Refuses the options of the other training, by their command line names. */
    private void checkOptionsOf(SparkTraining how) {
        if (how == SparkTraining.GRADIENT_SHARING) {
            onlyWith("averaging", "--averaging", averaging);
        } else {
            onlyWith("sharing", "--threshold", threshold);
            onlyWith("sharing", "--workers-per-node", workersPerNode);
            onlyWith("sharing", "--parameter-server", parameterServer);
            onlyWith("sharing", "--network-mask", networkMask);
        }
    }

    private void onlyWith(String other, String option, Object value) {
        if (value != null) {
            throw new IllegalArgumentException(option + " applies to --training " + other + " only, got " + option + " "
                    + value + " with --training " + training + ": leave it out or use --training " + other);
        }
    }

    /** The head trainer for the options given (its builder checks their values). */
    private SparkHeadTrainer trainer(JavaSparkContext sc, GraftModel planned, FeatureCache fc, SparkTraining how,
            int n) {
        SparkHeadTrainer.Builder b = SparkHeadTrainer.builder(sc, planned, fc).training(how).epochs(epochs)
                .batchSizePerWorker(batch).workers(n).seed(seed);
        if (averaging != null) {
            b.averagingFrequency(averaging);
        }
        if (threshold != null) {
            b.encodingThreshold(threshold);
        }
        if (workersPerNode != null) {
            b.workersPerNode(workersPerNode);
        }
        if (parameterServer != null) {
            int colon = parameterServer.lastIndexOf(':');
            if (colon <= 0 || !parameterServer.substring(colon + 1).matches("\\d{1,5}")) {
                throw new IllegalArgumentException("--parameter-server must be HOST:PORT (e.g. 10.1.0.5:49876), got '"
                        + parameterServer + "'");
            }
            b.parameterServer(parameterServer.substring(0, colon),
                    Integer.parseInt(parameterServer.substring(colon + 1)));
        }
        if (networkMask != null) {
            b.networkMask(networkMask);
        }
        return b.build();
    }

    /** Accuracy of the reassembled model on raw held-out examples (normalized as its card says). */
    static double accuracy(GraftModel m, LabeledData test) {
        INDArray x = m.preprocess(test.features());
        INDArray p = m.isGraph() ? ((ComputationGraph) m.network()).outputSingle(x)
                : ((MultiLayerNetwork) m.network()).output(x);
        Evaluation e = new Evaluation(test.numClasses());
        e.eval(test.oneHotLabels(), p);
        return e.accuracy();
    }
}
