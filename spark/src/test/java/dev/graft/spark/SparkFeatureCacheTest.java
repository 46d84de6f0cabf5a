package dev.graft.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.transfer.cache.CacheReport;
import dev.graft.transfer.cache.CacheShards;
import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.Featurizers;
import dev.graft.transfer.cache.TinyModels;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import dev.graft.zoo.GraftModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

class SparkFeatureCacheTest {
    @TempDir
    Path tmp;

    private static LabeledData digits(int n) {
        LabeledData all = DataSpec.load("digits:0-4");
        return all.subset(IntStream.range(0, n).toArray(), "first " + n);
    }

    private static FeatureCache cache(Path dir, GraftModel model, LabeledData data) {
        return FeatureCache.builder(dir).featurizer(Featurizers.cut(model, "dense2")).source(data).shardRows(128)
                .batchSize(32).build();
    }

    @Test
    void distributedCacheIsByteIdenticalToTheSingleMachineCacheAndReadable() throws Exception {
        JavaSparkContext sc = LocalSpark.context();
        GraftModel model = TinyModels.mlp(3);
        LabeledData data = digits(600);
        FeatureCache single = cache(tmp.resolve("single"), model, data);
        single.build();
        FeatureCache distributed = cache(tmp.resolve("spark"), model, data);
        JavaRDD<ExampleRow> rows = sc.parallelize(ExampleRow.listOf(data), 3);
        SparkCacheReport report = SparkFeatureCache.builder(sc, distributed).model(model, "dense2").rows(rows)
                .partitions(2).build().run();

        assertThat(report.shards()).isEqualTo(5);
        assertThat(report.shardsBuilt()).isEqualTo(5);
        assertThat(distributed.key()).isEqualTo(single.key());
        for (int s = 0; s < 5; s++) {
            assertThat(Files.readAllBytes(distributed.directory().resolve(CacheShards.fileName(s))))
                    .as("shard %d", s)
                    .isEqualTo(Files.readAllBytes(single.directory().resolve(CacheShards.fileName(s))));
        }
        DataSetIterator a = single.iterator(100, -1);
        DataSetIterator b = distributed.iterator(100, -1);
        int batches = 0;
        while (a.hasNext()) {
            DataSet x = a.next();
            DataSet y = b.next();
            assertThat(y.getFeatures()).isEqualTo(x.getFeatures());
            assertThat(y.getLabels()).isEqualTo(x.getLabels());
            batches++;
        }
        assertThat(b.hasNext()).isFalse();
        assertThat(batches).isEqualTo(6);
        // The single-machine builder accepts the distributed folder as finished.
        assertThat(distributed.build().outcome()).isEqualTo(CacheReport.Outcome.REUSED);
    }

    @Test
    void rerunWithTheSameKeySkipsFinishedShardsAndRebuildsOnlyMissingOnes() throws Exception {
        JavaSparkContext sc = LocalSpark.context();
        GraftModel model = TinyModels.mlp(4);
        LabeledData data = digits(300);
        FeatureCache cache = cache(tmp.resolve("c"), model, data);
        JavaRDD<ExampleRow> rows = sc.parallelize(ExampleRow.listOf(data), 2);
        SparkFeatureCache job = SparkFeatureCache.builder(sc, cache).model(model, "dense2").rows(rows).build();
        assertThat(job.run().shardsBuilt()).isEqualTo(3);
        Path shard1 = cache.directory().resolve(CacheShards.fileName(1));
        byte[] before = Files.readAllBytes(shard1);
        long shard0Time = Files.getLastModifiedTime(cache.directory().resolve(CacheShards.fileName(0))).toMillis();

        assertThat(job.run().shardsBuilt()).isZero();

        Files.delete(shard1); // as if the run had been killed before this shard was written
        SparkCacheReport resumed = job.run();
        assertThat(resumed.shardsBuilt()).isEqualTo(1);
        assertThat(Files.readAllBytes(shard1)).isEqualTo(before);
        assertThat(Files.getLastModifiedTime(cache.directory().resolve(CacheShards.fileName(0))).toMillis())
                .isEqualTo(shard0Time);
        assertThat(cache.build().outcome()).isEqualTo(CacheReport.Outcome.REUSED);
    }

    @Test
    void rowCountThatDiffersFromTheSourceIsRefused() throws Exception {
        JavaSparkContext sc = LocalSpark.context();
        GraftModel model = TinyModels.mlp(5);
        LabeledData data = digits(200);
        FeatureCache cache = cache(tmp.resolve("c"), model, data);
        JavaRDD<ExampleRow> rows = sc.parallelize(ExampleRow.listOf(digits(150)), 2);
        assertThatThrownBy(() -> SparkFeatureCache.builder(sc, cache).model(model, "dense2").rows(rows).build().run())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("the RDD has 150 rows")
                .hasMessageContaining("has 200");
        assertThatThrownBy(() -> SparkFeatureCache.builder(sc, cache).model(model, "dense1").rows(rows).build().run())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not the cache's featurizer");
    }

    /**
     * The engine the driver's featurizer chose travels with the broadcast model: here ONNX Runtime is forced on an
     * MLP, which {@code auto} (the executors' own setting) would run on DL4J — the executors' fingerprints would then
     * differ from the driver's and the job would fail.
     */
    @Test
    void executorsFeaturizeWithTheDriversEngine() throws Exception {
        JavaSparkContext sc = LocalSpark.context();
        GraftModel model = TinyModels.mlp(6);
        LabeledData data = digits(300);
        FeatureCache single = FeatureCache.builder(tmp.resolve("single")).featurizer(Featurizers.cut(model, "dense2",
                dev.graft.engine.FeaturizeEngine.ONNX)).source(data).shardRows(128).batchSize(32).build();
        single.build();
        FeatureCache distributed = FeatureCache.builder(tmp.resolve("spark")).featurizer(Featurizers.cut(model,
                "dense2", dev.graft.engine.FeaturizeEngine.ONNX)).source(data).shardRows(128).batchSize(32).build();
        assertThat(distributed.featurizer().engine().isOnnx()).isTrue();
        assertThat(Featurizers.cut(model, "dense2", dev.graft.engine.FeaturizeEngine.AUTO).engine().isOnnx())
                .as("what auto would have chosen on an executor").isFalse();
        SparkCacheReport report = SparkFeatureCache.builder(sc, distributed).model(model, "dense2")
                .rows(sc.parallelize(ExampleRow.listOf(data), 2)).partitions(2).build().run();
        assertThat(report.shardsBuilt()).isEqualTo(3);
        assertThat(distributed.key()).isEqualTo(single.key());
        DataSetIterator a = single.iterator(100, -1);
        DataSetIterator b = distributed.iterator(100, -1);
        while (a.hasNext()) {
            org.nd4j.linalg.api.ndarray.INDArray x = a.next().getFeatures();
            assertThat(b.next().getFeatures().sub(x).amaxNumber().doubleValue()).isLessThan(1e-5);
        }
        assertThat(distributed.build().outcome()).isEqualTo(CacheReport.Outcome.REUSED);
    }
}
