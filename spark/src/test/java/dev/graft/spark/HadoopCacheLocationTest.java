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
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Caches at a Hadoop URI: {@link RootedTestFileSystem} ({@code graftfs:///...}, the local disk below a temp root,
 * registered with {@code fs.graftfs.impl}) stands in for HDFS or S3, so every byte goes through Hadoop's
 * FileSystem API.
 */
@Tag("slow") // the fast lane (-Pquick) leaves it out; mvn verify runs it
class HadoopCacheLocationTest {
    private static Path root;

    @TempDir
    Path tmp;

    @BeforeAll
    static void registerTheTestScheme() throws Exception {
        root = RootedTestFileSystem.registerShared(LocalSpark.context().hadoopConfiguration());
    }

    private static LabeledData digits(int n) {
        return DataSpec.load("digits:0-4").subset(IntStream.range(0, n).toArray(), "first " + n);
    }

    private static FeatureCache cache(Path dir, GraftModel model, LabeledData data) {
        return FeatureCache.builder(dir).featurizer(Featurizers.cut(model, "dense2")).source(data).shardRows(128)
                .batchSize(32).build();
    }

    private static String newUri() {
        return RootedTestFileSystem.SCHEME + ":///caches/" + UUID.randomUUID() + "/digits";
    }

    private static Path local(String uri) {
        return RootedTestFileSystem.local(root, uri);
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static SparkCacheReport run(FeatureCache cache, GraftModel model, LabeledData data, String uri)
            throws Exception {
        JavaSparkContext sc = LocalSpark.context();
        return SparkFeatureCache.builder(sc, cache).location(CacheLocation.parse(uri)).model(model, "dense2")
                .rows(sc.parallelize(ExampleRow.listOf(data), 2)).partitions(2).build().run();
    }

    @Test
    void cacheAtAHadoopUriIsByteIdenticalToTheSingleMachineCacheAndReRunsSkipFinishedShards() throws Exception {
        GraftModel model = TinyModels.mlp(3);
        LabeledData data = digits(350);
        FeatureCache single = cache(tmp.resolve("single"), model, data);
        single.build();
        String uri = newUri();
        FeatureCache remote = cache(tmp.resolve("copy"), model, data);

        SparkCacheReport report = run(remote, model, data, uri);

        assertThat(report.location()).isEqualTo(uri);
        assertThat(report.shardsBuilt()).isEqualTo(3);
        Path written = local(uri);
        // shards and manifest only: no temp files, no Hadoop .crc files; the FeatureCache's own folder untouched
        assertThat(names(written)).containsExactly("manifest.json", "shard-00000.bin", "shard-00001.bin",
                "shard-00002.bin");
        for (String name : names(written)) {
            assertThat(Files.readAllBytes(written.resolve(name))).as(name)
                    .isEqualTo(Files.readAllBytes(single.directory().resolve(name)));
        }
        assertThat(remote.directory()).doesNotExist();
        Map<String, Long> times = modificationTimes(written);

        assertThat(run(remote, model, data, uri).shardsBuilt()).isZero();
        assertThat(modificationTimes(written)).isEqualTo(times);

        CacheLocation.parse(uri).download(LocalSpark.context(), remote);
        DataSetIterator a = single.iterator(100, -1);
        DataSetIterator b = remote.iterator(100, -1);
        while (a.hasNext()) {
            DataSet x = a.next();
            DataSet y = b.next();
            assertThat(y.getFeatures()).isEqualTo(x.getFeatures());
            assertThat(y.getLabels()).isEqualTo(x.getLabels());
        }
        assertThat(b.hasNext()).isFalse();
        assertThat(remote.build().outcome()).isEqualTo(CacheReport.Outcome.REUSED);
    }

    @Test
    void leftoversOfAKilledRunAreRedoneAndNothingElse() throws Exception {
        GraftModel model = TinyModels.mlp(4);
        LabeledData data = digits(500);
        String uri = newUri();
        FeatureCache cache = cache(tmp.resolve("copy"), model, data);
        assertThat(run(cache, model, data, uri).shardsBuilt()).isEqualTo(4);
        Path written = local(uri);
        Map<String, byte[]> good = new HashMap<>();
        for (String name : names(written)) {
            good.put(name, Files.readAllBytes(written.resolve(name)));
        }
        long shard0Time = Files.getLastModifiedTime(written.resolve(CacheShards.fileName(0))).toMillis();

        // As a killed run leaves things: a half-copied temp file, a truncated shard, a shard whose content is
        // damaged behind an intact header and trailer (only re-hashing finds it), and no manifest.
        Files.write(written.resolve(CacheShards.fileName(3) + ".tmp-" + UUID.randomUUID()), new byte[100]);
        try (RandomAccessFile f = new RandomAccessFile(written.resolve(CacheShards.fileName(1)).toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        try (RandomAccessFile f = new RandomAccessFile(written.resolve(CacheShards.fileName(2)).toFile(), "rw")) {
            f.seek(200);
            int b = f.read();
            f.seek(200);
            f.write(b ^ 0x08);
        }
        Files.delete(written.resolve(CacheShards.MANIFEST_FILE));

        assertThat(run(cache, model, data, uri).shardsBuilt()).isEqualTo(2);

        assertThat(names(written)).containsExactlyInAnyOrderElementsOf(good.keySet());
        for (String name : good.keySet()) {
            assertThat(Files.readAllBytes(written.resolve(name))).as(name).isEqualTo(good.get(name));
        }
        assertThat(Files.getLastModifiedTime(written.resolve(CacheShards.fileName(0))).toMillis())
                .isEqualTo(shard0Time);
    }

    @Test
    void aDamagedCacheIsNotDownloadedAsGood() throws Exception {
        GraftModel model = TinyModels.mlp(5);
        LabeledData data = digits(300);
        String uri = newUri();
        JavaSparkContext sc = LocalSpark.context();
        FeatureCache cache = cache(tmp.resolve("copy"), model, data);
        assertThatThrownBy(() -> CacheLocation.parse(uri).download(sc, cache))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no complete feature cache")
                .hasMessageContaining("(no manifest.json)");
        run(cache, model, data, uri);
        try (RandomAccessFile f = new RandomAccessFile(local(uri).resolve(CacheShards.fileName(1)).toFile(), "rw")) {
            f.seek(300);
            int b = f.read();
            f.seek(300);
            f.write(b ^ 0x01);
        }
        assertThatThrownBy(() -> CacheLocation.parse(uri).download(sc, cache))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("does not verify")
                .hasMessageContaining("shard-00001.bin: checksum mismatch");

        FeatureCache otherCut = FeatureCache.builder(tmp.resolve("other")).featurizer(Featurizers.cut(model, "dense1"))
                .source(data).shardRows(128).build();
        assertThatThrownBy(() -> CacheLocation.parse(uri).download(sc, otherCut))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no complete feature cache")
                .hasMessageContaining("shard-00000.bin: ");
        assertThat(otherCut.directory()).doesNotExist();
    }

    @Test
    void unknownSchemesBadUrisAndRefusedFoldersAreExplained() throws Exception {
        GraftModel model = TinyModels.mlp(6);
        LabeledData data = digits(100);
        FeatureCache cache = cache(tmp.resolve("c"), model, data);
        assertThatThrownBy(() -> run(cache, model, data, "nosuchfs://somewhere/caches/c"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no Hadoop FileSystem for scheme 'nosuchfs'")
                .hasMessageContaining("--conf spark.hadoop.fs.nosuchfs.impl=CLASS");
        assertThatThrownBy(() -> run(cache, model, data, "s3a://bucket/caches/c"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no Hadoop FileSystem for scheme 's3a'")
                .hasMessageContaining("S3AFileSystem not found").hasMessageContaining("hadoop-aws-3.3.2");
        assertThatThrownBy(() -> CacheLocation.parse("hdfs:caches/c")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hdfs:caches/c").hasMessageContaining("hdfs://namenode:8020/");
        String forbidden = RootedTestFileSystem.SCHEME + ":///caches/forbidden/c";
        assertThatThrownBy(() -> run(cache, model, data, forbidden))
                .hasMessageStartingWith("cannot create the feature cache folder " + forbidden
                        + ": Permission denied: user=test");
        assertThatThrownBy(() -> SparkFeatureCache.builder(LocalSpark.context(), cache)
                .location(CacheLocation.parse(tmp.resolve("elsewhere").toString())).model(model, "dense2")
                .rows(LocalSpark.context().parallelize(ExampleRow.listOf(data), 1)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be the FeatureCache's own folder");
        assertThat(CacheLocation.parse(tmp.toString()).isLocal()).isTrue();
        assertThat(CacheLocation.parse("file:///tmp/c").isLocal()).isFalse();
    }

    private static Map<String, Long> modificationTimes(Path dir) throws Exception {
        Map<String, Long> out = new HashMap<>();
        for (String name : names(dir)) { // shards only: every run rewrites the manifest, as on one machine
            if (name.startsWith("shard-")) {
                out.put(name, Files.getLastModifiedTime(dir.resolve(name)).toMillis());
            }
        }
        return out;
    }
}
