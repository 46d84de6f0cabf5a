package dev.graft.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.transfer.TransferPlan;
import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.Featurizers;
import dev.graft.transfer.cache.TinyModels;
import dev.graft.transfer.data.DataSource;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import dev.graft.transfer.tune.Cut;
import dev.graft.transfer.tune.FineTuner;
import dev.graft.zoo.GraftModel;
import java.nio.file.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.FixedThresholdAlgorithm;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;

@Tag("slow") // the fast lane (-Pquick) leaves it out; mvn verify runs it
class SparkHeadTrainerTest {
    /** Accuracy tolerance of the Spark-trained head (either training) against the single-machine head (absolute). */
    static final double TOLERANCE = 0.05;
    static final int EPOCHS = 30;

    @TempDir
    Path tmp;

    private static final java.util.Map<Long, GraftModel> SOURCES = new java.util.HashMap<>();

    /** The tiny MLP trained on digits 5-9 (the source task), head replaced for 0-4, frozen through "dense2". */
    private static GraftModel planned(long seed) {
        GraftModel source = SOURCES.computeIfAbsent(seed, s -> {
            GraftModel m = TinyModels.mlp(s);
            LabeledData five = DataSpec.load("digits:5-9");
            DataSet all = new DataSet(m.preprocess(five.features()), five.oneHotLabels());
            MultiLayerNetwork net = m.multiLayerNetwork();
            for (int e = 0; e < 10; e++) {
                net.fit(new ListDataSetIterator<>(all.asList(), 32));
            }
            return m;
        });
        GraftModel copy = GraftModel.of(source.multiLayerNetwork().clone(), source.card());
        return TransferPlan.builder().freezeThrough("dense2")
                .replaceHead(5, Activation.SOFTMAX, LossFunctions.LossFunction.MCXENT).updater(new Adam(1e-2))
                .seed(seed).build().apply(copy);
    }

    @Test
    void parameterAveragedHeadMatchesSingleMachineAccuracyAndLeavesTheBaseFrozen() throws Exception {
        Trial t = new Trial(tmp);
        long start = System.nanoTime();
        GraftModel trained = SparkHeadTrainer.builder(t.sc, t.spark, t.cache).epochs(EPOCHS).batchSizePerWorker(32)
                .averagingFrequency(3).workers(2).seed(5).build().run();
        t.check("parameter averaging", trained, start);
    }

    @Test
    void gradientSharedHeadMatchesSingleMachineAccuracyAndLeavesTheBaseFrozen() throws Exception {
        Trial t = new Trial(tmp);
        long start = System.nanoTime();
        // two tasks feeding two model replicas (workersPerNode) that share threshold-encoded updates, with DL4J's
        // default adaptive threshold; the parameter server listens on 127.0.0.1 (local master) and a free UDP port
        GraftModel trained = SparkHeadTrainer.builder(t.sc, t.spark, t.cache).training(SparkTraining.GRADIENT_SHARING)
                .epochs(EPOCHS).batchSizePerWorker(32).workers(2).workersPerNode(2).seed(5).build().run();
        t.check("gradient sharing", trained, start);
        assertThat(System.getProperty("aeron.publication.unblock.timeout")).isEqualTo("60000000000");
    }

    /** A planned model with its cache built on Spark, and the same head trained on one machine from that cache. */
    private static final class Trial {
        final JavaSparkContext sc = LocalSpark.context();
        final DataSource.Split<LabeledData> split = DataSpec.load("digits:0-4").split(0.3, 11);
        final GraftModel spark = planned(21);
        final FeatureCache cache;
        /** Parameters of the frozen layers dense1, bn (with its running mean and variance) and dense2. */
        final java.util.List<INDArray> baseBefore = new java.util.ArrayList<>();
        final double singleAcc;

        Trial(Path tmp) throws Exception {
            String cut = Cut.of(spark.network()).layer();
            cache = FeatureCache.builder(tmp.resolve("cache")).featurizer(Featurizers.cut(spark, cut))
                    .source(split.train()).shardRows(256).batchSize(32).build();
            SparkFeatureCache.builder(sc, cache).model(spark, cut)
                    .rows(sc.parallelize(ExampleRow.listOf(split.train()), 2)).build().run();
            for (int i = 0; i < 3; i++) {
                baseBefore.add(((MultiLayerNetwork) spark.network()).getLayer(i).params().dup());
            }
            // The same head trained on one machine from the same cache, same epochs and batch size.
            GraftModel single = planned(21);
            Cut singleCut = Cut.of(single.network());
            MultiLayerNetwork top = (MultiLayerNetwork) singleCut.buildTop();
            DataSetIterator it = cache.iterator(32, 5);
            for (int e = 0; e < EPOCHS; e++) {
                it.reset();
                top.fit(it);
            }
            singleCut.copyFrom(top);
            singleAcc = FineTuner.evaluate(single, split.test()).accuracy();
        }

        void check(String how, GraftModel trained, long start) {
            double seconds = (System.nanoTime() - start) / 1e9;
            double sparkAcc = FineTuner.evaluate(trained, split.test()).accuracy();
            System.out.printf("head accuracy on digits 0-4: spark (%s, %.1f s) %.4f, single machine %.4f%n", how,
                    seconds, sparkAcc, singleAcc);
            assertThat(singleAcc).isGreaterThan(0.6); // chance is 0.2
            assertThat(sparkAcc).isCloseTo(singleAcc, org.assertj.core.data.Offset.offset(TOLERANCE));
            for (int i = 0; i < 3; i++) {
                assertThat(((MultiLayerNetwork) trained.network()).getLayer(i).params()).as("frozen layer %d", i)
                        .isEqualTo(baseBefore.get(i));
            }
        }
    }

    @Test
    void cacheOfAnotherFrozenPartIsRefused() throws Exception {
        JavaSparkContext sc = LocalSpark.context();
        LabeledData data = DataSpec.load("digits:0-4");
        GraftModel model = planned(1);
        FeatureCache other = FeatureCache.builder(tmp.resolve("other"))
                .featurizer(Featurizers.cut(planned(2), "dense2")).source(data).build();
        assertThatThrownBy(() -> SparkHeadTrainer.builder(sc, model, other).build().run())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not the outputs of this model's frozen part (cut at 'dense2')");
        assertThatThrownBy(() -> SparkHeadTrainer.builder(sc, model, other).epochs(0).build())
                .hasMessageContaining("epochs must be positive, got 0");
    }

    @Test
    void settingsOfTheOtherTrainingOrOutOfRangeAreRefusedWithWhatToDo() {
        JavaSparkContext sc = LocalSpark.context();
        FeatureCache cache = FeatureCache.builder(tmp.resolve("unused")).featurizer(Featurizers.cut(planned(1), "dense2"))
                .source(DataSpec.load("digits:0-4")).build();
        java.util.function.Supplier<SparkHeadTrainer.Builder> sharing = () -> SparkHeadTrainer.builder(sc, planned(1),
                cache).training(SparkTraining.GRADIENT_SHARING);
        assertThatThrownBy(() -> sharing.get().averagingFrequency(3).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("averagingFrequency applies to PARAMETER_AVERAGING training only, got averagingFrequency(3) "
                        + "with GRADIENT_SHARING: leave it out or choose training(SparkTraining.PARAMETER_AVERAGING)");
        assertThatThrownBy(() -> SparkHeadTrainer.builder(sc, planned(1), cache).workersPerNode(2).build())
                .hasMessageStartingWith("workersPerNode applies to GRADIENT_SHARING training only, got "
                        + "workersPerNode(2) with PARAMETER_AVERAGING");
        assertThatThrownBy(() -> SparkHeadTrainer.builder(sc, planned(1), cache).encodingThreshold(1e-3).build())
                .hasMessageContaining("choose training(SparkTraining.GRADIENT_SHARING)");
        assertThatThrownBy(() -> sharing.get().encodingThreshold(0).build())
                .hasMessage("encoding threshold must be a positive number (DL4J's default is 1.0E-4), got 0.0");
        assertThatThrownBy(() -> sharing.get().encodingThreshold(1e-3)
                .thresholdAlgorithm(new FixedThresholdAlgorithm(1e-3)).build())
                .hasMessageStartingWith("give either encodingThreshold (0.001, for the adaptive threshold algorithm) "
                        + "or thresholdAlgorithm (");
        assertThatThrownBy(() -> sharing.get().workersPerNode(0).build())
                .hasMessage("workers per node must be positive, got 0");
        assertThatThrownBy(() -> sharing.get().parameterServer("127.0.0.1", 70000).build())
                .hasMessage("parameter server UDP port must be in 1..65535, got 70000");
        assertThatThrownBy(() -> sharing.get().parameterServer(" ", 40123).build())
                .hasMessageContaining("parameter server address must be a host name or IP address");
        assertThatThrownBy(() -> sharing.get().networkMask("10.1.0.0").build())
                .hasMessage("network mask must look like 10.1.0.0/16 (IPv4 address/prefix length), got '10.1.0.0'");
        assertThatThrownBy(() -> SparkHeadTrainer.builder(sc, planned(1), cache).training(null).build())
                .hasMessageContaining("got null");
        assertThatThrownBy(() -> SparkTraining.parse("allreduce"))
                .hasMessage("unknown Spark training 'allreduce': use averaging (PARAMETER_AVERAGING) or sharing "
                        + "(GRADIENT_SHARING)");
        assertThat(SparkTraining.parse("sharing")).isEqualTo(SparkTraining.GRADIENT_SHARING);
        assertThat(sharing.get().encodingThreshold(1e-3).workersPerNode(2).parameterServer("127.0.0.1", 40123)
                .networkMask("127.0.0.0/8").build()).isNotNull();
    }
}
