package dev.graft.transfer.cache;

import java.io.IOException;
import java.io.Serializable;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The shard layout of a {@link FeatureCache}, for writers outside this package that featurize shards elsewhere
 * (e.g. one Spark partition per shard range) and then record them as one finished cache.
 *
 * <p>A plan is serializable and small (key, counts, precision); {@link #open(Path, int)} writes shard
 * {@code index} exactly as {@link FeatureCache#build()} would (same header, rows, trailer, temp file + rename),
 * and {@link #commit(FeatureCache, Map)} writes the manifest of a complete cache, after which
 * {@link FeatureCache#iterator(int, long)} and {@link FeatureCache#build()} (which then reuses it) accept it.
 * <pre>{@code
 * CacheShards plan = CacheShards.of(cache);
 * try (CacheShards.Writer w = plan.open(dir, 0)) { ... w.append(features, 0, labels, 0); sha = w.finish(); }
 * plan.commit(cache, Map.of(0, sha));
 * }</pre>
 *
 * @apiNote Internal: public only for the Spark module's shard stores.
 */
public final class CacheShards implements Serializable {
    private static final long serialVersionUID = 1L;
    /** File name of a cache's manifest, beside its shards. */
    public static final String MANIFEST_FILE = Manifest.FILE;

    private final String key;
    private final long rows;
    private final int shardRows;
    private final int featureLength;
    private final int numClasses;
    private final Precision precision;

    private CacheShards(String key, long rows, int shardRows, int featureLength, int numClasses, Precision precision) {
        this.key = key;
        this.rows = rows;
        this.shardRows = shardRows;
        this.featureLength = featureLength;
        this.numClasses = numClasses;
        this.precision = precision;
    }

    /** The precision the shards store features in. */
    public Precision precision() {
        return precision;
    }

    /**
     * The shard plan of {@code cache}.
     *
     * @throws IllegalArgumentException if the cache augments (views are drawn per example by the builder only)
     */
    public static CacheShards of(FeatureCache cache) {
        if (cache.augmenter() != null) {
            throw new IllegalArgumentException("feature cache " + cache.directory() + " augments examples; "
                    + "shards written outside FeatureCache.build() support unaugmented caches only");
        }
        int featureLength = (int) Arrays.stream(cache.featureShape()).reduce(1, (a, b) -> a * b);
        return new CacheShards(cache.key(), cache.size(), cache.shardRows(), featureLength,
                cache.source().numClasses(), cache.precision());
    }

    /** The cache key (sha256 hex). */
    public String key() {
        return key;
    }

    /** Total rows. */
    public long rows() {
        return rows;
    }

    /** Rows per shard (the last may have fewer). */
    public int shardRows() {
        return shardRows;
    }

    /** Number of shards. */
    public int shards() {
        return (int) ((rows + shardRows - 1) / shardRows);
    }

    /** Global index of shard {@code index}'s first row. */
    public long firstRow(int index) {
        return (long) index * shardRows;
    }

    /** Rows in shard {@code index}. */
    public int rowsIn(int index) {
        checkIndex(index);
        return (int) Math.min(shardRows, rows - firstRow(index));
    }

    /** Features per row (product of the feature shape). */
    public int featureLength() {
        return featureLength;
    }

    /** Label-vector length. */
    public int numClasses() {
        return numClasses;
    }

    /** File name of shard {@code index}. */
    public static String fileName(int index) {
        return ShardFile.name(index);
    }

    /**
     * The sha256 of shard {@code index} in {@code dir} if the file there is finished and correct for this plan
     * (size, header, re-hashed content); null if it is missing or bad.
     */
    public String finishedSha(Path dir, int index) throws IOException {
        Path file = dir.resolve(ShardFile.name(index));
        if (ShardFile.check(file, layout(index), null, true) != null) {
            return null;
        }
        return ShardFile.storedSha(file);
    }

    /**
     * {@link #finishedSha(Path, int)} for a shard file opened elsewhere, e.g. through Hadoop's FileSystem by the
     * spark module: the same checks (the channel's size, header, re-hashed content) on any storage that can seek.
     * Reads the whole file; moves the channel's position.
     *
     * @return the sha256 in the file's trailer, or null if it is not a finished, correct shard {@code index}
     */
    public String finishedSha(SeekableByteChannel shard, int index) throws IOException {
        if (ShardFile.check(shard, layout(index), null, true) != null) {
            return null;
        }
        return ShardFile.storedSha(shard);
    }

    /**
     * What {@link #commit} checks of each shard, for a shard file opened elsewhere: its size and header (key,
     * index, layout) and, when {@code expectedSha} is not null, that its trailer records that sha256. The content is
     * not re-hashed, so this reads only the header and the trailer; with a null {@code expectedSha} it is a cheap
     * "is this shard {@code index} of this cache" test.
     *
     * @return null if the shard passes, otherwise why not (e.g. {@code size 1000 bytes, expected 5232})
     */
    public String problem(SeekableByteChannel shard, int index, String expectedSha) throws IOException {
        return ShardFile.check(shard, layout(index), expectedSha, false);
    }

    /** Starts writing shard {@code index} into {@code dir} (a temp file until {@link Writer#finish()}). */
    public Writer open(Path dir, int index) throws IOException {
        Files.createDirectories(dir);
        return new Writer(new ShardFile.Writer(dir.resolve(ShardFile.name(index)), layout(index)));
    }

    /**
     * Records the given finished shards (index → sha256, as {@link Writer#finish()} returned them) as the complete
     * manifest of {@code cache}, which must have this plan's key. Every shard is re-checked first.
     *
     * @throws IllegalStateException if a shard is missing, does not match, or the cache's key differs
     */
    public void commit(FeatureCache cache, Map<Integer, String> shas) throws IOException {
        Path dir = cache.directory();
        Manifest m = complete(cache, shas);
        for (Manifest.Shard s : m.shards) {
            String problem = ShardFile.check(dir.resolve(s.file), layout(s.index), s.sha256, false);
            if (problem != null) {
                throw new IllegalStateException("shard " + s.index + " in " + dir + ": " + problem);
            }
        }
        m.write(dir);
    }

    /**
     * The {@code manifest.json} bytes that {@link #commit} writes for these shards, for writers that keep the cache
     * on other storage (they check every shard with {@link #problem} and store these bytes as
     * {@code manifest.json}, {@link #MANIFEST_FILE}). Nothing is read or written here.
     *
     * @throws IllegalStateException if a shard's sha256 is missing or the cache's key differs from the plan's
     */
    public byte[] manifest(FeatureCache cache, Map<Integer, String> shas) throws IOException {
        return complete(cache, shas).toBytes();
    }

    private Manifest complete(FeatureCache cache, Map<Integer, String> shas) {
        if (!key.equals(cache.key())) {
            throw new IllegalStateException("shards were planned for cache key " + key + " but the cache's key is "
                    + cache.key());
        }
        CacheBuild build = new CacheBuild(cache);
        Manifest m = build.fresh();
        for (int i = 0; i < shards(); i++) {
            String sha = shas.get(i);
            if (sha == null) {
                throw new IllegalStateException("shard " + i + " of " + shards() + " was not written");
            }
            m.putShard(build.entryFor(i, layout(i), sha));
        }
        m.status = Manifest.COMPLETE;
        return m;
    }

    private ShardFile.Layout layout(int index) {
        checkIndex(index);
        return new ShardFile.Layout(ShardFile.keyBytes(key), index, firstRow(index), rowsIn(index), featureLength,
                numClasses, precision);
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= shards()) {
            throw new IllegalArgumentException("shard " + index + " out of range; the cache has " + shards()
                    + " shards");
        }
    }

    /** Writes one shard, row by row. */
    public static final class Writer implements AutoCloseable {
        private final ShardFile.Writer writer;

        private Writer(ShardFile.Writer writer) {
            this.writer = writer;
        }

        /** Appends one row: the features from {@code f[fOff..]}, the label vector from {@code y[yOff..]}. */
        public void append(float[] f, int fOff, float[] y, int yOff) throws IOException {
            writer.append(f, fOff, y, yOff);
        }

        /** Whether all the shard's rows are in. */
        public boolean isFull() {
            return writer.isFull();
        }

        /** Writes the trailer, syncs and renames into place; returns the sha256. */
        public String finish() throws IOException {
            return writer.finish();
        }

        @Override
        public void close() throws IOException {
            writer.close();
        }
    }
}
