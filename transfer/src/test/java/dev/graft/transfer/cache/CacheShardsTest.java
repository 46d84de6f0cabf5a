package dev.graft.transfer.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import java.nio.channels.SeekableByteChannel;
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
    void channelChecksAndManifestBytesAreWhatTheFolderMethodsUse() throws Exception {
        LabeledData data = ((LabeledData) DataSpec.load("digits:0-4")).subset(
                java.util.stream.IntStream.range(0, 150).toArray(), "first 150");
        FeatureCache cache = FeatureCache.builder(tmp.resolve("c")).featurizer(Featurizers.cut(TinyModels.mlp(7),
                "dense2")).source(data).shardRows(64).batchSize(32).build();
        cache.build();
        CacheShards plan = CacheShards.of(cache);
        Map<Integer, String> shas = new HashMap<>();
        for (int s = 0; s < plan.shards(); s++) {
            Path file = cache.directory().resolve(CacheShards.fileName(s));
            try (SeekableByteChannel ch = Files.newByteChannel(file)) {
                shas.put(s, plan.finishedSha(ch, s));
            }
            assertThat(shas.get(s)).isEqualTo(plan.finishedSha(cache.directory(), s)).hasSize(64);
            try (SeekableByteChannel ch = Files.newByteChannel(file)) {
                assertThat(plan.problem(ch, s, shas.get(s))).isNull();
            }
        }
        // The manifest the builder wrote is the one commit would write for these shards.
        assertThat(plan.manifest(cache, shas))
                .isEqualTo(Files.readAllBytes(cache.directory().resolve(CacheShards.MANIFEST_FILE)));

        Path shard1 = cache.directory().resolve(CacheShards.fileName(1));
        try (SeekableByteChannel ch = Files.newByteChannel(shard1)) {
            assertThat(plan.problem(ch, 1, "00".repeat(32))).startsWith("checksum in file ");
            assertThat(plan.problem(ch, 0, null)).startsWith("header does not match"); // shard 0 has shard 1's size
        }
        byte[] bytes = Files.readAllBytes(shard1);
        bytes[ShardFile.HEADER_BYTES + 9] ^= 0x40;
        Files.write(shard1, bytes);
        try (SeekableByteChannel ch = Files.newByteChannel(shard1)) {
            assertThat(plan.finishedSha(ch, 1)).isNull();
            assertThat(plan.problem(ch, 1, shas.get(1))).isNull(); // header and trailer intact: no re-hash here
        }
        Files.write(shard1, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        try (SeekableByteChannel ch = Files.newByteChannel(shard1)) {
            assertThat(plan.problem(ch, 1, null)).startsWith("size ");
        }
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
