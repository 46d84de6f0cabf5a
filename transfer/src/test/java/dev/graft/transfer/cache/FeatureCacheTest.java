package dev.graft.transfer.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import dev.graft.transfer.tune.DenseHeadTrainer;
import dev.graft.zoo.GraftModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class FeatureCacheTest {
    @TempDir
    Path tmp;

    private static LabeledData digits() {
        return DataSpec.load("digits:0-4");
    }

    private FeatureCache cache(Path dir, Featurizer f, LabeledData data, int shardRows) {
        return FeatureCache.builder(dir).featurizer(f).source(data).shardRows(shardRows).batchSize(32).build();
    }

    @Test
    void storedOrderIteratorYieldsExactlyTheFrozenForwardOfTheSourceBatches() throws Exception {
        GraftModel model = TinyModels.mlp(1);
        Featurizer f = Featurizers.cut(model, "dense2");
        LabeledData data = digits();
        FeatureCache cache = cache(tmp.resolve("c"), f, data, 100);
        CacheReport report = cache.build();
        assertThat(report.outcome()).isEqualTo(CacheReport.Outcome.BUILT);
        assertThat(cache.size()).isEqualTo(data.size());
        assertThat(cache.featureShape()).containsExactly(8);

        DataSetIterator fromCache = cache.iterator(32, -1);
        DataSetIterator fromSource = data.iterator(32);
        int batches = 0;
        while (fromSource.hasNext()) {
            DataSet raw = fromSource.next();
            DataSet cached = fromCache.next();
            assertThat(cached.getFeatures()).isEqualTo(f.featurize(raw.getFeatures()));
            assertThat(cached.getLabels()).isEqualTo(raw.getLabels());
            batches++;
        }
        assertThat(fromCache.hasNext()).isFalse();
        assertThat(batches).isEqualTo((data.size() + 31) / 32);
    }

    @Test
    void secondBuildReusesAndChangedWeightsRebuild() throws Exception {
        LabeledData data = digits();
        Path dir = tmp.resolve("c");
        GraftModel model = TinyModels.mlp(1);
        assertThat(cache(dir, Featurizers.cut(model, "dense2"), data, 200).build().outcome())
                .isEqualTo(CacheReport.Outcome.BUILT);
        CacheReport again = cache(dir, Featurizers.cut(model, "dense2"), data, 200).build();
        assertThat(again.outcome()).isEqualTo(CacheReport.Outcome.REUSED);
        assertThat(again.shardsBuilt()).isZero();

        model.multiLayerNetwork().getLayer(0).params().putScalar(0, 0.5);
        CacheReport changed = cache(dir, Featurizers.cut(model, "dense2"), data, 200).build();
        assertThat(changed.outcome()).isEqualTo(CacheReport.Outcome.REBUILT);
        assertThat(changed.reason()).contains("featurizer").doesNotContain("source");
    }

    @Test
    void shuffledIteratorVisitsEveryRowOnceAndReshufflesEachEpoch() throws Exception {
        LabeledData data = digits();
        FeatureCache cache = cache(tmp.resolve("c"), Featurizers.cut(TinyModels.mlp(1), "1"), data, 128);
        cache.build();
        DataSetIterator it = cache.iterator(50, 7);
        Set<String> firstEpoch = new HashSet<>();
        String firstBatch = it.next().getFeatures().toString();
        it.reset();
        String secondEpochFirstBatch = null;
        int rows = 0;
        while (it.hasNext()) {
            DataSet ds = it.next();
            if (secondEpochFirstBatch == null) {
                secondEpochFirstBatch = ds.getFeatures().toString();
            }
            for (int i = 0; i < ds.numExamples(); i++) {
                firstEpoch.add(ds.getFeatures().getRow(i).toString() + ds.getLabels().getRow(i));
            }
            rows += ds.numExamples();
        }
        assertThat(rows).isEqualTo(data.size());
        assertThat(firstEpoch).hasSizeGreaterThan(data.size() - 20); // duplicates only where digits are identical
        assertThat(secondEpochFirstBatch).isNotEqualTo(firstBatch);
    }

    @Test
    void forEachBatchGivesTheIteratorsBatchesInOneSetOfArrays() throws Exception {
        LabeledData data = digits();
        for (Precision p : Precision.values()) {
            FeatureCache cache = FeatureCache.builder(tmp.resolve("c-" + p)).featurizer(Featurizers.cut(
                    TinyModels.mlp(1), "dense2")).source(data).shardRows(128).precision(p).batchSize(32).build();
            cache.build();
            for (long seed : new long[] {-1, 7}) {
                DataSetIterator expected = cache.iterator(48, seed); // a short last batch: 1 + rows % 48
                List<DataSet> seen = new ArrayList<>();
                Set<Long> buffers = new HashSet<>();
                cache.forEachBatch(48, seed, ds -> {
                    DataSet want = expected.next();
                    assertThat(ds.getFeatures().dataType()).isEqualTo(DataType.FLOAT);
                    assertThat(ds.getFeatures()).as("%s seed %d", p, seed).isEqualTo(want.getFeatures());
                    assertThat(ds.getLabels()).isEqualTo(want.getLabels());
                    buffers.add(ds.getFeatures().data().address());
                    seen.add(ds);
                });
                assertThat(expected.hasNext()).isFalse();
                assertThat(seen).hasSize((data.size() + 47) / 48);
                assertThat(data.size() % 48).isNotZero();
                assertThat(buffers).as("every batch in the same features array").hasSize(1);
            }
        }
    }

    @Test
    void aHeadTrainedFromTheReusedArraysEqualsOneTrainedFromFreshBatches() throws Exception {
        FeatureCache cache = cache(tmp.resolve("c"), Featurizers.cut(TinyModels.mlp(1), "dense2"), digits(), 128);
        cache.build();
        MultiLayerNetwork reused = head();
        MultiLayerNetwork fresh = head();
        DenseHeadTrainer trainer = new DenseHeadTrainer(reused);
        for (int epoch = 0; epoch < 3; epoch++) {
            DataSetIterator it = cache.iterator(32, 3);
            trainer.fit(it); // Graft's iterator: read through visitRemaining
            assertThat(it.hasNext()).isFalse();
            fresh.fit(cache.iterator(32, 3)); // DL4J: a new batch per next()
        }
        assertThat(reused.getIterationCount()).isEqualTo(fresh.getIterationCount())
                .isEqualTo(3 * (int) ((cache.size() + 31) / 32));
        assertThat(reused.params().equalsWithEps(fresh.params(), 1e-5)).isTrue();
    }

    private static MultiLayerNetwork head() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3)
                .dataType(DataType.FLOAT).updater(new Adam(1e-2)).list()
                .layer(new DenseLayer.Builder().nIn(8).nOut(6).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(5)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }

    @Test
    void unknownLayerIsRejectedWithTheValidNames() {
        GraftModel model = TinyModels.mlp(1);
        assertThatThrownBy(() -> Featurizers.cut(model, "fc3"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layer 'fc3' not found")
                .hasMessageContaining("layers are: dense1, bn, dense2, out (by name, or by index 0..3)");
        assertThatThrownBy(() -> Featurizers.cut(TinyModels.graph(1), "fc3"))
                .hasMessageContaining("vertex 'fc3' not found").hasMessageContaining("merge");
    }

    @Test
    void aBaseThatGivesNonFiniteFeaturesIsRefusedNamingTheExampleAndTheCut() throws Exception {
        GraftModel model = TinyModels.mlp(1);
        model.multiLayerNetwork().getLayer(2).getParam("b").putScalar(3, Float.NaN); // dense2's bias, feature 3
        LabeledData data = digits();
        FeatureCache cache = cache(tmp.resolve("nan"), Featurizers.cut(model, "dense2"), data, 100);
        assertThatThrownBy(cache::build).isInstanceOf(FiniteFeatures.NonFiniteFeaturesException.class)
                .hasMessageContaining("example 0 of " + data.describe()).hasMessageContaining("not finite (NaN at feature 3)")
                .hasMessageContaining("'dense2'").hasMessageNotContaining("\n");
        assertThat(java.nio.file.Files.exists(tmp.resolve("nan").resolve(ShardFile.name(0)))).isFalse();
    }

    @Test
    void featuresBeyondFloat16AreRefusedForAFloat16Cache() throws Exception {
        GraftModel model = TinyModels.mlp(1);
        model.multiLayerNetwork().getLayer(0).getParam("b").addi(1e6f);
        FeatureCache cache = FeatureCache.builder(tmp.resolve("half")).featurizer(Featurizers.cut(model, "dense1"))
                .source(digits()).shardRows(100).batchSize(32).precision(Precision.FLOAT16).build();
        assertThatThrownBy(cache::build).hasMessageContaining("beyond float16's largest value 65504")
                .hasMessageContaining("--precision float32");
    }
}
