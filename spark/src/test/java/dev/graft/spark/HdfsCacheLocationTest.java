package dev.graft.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.transfer.cache.CacheShards;
import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.Featurizers;
import dev.graft.transfer.cache.TinyModels;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import dev.graft.zoo.GraftModel;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A cache on a real HDFS: an in-process MiniDFSCluster (one namenode, one datanode) on 127.0.0.1. */
@Tag("slow") // the fast lane (-Pquick) leaves it out; mvn verify runs it
class HdfsCacheLocationTest {
    private static final String HADOOP = "org.apache.hadoop";
    private static Level hadoopLogLevel;
    private static MiniDFSCluster hdfs;
    private static Path base;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startHdfs() throws Exception {
        // HDFS's own servers log startup and shutdown chatter at WARN and ERROR (through Spark's log4j 2)
        hadoopLogLevel = LogManager.getLogger(HADOOP).getLevel();
        Configurator.setLevel(HADOOP, Level.OFF);
        base = Files.createTempDirectory("graft-minidfs-");
        Configuration conf = new Configuration();
        conf.set("dfs.namenode.rpc-bind-host", "127.0.0.1");
        conf.set("dfs.namenode.http-address", "127.0.0.1:0");
        conf.set("dfs.datanode.address", "127.0.0.1:0");
        conf.set("dfs.datanode.http.address", "127.0.0.1:0");
        conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
        conf.setBoolean("dfs.webhdfs.enabled", false);
        hdfs = new MiniDFSCluster.Builder(conf, base.toFile()).numDataNodes(1).storagesPerDatanode(1).build();
        hdfs.waitActive();
    }

    @AfterAll
    static void stopHdfs() throws Exception {
        if (hdfs != null) {
            hdfs.shutdown(true);
        }
        if (Files.exists(base)) {
            org.apache.commons.io.file.PathUtils.deleteDirectory(base);
        }
        Configurator.setLevel(HADOOP, hadoopLogLevel);
    }

    @Test
    void cacheOnHdfsIsByteIdenticalToTheSingleMachineCacheAndOnlyUnfinishedShardsAreRedone() throws Exception {
        JavaSparkContext sc = LocalSpark.context();
        GraftModel model = TinyModels.mlp(7);
        LabeledData data = DataSpec.load("digits:0-4").subset(IntStream.range(0, 300).toArray(), "first 300");
        FeatureCache single = FeatureCache.builder(tmp.resolve("single")).featurizer(Featurizers.cut(model, "dense2"))
                .source(data).shardRows(128).batchSize(32).build();
        single.build();
        FeatureCache remote = FeatureCache.builder(tmp.resolve("copy")).featurizer(Featurizers.cut(model, "dense2"))
                .source(data).shardRows(128).batchSize(32).build();
        String uri = "hdfs://127.0.0.1:" + hdfs.getNameNodePort() + "/caches/digits";
        SparkFeatureCache job = SparkFeatureCache.builder(sc, remote).location(CacheLocation.parse(uri))
                .model(model, "dense2").rows(sc.parallelize(ExampleRow.listOf(data), 2)).build();

        assertThat(job.run().shardsBuilt()).isEqualTo(3);

        FileSystem fs = hdfs.getFileSystem();
        for (String name : new String[] {CacheShards.fileName(0), CacheShards.fileName(1), CacheShards.fileName(2),
                CacheShards.MANIFEST_FILE}) {
            try (InputStream in = fs.open(new org.apache.hadoop.fs.Path("/caches/digits/" + name))) {
                assertThat(in.readAllBytes()).as(name).isEqualTo(Files.readAllBytes(single.directory().resolve(name)));
            }
        }
        org.apache.hadoop.fs.Path folder = new org.apache.hadoop.fs.Path("/caches/digits");
        assertThat(fs.listStatus(folder)).hasSize(4);
        assertThat(job.run().shardsBuilt()).isZero();

        // a killed run's leftovers: a temp file of a copy in flight, and a shard cut short
        org.apache.hadoop.fs.Path shard1 = new org.apache.hadoop.fs.Path(folder, CacheShards.fileName(1));
        byte[] good;
        try (InputStream in = fs.open(shard1)) {
            good = in.readAllBytes();
        }
        try (OutputStream out = fs.create(shard1, true)) {
            out.write(good, 0, good.length / 2);
        }
        try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path(folder, CacheShards.fileName(2) + ".tmp-1"))) {
            out.write(new byte[10]);
        }
        assertThat(job.run().shardsBuilt()).isEqualTo(1);
        assertThat(fs.listStatus(folder)).hasSize(4);
        try (InputStream in = fs.open(shard1)) {
            assertThat(in.readAllBytes()).isEqualTo(good);
        }
        CacheLocation.parse(uri).download(sc, remote);
        assertThat(remote.iterator(64, -1).next().getFeatures())
                .isEqualTo(single.iterator(64, -1).next().getFeatures());
    }
}
