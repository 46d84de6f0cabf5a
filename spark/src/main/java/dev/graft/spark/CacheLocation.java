package dev.graft.spark;

import dev.graft.transfer.cache.FeatureCache;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Where a Spark build keeps a feature cache: the {@link FeatureCache}'s own local folder (as on one machine; on a
 * cluster it must be a mount every executor shares), or any Hadoop-compatible URI ({@code hdfs://nn:8020/caches/c},
 * {@code s3a://bucket/c}, {@code file:///shared/c}, any scheme with a Hadoop {@code FileSystem} on the class path),
 * written and read through Hadoop's {@code org.apache.hadoop.fs.FileSystem} with the Spark context's Hadoop
 * configuration ({@code sc.hadoopConfiguration()}, i.e. {@code core-site.xml} and {@code spark.hadoop.*}).
 *
 * <p>At a Hadoop location the folder holds the same files as on one machine (shards byte-identical, the same
 * {@code manifest.json}). Executors write each shard with the cache's own writer into a local temp folder, then copy
 * it to the location under a temp name and rename it, so a killed run never leaves a partial shard under its final
 * name; the driver deletes stray temp files at the start of a run and writes the manifest last. Reading happens on
 * the driver from a local copy: {@link #download(JavaSparkContext, FeatureCache)}.
 * <pre>{@code
 * CacheLocation where = CacheLocation.parse("hdfs://nn:8020/caches/digits");
 * FeatureCache cache = FeatureCache.builder(Path.of("/tmp/digits-copy")).featurizer(f).source(data).build();
 * SparkFeatureCache.builder(sc, cache).location(where).model(model, "fc2").rows(rows).build().run();
 * where.download(sc, cache);                       // verified copy in /tmp/digits-copy
 * SparkHeadTrainer.builder(sc, planned, cache).build().run();
 * }</pre>
 */
public abstract class CacheLocation implements Serializable {
    private static final long serialVersionUID = 1L;
    /** A scheme of two or more characters then ':' (one letter is a Windows drive, i.e. a path). */
    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]+:");

    CacheLocation() {
    }

    /**
     * A location as the command line takes it: text that starts with a URI scheme of two or more characters
     * ({@code hdfs:}, {@code s3a:}, {@code file:}, ...) is a Hadoop URI; anything else is a local folder.
     *
     * @throws IllegalArgumentException if the text is empty or not a usable URI
     */
    public static CacheLocation parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty feature cache location; give a folder or a Hadoop URI such as "
                    + "hdfs://namenode:8020/caches/digits");
        }
        return SCHEME.matcher(text).lookingAt() ? hadoop(text) : local(Path.of(text));
    }

    /** The FeatureCache's own folder {@code dir} (the default of {@link SparkFeatureCache}). */
    public static CacheLocation local(Path dir) {
        return new LocalLocation(dir);
    }

    /**
     * A folder on a Hadoop FileSystem, e.g. {@code hdfs://nn:8020/caches/digits}. Its FileSystem is looked up when the
     * location is used, so an unknown scheme is reported then.
     *
     * @throws IllegalArgumentException if {@code uri} has no scheme or is not a hierarchical URI
     */
    public static CacheLocation hadoop(String uri) {
        return new HadoopLocation(uri);
    }

    /** Whether this is a local folder (no Hadoop FileSystem involved). */
    public abstract boolean isLocal();

    /**
     * Makes {@code cache.directory()} hold a verified copy of the complete cache kept here, for reading on the driver
     * ({@link FeatureCache#iterator}, {@link SparkHeadTrainer}). At a Hadoop location the manifest and every shard
     * are copied (temp name, then rename) and checked with {@link FeatureCache#verify()}; a local location is the
     * cache's own folder, so there is nothing to copy.
     *
     * @throws IllegalStateException if no complete cache with {@code cache}'s key is kept here, or the copy does not
     *                               verify
     * @throws IOException           if a file cannot be read or written, naming it
     */
    public abstract void download(JavaSparkContext sc, FeatureCache cache) throws IOException;

    /** The location as it was given (a folder or a URI). */
    @Override
    public abstract String toString();

    /**
     * The store of {@code cache}'s files here, bound to {@code sc}'s Hadoop configuration and ready for a build:
     * the folder exists and stray temp files are gone.
     */
    abstract ShardStore open(JavaSparkContext sc, FeatureCache cache) throws IOException;

    /** Checks, before anything runs, that this location can hold {@code cache}. */
    abstract void checkFor(FeatureCache cache);

    /** A local folder: the FeatureCache's own. */
    static final class LocalLocation extends CacheLocation {
        private static final long serialVersionUID = 1L;
        private final String dir;

        LocalLocation(Path dir) {
            this.dir = dir.toString();
        }

        @Override
        public boolean isLocal() {
            return true;
        }

        @Override
        public void download(JavaSparkContext sc, FeatureCache cache) {
            checkFor(cache);
        }

        @Override
        void checkFor(FeatureCache cache) {
            Path own = cache.directory().toAbsolutePath().normalize();
            if (!own.equals(Path.of(dir).toAbsolutePath().normalize())) {
                throw new IllegalArgumentException("a local cache location must be the FeatureCache's own folder "
                        + own + ", got " + dir + "; build the FeatureCache with that folder instead");
            }
        }

        @Override
        ShardStore open(JavaSparkContext sc, FeatureCache cache) throws IOException {
            checkFor(cache);
            return ShardStore.local(cache.directory().toAbsolutePath());
        }

        @Override
        public String toString() {
            return dir;
        }
    }

    /** A folder on a Hadoop FileSystem. */
    static final class HadoopLocation extends CacheLocation {
        private static final long serialVersionUID = 1L;
        private final String uri;

        HadoopLocation(String uri) {
            HadoopStore.parse(uri); // fail early on a malformed URI
            this.uri = uri;
        }

        @Override
        public boolean isLocal() {
            return false;
        }

        @Override
        public void download(JavaSparkContext sc, FeatureCache cache) throws IOException {
            HadoopStore.onDriver(sc, uri).download(cache);
        }

        @Override
        void checkFor(FeatureCache cache) {
            // any FeatureCache: its own folder is only where download() puts the driver's copy
        }

        @Override
        ShardStore open(JavaSparkContext sc, FeatureCache cache) throws IOException {
            HadoopStore store = HadoopStore.on(sc, uri);
            store.prepare();
            return store;
        }

        @Override
        public String toString() {
            return uri;
        }
    }
}
