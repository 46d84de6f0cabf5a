package dev.graft.spark;

import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.Featurizers;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;

/**
 * Featurize throughput: one machine ({@code FeatureCache.build()}) vs Spark local[1] / local[2], same data and
 * key, after one warm-up run. Not a test; run by hand (docs/spark.md "Benchmarks"): {@code FeaturizeBenchmark MODE RUNS} with MODE
 * {@code single} or a Spark master such as {@code local[2]}.
 */
public final class FeaturizeBenchmark {
    private FeaturizeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int runs = Integer.parseInt(args[1]);
        LabeledData one = DataSpec.load("digits");
        int copies = 20;
        int[] idx = IntStream.range(0, one.size() * copies).map(i -> i % one.size()).toArray();
        LabeledData data = one.subset(idx, "digits x" + copies);
        var conf = new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new DenseLayer.Builder().name("d1").nIn(64).nOut(1024).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("d2").nIn(1024).nOut(1024).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder().name("out").nIn(1024).nOut(10).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        GraftModel model = GraftModel.of(net, ModelCard.builder("bench").architecture("mlp")
                .input(InputLayout.FLAT, DataSpec.DIGITS_PIXELS).normalization(Normalization.scale(1 / DataSpec.DIGITS_MAX))
                .build());
        JavaSparkContext sc = null;
        if (!mode.equals("single")) {
            sc = new JavaSparkContext(new SparkConf().setMaster(mode).setAppName("bench")
                    .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
                    .set("spark.ui.enabled", "false"));
            sc.setLogLevel("WARN");
        }
        List<ExampleRow> rows = ExampleRow.listOf(data);
        List<Double> times = new ArrayList<>();
        for (int r = -1; r < runs; r++) { // run -1 warms up (JIT, Spark, native code) and is not counted
            Path dir = Files.createTempDirectory("bench-cache");
            FeatureCache cache = FeatureCache.builder(dir).featurizer(Featurizers.cut(model, "d2")).source(data)
                    .shardRows(1024).batchSize(64).build();
            long t0 = System.nanoTime();
            if (sc == null) {
                cache.build();
            } else {
                int parts = sc.defaultParallelism();
                JavaRDD<ExampleRow> rdd = sc.parallelize(rows, parts);
                SparkFeatureCache.builder(sc, cache).model(model, "d2").rows(rdd).partitions(parts).build().run();
            }
            double s = (System.nanoTime() - t0) / 1e9;
            if (r >= 0) {
                times.add(s);
            }
            System.out.printf(Locale.ROOT, "%s run %d: %.2f s, %.0f rows/s%n", mode, r, s, data.size() / s);
        }
        double[] sorted = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double median = sorted[sorted.length / 2];
        System.out.printf(Locale.ROOT, "RESULT %s rows=%d median=%.2f s (%.0f rows/s) all=%s%n", mode, data.size(),
                median, data.size() / median, Arrays.toString(sorted));
        if (sc != null) {
            sc.stop();
        }
    }
}
