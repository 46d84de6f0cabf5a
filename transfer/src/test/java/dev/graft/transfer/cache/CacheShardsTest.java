package dev.graft.transfer.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class CacheShardsTest {
    @TempDir
    Path tmp;

    @Test
    void shardsWrittenOutsideTheBuilderEqualTheBuildersAndAreReused() throws Exception {
        LabeledData data = (LabeledData) DataSpec.load("digits:0-4");
        data = data.subset(java.util.stream.IntStream.range(0, 150).toArray(), "first 150");
        Featurizer f = Featurizers.cut(TinyModels.mlp(7), "dense2");
        FeatureCache reference = FeatureCache.builder(tmp.resolve("ref")).featurizer(f).source(data).shardRows(64)
                .batchSize(32).build();
        reference.build();
        FeatureCache outside = FeatureCache.builder(tmp.resolve("out")).featurizer(f).source(data).shardRows(64)
                .batchSize(32).build();
        CacheShards plan = CacheShards.of(outside);
        assertThat(plan.shards()).isEqualTo(3);
        assertThat(plan.rowsIn(2)).isEqualTo(150 - 128);
        Map<Integer, String> shas = new HashMap<>();
        for (int s = 0; s < plan.shards(); s++) {
            assertThat(plan.finishedSha(outside.directory(), s)).isNull();
            try (CacheShards.Writer w = plan.open(outside.directory(), s)) {
                for (long r = plan.firstRow(s); r < plan.firstRow(s) + plan.rowsIn(s); r += 32) {
                    long end = Math.min(Math.min(r + 32, plan.firstRow(s) + plan.rowsIn(s)), data.size());
                    int[] idx = java.util.stream.IntStream.range((int) r, (int) end).toArray();
                    LabeledData batch = data.subset(idx, "batch");
                    float[] x = f.featurize(batch.features()).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT)
                            .dup('c').data().asFloat();
                    INDArray y = batch.oneHotLabels();
                    float[] yf = y.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').data().asFloat();
                    for (int i = 0; i < idx.length; i++) {
                        w.append(x, i * plan.featureLength(), yf, i * plan.numClasses());
                    }
                }
                assertThat(w.isFull()).isTrue();
                shas.put(s, w.finish());
            }
            assertThat(plan.finishedSha(outside.directory(), s)).isEqualTo(shas.get(s));
        }
        plan.commit(outside, shas);
        for (int s = 0; s < plan.shards(); s++) {
            assertThat(Files.readAllBytes(outside.directory().resolve(CacheShards.fileName(s))))
                    .isEqualTo(Files.readAllBytes(reference.directory().resolve(CacheShards.fileName(s))));
        }
        assertThat(outside.build().outcome()).isEqualTo(CacheReport.Outcome.REUSED);
        assertThat(outside.iterator(50, -1).next().getFeatures().rows()).isEqualTo(50);
    }

    @Test
    void commitRejectsAMissingShard() throws Exception {
        LabeledData data = (LabeledData) DataSpec.load("digits:0-4");
        FeatureCache cache = FeatureCache.builder(tmp.resolve("c")).featurizer(Featurizers.cut(TinyModels.mlp(7),
                "dense2")).source(data).shardRows(4096).build();
        CacheShards plan = CacheShards.of(cache);
        assertThatThrownBy(() -> plan.commit(cache, Map.of())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("shard 0 of 1 was not written");
        assertThatThrownBy(() -> plan.open(tmp, 5)).hasMessageContaining("out of range");
    }
}
