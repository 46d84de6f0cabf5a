package dev.graft.spark.cli;

import dev.graft.spark.CacheLocation;
import dev.graft.spark.ExampleRow;
import dev.graft.spark.SparkFeatureCache;
import dev.graft.spark.SparkHeadTrainer;
import dev.graft.transfer.TransferPlan;
import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.Featurizers;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
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
 * featurize the training split into the cache on Spark (skipped when already built), train the head with DL4J's
 * parameter averaging, reassemble one model and save it.
 */
@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = {"Freeze MODEL through --cut, replace its head for the data's classes, featurize the training "
                + "split on Spark into --cache (reused when built), train the head with parameter averaging on the "
                + "Spark workers, and save one model that predicts from raw input. Prints validation accuracy."})
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

    @Option(names = "--averaging", defaultValue = "5", paramLabel = "N",
            description = "minibatches per worker between parameter averagings (default: ${DEFAULT-VALUE})")
    int averaging;

    @Option(names = "--workers", paramLabel = "N", description = "training workers (default: Spark's default parallelism)")
    Integer workers;

    @Option(names = "--val-fraction", defaultValue = "0.2", paramLabel = "F", description = "held-out fraction, stratified (default: ${DEFAULT-VALUE})")
    double valFraction;

    @Option(names = "--seed", defaultValue = "42", description = "split and head seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        GraftModel base = GraftModel.load(in.model);
        LabeledData all = DataSpec.load(in.data);
        LabeledData.Split split = all.stratifiedSplit(valFraction, seed);
        GraftModel planned = TransferPlan.builder().freezeThrough(in.cut).seed(seed).labels(all.labels())
                .replaceHead(all.numClasses(), Activation.SOFTMAX, LossFunctions.LossFunction.MCXENT)
                .updater(new Adam(lr)).build().apply(base);
        CacheLocation where = in.location();
        Path local = FrozenBaseOptions.localFolder(where);
        FeatureCache fc = FeatureCache.builder(local).featurizer(Featurizers.cut(planned, in.cut)).source(split.train())
                .build();
        try (JavaSparkContext sc = spark.context()) {
            int n = workers != null ? workers : sc.defaultParallelism();
            o.printf(Locale.ROOT, "data: %s -> %d train, %d validation; Spark master %s, %d workers%n", all.describe(),
                    split.train().size(), split.test().size(), sc.master(), n);
            o.flush();
            var report = SparkFeatureCache.builder(sc, fc).location(where).model(planned, in.cut)
                    .rows(sc.parallelize(ExampleRow.listOf(split.train()), n)).build().run();
            o.printf(Locale.ROOT, "feature cache: %d rows, %d of %d shards built by this run%n", report.rows(),
                    report.shardsBuilt(), report.shards());
            where.download(sc, fc); // a Hadoop location: the driver trains from a verified local copy
            GraftModel trained = SparkHeadTrainer.builder(sc, planned, fc).epochs(epochs).batchSizePerWorker(batch)
                    .averagingFrequency(averaging).workers(n).seed(seed).build().run();
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
