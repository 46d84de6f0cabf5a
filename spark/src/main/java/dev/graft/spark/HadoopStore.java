package dev.graft.spark;

import dev.graft.transfer.cache.CacheShards;
import dev.graft.transfer.cache.FeatureCache;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.commons.io.file.PathUtils;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.UnsupportedFileSystemException;
import org.apache.hadoop.util.VersionInfo;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.SerializableConfiguration;
import scala.Tuple2;

/**
 * A cache folder on a Hadoop FileSystem ({@link CacheLocation#hadoop}). Executors write each shard with the cache's
 * own writer into a local temp folder and copy it to {@code NAME.tmp-UUID} beside its final name, then rename it;
 * finished-shard checks (size, header with the key, re-hashed content) run on the executors through
 * {@link HadoopChannel}; the driver deletes stray temp files and bad shards before a build and writes the manifest
 * (temp name, rename) after it. Checksummed local FileSystems ({@code file:}) are used raw: shards carry their own
 * sha256, so no {@code .crc} files are written beside them.
 */
final class HadoopStore extends ShardStore {
    private static final long serialVersionUID = 1L;
    /** Marks files being copied into the folder; never part of a finished cache. */
    static final String TEMP_MARK = ".tmp-";

    private final String uri;
    /** The driver's Hadoop configuration for executors; null for a driver-only store. */
    private final Broadcast<SerializableConfiguration> shared;
    private transient Configuration conf;

    private HadoopStore(String uri, Configuration conf, Broadcast<SerializableConfiguration> shared) {
        this.uri = uri;
        this.conf = conf;
        this.shared = shared;
    }

    /** A store for building (its Hadoop configuration is broadcast to the executors). */
    static HadoopStore on(JavaSparkContext sc, String uri) {
        Configuration c = sc.hadoopConfiguration();
        return new HadoopStore(uri, c, sc.broadcast(new SerializableConfiguration(c)));
    }

    /** A store used on the driver only (downloads). */
    static HadoopStore onDriver(JavaSparkContext sc, String uri) {
        return new HadoopStore(uri, sc.hadoopConfiguration(), null);
    }

    /**
     * The folder {@code uri} names.
     *
     * @throws IllegalArgumentException if it is not an absolute hierarchical URI with a scheme
     */
    static Path parse(String uri) {
        String usage = "a Hadoop cache location needs a scheme and an absolute path, e.g. "
                + "hdfs://namenode:8020/caches/digits, s3a://bucket/caches/digits or file:///shared/caches/digits";
        Path p;
        try {
            p = new Path(uri);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("feature cache location " + uri + " is not a valid Hadoop URI ("
                    + e.getMessage() + "); " + usage, e);
        }
        if (p.toUri().getScheme() == null || !p.isUriPathAbsolute()) {
            throw new IllegalArgumentException("feature cache location " + uri + ": " + usage);
        }
        return p;
    }

    /**
     * The FileSystem of {@code dir} (Hadoop's cached instance; not to be closed), unwrapped to the raw one if it is
     * a checksummed local FileSystem.
     *
     * @throws IllegalArgumentException if no FileSystem is known for the scheme, saying what to add
     * @throws IOException              if the FileSystem cannot be started (naming the location)
     */
    static FileSystem fileSystem(Path dir, Configuration conf) throws IOException {
        String scheme = dir.toUri().getScheme();
        FileSystem fs;
        try {
            fs = dir.getFileSystem(conf);
        } catch (UnsupportedFileSystemException e) {
            throw new IllegalArgumentException(noFileSystem(scheme, dir, e.getMessage()), e);
        } catch (IOException e) {
            throw failure("open the Hadoop FileSystem of", dir, e);
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof ClassNotFoundException) { // fs.SCHEME.impl names a class that is not there
                    throw new IllegalArgumentException(noFileSystem(scheme, dir, t.getMessage()), e);
                }
            }
            throw e;
        }
        return fs instanceof ChecksumFileSystem checksummed ? checksummed.getRawFileSystem() : fs;
    }

    private static String noFileSystem(String scheme, Path dir, String why) {
        String jar = scheme.toLowerCase(Locale.ROOT).startsWith("s3a")
                ? "s3a needs hadoop-aws-" + VersionInfo.getVersion() + " and the aws-java-sdk-bundle it depends on"
                : "hdfs, webhdfs and file come with Spark's hadoop-client jars";
        return "no Hadoop FileSystem for scheme '" + scheme + "' of feature cache location " + dir + " (" + why
                + "): put the jar that implements it on the class path of the driver and the executors (spark-submit "
                + "--jars; " + jar + "), or name its class with --conf spark.hadoop.fs." + scheme + ".impl=CLASS";
    }

    /** An IOException that says what was being done to which path. */
    static IOException failure(String action, Object path, IOException e) {
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst()
                .orElse("");
        return new IOException("cannot " + action + " " + path + ": " + why, e);
    }

    private Configuration conf() {
        if (conf == null) {
            conf = shared.value().value();
        }
        return conf;
    }

    private Path dir() {
        return parse(uri);
    }

    private Path file(String name) {
        return new Path(dir(), name);
    }

    private FileSystem fs() throws IOException {
        return fileSystem(dir(), conf());
    }

    /** Driver, before a build: the folder exists, and no temp file of a killed run is left in it. */
    void prepare() throws IOException {
        FileSystem fs = fs();
        try {
            if (!fs.mkdirs(dir())) {
                throw new IOException("the FileSystem refused to create it");
            }
        } catch (IOException e) {
            throw failure("create the feature cache folder", uri, e);
        }
        for (FileStatus st : list(fs)) {
            if (st.getPath().getName().contains(TEMP_MARK)) {
                delete(fs, st.getPath());
            }
        }
    }

    private FileStatus[] list(FileSystem fs) throws IOException {
        try {
            return fs.listStatus(dir());
        } catch (FileNotFoundException e) {
            return new FileStatus[0];
        } catch (IOException e) {
            throw failure("list the feature cache folder", uri, e);
        }
    }

    private static void delete(FileSystem fs, Path file) throws IOException {
        try {
            fs.delete(file, false);
        } catch (IOException e) {
            throw failure("delete", file, e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Shard files that are present are checked on the executors (each reads and re-hashes its share); those
     * that fail are deleted, so nothing wrong is left under a shard's name. A fresh folder starts no job.
     */
    @Override
    Map<Integer, String> finished(JavaSparkContext sc, CacheShards plan) throws IOException {
        FileSystem fs = fs();
        Set<String> names = new HashSet<>();
        for (FileStatus st : list(fs)) {
            names.add(st.getPath().getName());
        }
        List<Integer> present = new ArrayList<>();
        for (int s = 0; s < plan.shards(); s++) {
            if (names.contains(CacheShards.fileName(s))) {
                present.add(s);
            }
        }
        Map<Integer, String> done = new TreeMap<>();
        if (present.isEmpty()) {
            return done;
        }
        List<Tuple2<Integer, String>> checked = sc.parallelize(present, Math.min(present.size(),
                sc.defaultParallelism())).map(s -> new Tuple2<>(s, finishedSha(plan, s))).collect();
        for (Tuple2<Integer, String> c : checked) {
            if (c._2() != null) {
                done.put(c._1(), c._2());
            } else {
                delete(fs, file(CacheShards.fileName(c._1())));
            }
        }
        return done;
    }

    /** The sha256 of shard {@code s} if it is there, finished and correct for {@code plan}; else null. */
    String finishedSha(CacheShards plan, int s) throws IOException {
        Path p = file(CacheShards.fileName(s));
        try (HadoopChannel ch = HadoopChannel.open(fs(), p)) {
            return plan.finishedSha(ch, s);
        } catch (FileNotFoundException e) {
            return null;
        } catch (IOException e) {
            throw failure("read", p, e);
        }
    }

    @Override
    java.nio.file.Path stagingFolder() throws IOException {
        return Files.createTempDirectory("graft-shards-");
    }

    @Override
    void publish(java.nio.file.Path staged) throws IOException {
        FileSystem fs = fs();
        Path target = file(staged.getFileName().toString());
        try (InputStream in = Files.newInputStream(staged)) {
            put(fs, target, in);
        }
        Files.delete(staged);
    }

    /** Copies {@code in} to {@code target}'s temp name, then renames it over {@code target}. */
    private static void put(FileSystem fs, Path target, InputStream in) throws IOException {
        Path temp = new Path(target.getParent(), target.getName() + TEMP_MARK + UUID.randomUUID());
        try {
            try (OutputStream out = fs.create(temp, false)) {
                in.transferTo(out);
            }
            if (!fs.rename(temp, target)) { // HDFS does not rename over an existing file
                fs.delete(target, false);
                if (!fs.rename(temp, target)) {
                    throw new IOException("the FileSystem refused to rename " + temp.getName() + " to "
                            + target.getName());
                }
            }
        } catch (IOException e) {
            try {
                fs.delete(temp, false);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw failure("write", target, e);
        }
    }

    @Override
    void removeStaging(java.nio.file.Path folder) throws IOException {
        if (Files.exists(folder)) {
            PathUtils.deleteDirectory(folder);
        }
    }

    @Override
    void commit(FeatureCache cache, CacheShards plan, Map<Integer, String> shas) throws IOException {
        byte[] manifest = plan.manifest(cache, shas);
        FileSystem fs = fs();
        for (int s = 0; s < plan.shards(); s++) {
            String problem = problem(fs, plan, s, shas.get(s));
            if (problem != null) {
                throw new IllegalStateException("shard " + s + " in " + uri + ": " + problem);
            }
        }
        put(fs, file(CacheShards.MANIFEST_FILE), new java.io.ByteArrayInputStream(manifest));
    }

    /** Size and header of shard {@code s} and, with {@code sha}, its trailer; null if they match, else why not. */
    private String problem(FileSystem fs, CacheShards plan, int s, String sha) throws IOException {
        Path p = file(CacheShards.fileName(s));
        try (HadoopChannel ch = HadoopChannel.open(fs, p)) {
            return plan.problem(ch, s, sha);
        } catch (FileNotFoundException e) {
            return "missing";
        } catch (IOException e) {
            throw failure("read", p, e);
        }
    }

    /**
     * Driver: copies the complete cache kept here into {@code cache.directory()} (each file to a temp name, then
     * renamed) and verifies the copy with {@link FeatureCache#verify()}.
     */
    void download(FeatureCache cache) throws IOException {
        FileSystem fs = fs();
        CacheShards plan = CacheShards.of(cache);
        String notHere = "no complete feature cache for this model, cut and data at " + uri;
        String fix = "; build it there first (graft featurize ... --cache " + uri + " --spark MASTER, or "
                + "SparkFeatureCache with this location)";
        Path manifest = file(CacheShards.MANIFEST_FILE);
        boolean hasManifest;
        try {
            hasManifest = fs.exists(manifest);
        } catch (IOException e) {
            throw failure("read", manifest, e);
        }
        if (!hasManifest) {
            throw new IllegalStateException(notHere + " (no " + CacheShards.MANIFEST_FILE + ")" + fix);
        }
        String problem = problem(fs, plan, 0, null); // every header holds the key: a cheap check before copying
        if (problem != null) {
            throw new IllegalStateException(notHere + " (" + CacheShards.fileName(0) + ": " + problem + ")" + fix);
        }
        java.nio.file.Path local = cache.directory();
        Files.createDirectories(local);
        for (int s = 0; s < plan.shards(); s++) {
            copy(fs, file(CacheShards.fileName(s)), local);
        }
        copy(fs, manifest, local); // last: the local copy is complete only once its manifest is there
        try {
            cache.verify();
        } catch (IllegalStateException e) {
            throw new IllegalStateException("the copy of " + uri + " in " + local + " does not verify: "
                    + e.getMessage(), e);
        }
    }

    private static void copy(FileSystem fs, Path file, java.nio.file.Path localFolder) throws IOException {
        java.nio.file.Path target = localFolder.resolve(file.getName());
        java.nio.file.Path temp = localFolder.resolve(file.getName() + TEMP_MARK + "download");
        try (InputStream in = fs.open(file)) {
            Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw failure("copy " + file + " to", target, e);
        }
    }

    @Override
    public void close() {
        if (shared != null) {
            shared.destroy();
        }
    }
}
