package dev.graft.transfer.cache;

import dev.graft.transfer.data.SyntheticSource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.transfer.data.DataSource;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import dev.graft.zoo.Checksums;
import dev.graft.zoo.GraftModel;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key changes, damaged shards, bad folders and in-process concurrency. */
class FeatureCacheRepairTest {
    private static final LabeledData DATA = DataSpec.load("digits:0-4");

    @TempDir
    Path tmp;

    private final GraftModel model = TinyModels.mlp(3);

    private FeatureCache.Builder builder(Path dir) {
        return FeatureCache.builder(dir).featurizer(Featurizers.cut(model, "dense2")).source(DATA).shardRows(200)
                .batchSize(50);
    }

    private static Map<String, String> shardHashes(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (p.getFileName().toString().startsWith("shard-")) {
                    out.put(p.getFileName().toString(), Checksums.sha256(p));
                }
            }
        }
        return out;
    }

    @Test
    void flippedByteInOneShardRebuildsOnlyThatShardAndReportsIt() throws Exception {
        Path dir = tmp.resolve("c");
        builder(dir).build().build();
        Map<String, String> good = shardHashes(dir);
        assertThat(good).hasSize(5);
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("shard-00002.bin").toFile(), "rw")) {
            f.seek(ShardFile.HEADER_BYTES + 123);
            int b = f.read();
            f.seek(ShardFile.HEADER_BYTES + 123);
            f.write(b ^ 0x10);
        }
        CacheReport report = builder(dir).build().build();
        assertThat(report.outcome()).isEqualTo(CacheReport.Outcome.REPAIRED);
        assertThat(report.shardsBuilt()).isEqualTo(1);
        assertThat(report.damaged()).singleElement().asString().startsWith("shard 2 ").contains("checksum mismatch");
        assertThat(report.summary()).contains("rebuilt damaged shard 2");
        assertThat(shardHashes(dir)).isEqualTo(good);
    }

    @Test
    void missingAndTruncatedShardsAreRebuilt() throws Exception {
        Path dir = tmp.resolve("c");
        builder(dir).build().build();
        Map<String, String> good = shardHashes(dir);
        Files.delete(dir.resolve("shard-00000.bin"));
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("shard-00004.bin").toFile(), "rw")) {
            f.setLength(f.length() - 7);
        }
        CacheReport report = builder(dir).build().build();
        assertThat(report.shardsBuilt()).isEqualTo(2);
        assertThat(report.damaged()).hasSize(2);
        assertThat(report.damaged().get(0)).startsWith("shard 0 ").contains("missing");
        assertThat(report.damaged().get(1)).startsWith("shard 4 ").contains("size");
        assertThat(shardHashes(dir)).isEqualTo(good);
    }

    @Test
    void eachKeyComponentTriggersARebuildNamingIt() throws Exception {
        Path dir = tmp.resolve("c");
        builder(dir).build().build();
        assertThat(builder(dir).build().key()).isEqualTo(builder(dir).build().key());

        CacheReport otherData = builder(dir).source(DATA.shuffled(1)).build().build();
        assertThat(otherData.outcome()).isEqualTo(CacheReport.Outcome.REBUILT);
        assertThat(otherData.reason()).isEqualTo("key changed: source");

        CacheReport half = builder(dir).source(DATA.shuffled(1)).precision(Precision.FLOAT16).build().build();
        assertThat(half.reason()).isEqualTo("key changed: precision");

        CacheReport cut = FeatureCache.builder(dir).featurizer(Featurizers.cut(model, "dense1")).source(DATA.shuffled(1))
                .precision(Precision.FLOAT16).shardRows(200).build().build();
        assertThat(cut.reason()).isEqualTo("key changed: featurizer");

        CacheReport shards = FeatureCache.builder(dir).featurizer(Featurizers.cut(model, "dense1")).source(DATA.shuffled(1))
                .precision(Precision.FLOAT16).shardRows(300).build().build();
        assertThat(shards.reason()).isEqualTo("key changed: shardRows");
        assertThat(shardHashes(dir)).hasSize(4);
    }

    @Test
    void verifyPassesABuiltCacheAndNamesWhatIsWrongWithoutRepairingIt() throws Exception {
        Path dir = tmp.resolve("c");
        assertThatThrownBy(() -> builder(dir).build().verify()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not built").hasMessageContaining("(no manifest)");
        builder(dir).build().build();
        builder(dir).build().verify();
        assertThatThrownBy(() -> builder(dir).source(DATA.shuffled(2)).build().verify())
                .hasMessageContaining("key differs");

        Path shard = dir.resolve("shard-00003.bin");
        byte[] good = Files.readAllBytes(shard);
        try (RandomAccessFile f = new RandomAccessFile(shard.toFile(), "rw")) {
            f.seek(ShardFile.HEADER_BYTES + 5);
            int b = f.read();
            f.seek(ShardFile.HEADER_BYTES + 5);
            f.write(b ^ 0x01);
        }
        assertThatThrownBy(() -> builder(dir).build().verify()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("shard-00003.bin: checksum mismatch");
        // Without re-hashing only sizes, headers and recorded checksums are compared: the flip goes unseen.
        builder(dir).verifyChecksums(false).build().verify();
        assertThat(Files.readAllBytes(shard)).isNotEqualTo(good); // verify repaired nothing

        Files.delete(shard);
        assertThatThrownBy(() -> builder(dir).verifyChecksums(false).build().verify())
                .hasMessageContaining("shard-00003.bin: missing");
    }

    @Test
    void iteratorRefusesACacheThatIsNotBuiltForItsKey() throws Exception {
        Path dir = tmp.resolve("c");
        assertThatThrownBy(() -> builder(dir).build().iterator(8, -1))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not built").hasMessageContaining("build()");
        builder(dir).build().build();
        assertThatThrownBy(() -> builder(dir).source(DATA.shuffled(2)).build().iterator(8, -1))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("key differs");
    }

    @Test
    void folderThatCannotBeCreatedGivesAClearError() throws Exception {
        Path file = Files.writeString(tmp.resolve("plain-file"), "x");
        assertThatThrownBy(() -> builder(file.resolve("cache")).build().build())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cannot create feature cache folder " + file.resolve("cache"));
        assertThatThrownBy(() -> builder(file).build().build())
                .isInstanceOf(IOException.class).hasMessageContaining("exists and is not a folder");
    }

    @Test
    void notEnoughDiskSpaceIsReportedBeforeAnyFeaturizing() throws Exception {
        // 2e9 rows of 2 MiB: petabytes, more than any test machine has free.
        Featurizer huge = new Featurizer() {
            @Override
            public org.nd4j.linalg.api.ndarray.INDArray featurize(org.nd4j.linalg.api.ndarray.INDArray rawBatch) {
                throw new AssertionError("nothing may be featurized when the space check fails");
            }

            @Override
            public long[] featureShape() {
                return new long[] {1 << 19};
            }

            @Override
            public String fingerprint() {
                return "huge";
            }

            @Override
            public String describe() {
                return "huge";
            }
        };
        Path dir = tmp.resolve("c");
        FeatureCache cache = FeatureCache.builder(dir).featurizer(huge)
                .source(new SyntheticSource(2_000_000_000, new long[] {1}, 2, 1, 1.0)).shardRows(1000).build();
        assertThatThrownBy(cache::build).isInstanceOf(IOException.class)
                .hasMessageMatching("not enough disk space for the feature cache in .*: it needs [0-9.]+ MB more, "
                        + "[0-9.]+ MB are free");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("shard-"));
        }
    }

    /** A source whose size() is off by {@code delta} from what its iterator yields. */
    private static DataSource miscounted(int delta) {
        return new DataSource() {
            @Override
            public String describe() {
                return "miscounted digits";
            }

            @Override
            public String fingerprint() {
                return "miscounted " + delta;
            }

            @Override
            public int size() {
                return DATA.size() + delta;
            }

            @Override
            public List<String> labels() {
                return DATA.labels();
            }

            @Override
            public long[] exampleShape() {
                return DATA.exampleShape();
            }

            @Override
            public org.nd4j.linalg.dataset.api.iterator.DataSetIterator iterator(int batchSize) {
                return DATA.iterator(batchSize);
            }
        };
    }

    @Test
    void aSourceYieldingMoreOrFewerRowsThanItsSizeIsAnError() {
        assertThatThrownBy(() -> builder(tmp.resolve("more")).source(miscounted(-5)).build().build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("gave more than the 896 examples");
        assertThatThrownBy(() -> builder(tmp.resolve("fewer")).source(miscounted(5)).build().build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("ended after 901 examples")
                .hasMessageContaining("says it has 906");
    }

    @Test
    void twoThreadsBuildingOneCacheBuildOnce() throws Exception {
        Path dir = tmp.resolve("c");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Callable<CacheReport> job = () -> builder(dir).build().build();
            List<Future<CacheReport>> results = pool.invokeAll(List.of(job, job));
            List<CacheReport.Outcome> outcomes = List.of(results.get(0).get().outcome(), results.get(1).get().outcome());
            assertThat(outcomes).containsExactlyInAnyOrder(CacheReport.Outcome.BUILT, CacheReport.Outcome.REUSED);
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void builderRejectsBadSettings() {
        assertThatThrownBy(() -> FeatureCache.builder(tmp).source(DATA).build()).hasMessageContaining("featurizer");
        assertThatThrownBy(() -> builder(tmp).shardRows(0).build()).hasMessageContaining("shard rows must be positive, got 0");
        assertThatThrownBy(() -> builder(tmp).batchSize(-1).build()).hasMessageContaining("batch size must be positive");
        assertThatThrownBy(() -> builder(tmp).augment(Augmenters.gaussianNoise(1), 0, 1).build())
                .hasMessageContaining("at least 1 view");
        assertThatThrownBy(() -> Precision.parse("int8")).hasMessageContaining("use float32 or float16");
    }
}
