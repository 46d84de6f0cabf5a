package dev.graft.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.transfer.TransferPlan;
import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.Featurizers;
import dev.graft.transfer.cache.TinyModels;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import dev.graft.transfer.tune.Cut;
import dev.graft.transfer.tune.FineTuner;
import dev.graft.zoo.GraftModel;
import java.nio.file.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class SparkHeadTrainerTest {
    /** Accuracy tolerance of the parameter-averaged head against the single-machine head (absolute). */
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
        JavaSparkContext sc = LocalSpark.context();
        LabeledData.Split split = DataSpec.load("digits:0-4").stratifiedSplit(0.3, 11);
        GraftModel spark = planned(21);
        GraftModel single = planned(21);
        String cut = Cut.of(spark.network()).layer();
        FeatureCache cache = FeatureCache.builder(tmp.resolve("cache")).featurizer(Featurizers.cut(spark, cut))
                .source(split.train()).shardRows(256).batchSize(32).build();
        SparkFeatureCache.builder(sc, cache).model(spark, cut).rows(sc.parallelize(ExampleRow.listOf(split.train()), 2))
                .build().run();
        INDArray baseBefore = ((MultiLayerNetwork) spark.network()).getLayer(0).params().dup();

        GraftModel trained = SparkHeadTrainer.builder(sc, spark, cache).epochs(EPOCHS).batchSizePerWorker(32)
                .averagingFrequency(3).workers(2).seed(5).build().run();

        // The same head trained on one machine from the same cache, same epochs and batch size.
        Cut singleCut = Cut.of(single.network());
        MultiLayerNetwork top = (MultiLayerNetwork) singleCut.buildTop();
        DataSetIterator it = cache.iterator(32, 5);
        for (int e = 0; e < EPOCHS; e++) {
            it.reset();
            top.fit(it);
        }
        singleCut.copyFrom(top);

        double sparkAcc = FineTuner.evaluate(trained, split.test()).accuracy();
        double singleAcc = FineTuner.evaluate(single, split.test()).accuracy();
        System.out.printf("head accuracy on digits 0-4: spark %.4f, single machine %.4f%n", sparkAcc, singleAcc);
        assertThat(singleAcc).isGreaterThan(0.6); // chance is 0.2
        assertThat(sparkAcc).isCloseTo(singleAcc, org.assertj.core.data.Offset.offset(TOLERANCE));
        assertThat(((MultiLayerNetwork) trained.network()).getLayer(0).params()).isEqualTo(baseBefore);
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
                .hasMessageContaining("must be positive");
    }
}
