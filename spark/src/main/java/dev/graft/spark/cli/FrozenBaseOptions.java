package dev.graft.spark.cli;

import dev.graft.spark.CacheLocation;
import java.nio.file.Path;
import java.util.UUID;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** What both Spark verbs take: the model, where it is cut, the data and the cache folder. */
final class FrozenBaseOptions {
    @Parameters(index = "0", paramLabel = "MODEL", description = "a Graft or DL4J model zip (read by the driver; its frozen part is broadcast)")
    Path model;

    @Option(names = "--cut", required = true, paramLabel = "LAYER", description = "last frozen layer or vertex")
    String cut;

    @Option(names = "--data", required = true, paramLabel = "SPEC", description = "data spec: digits, digits:0-4, csv:FILE[#CLASSES]")
    String data;

    @Option(names = "--cache", required = true, paramLabel = "DIR|URI",
            description = "feature cache: a folder the driver and every executor share (a local folder for local[N]), "
                    + "or a Hadoop URI (hdfs://nn:8020/caches/c, s3a://bucket/c, file:///shared/c) written through "
                    + "Hadoop's FileSystem")
    String cache;

    /** Where --cache keeps the cache. */
    CacheLocation location() {
        return CacheLocation.parse(cache);
    }

    /**
     * The FeatureCache's own folder: the --cache folder itself, or for a Hadoop URI a fresh local folder name under
     * java.io.tmpdir (nothing is created there unless the cache is downloaded for reading).
     */
    static Path localFolder(CacheLocation where) {
        return where.isLocal() ? Path.of(where.toString())
                : Path.of(System.getProperty("java.io.tmpdir"), "graft-spark-cache-" + UUID.randomUUID());
    }
}
