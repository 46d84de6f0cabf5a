package dev.graft.transfer.cache;

import dev.graft.engine.Engine;
import dev.graft.transfer.data.DataSource;
import dev.graft.zoo.Checksums;
import dev.graft.zoo.Progress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * The frozen part of a network run once over a data set, its outputs kept on disk.
 *
 * <p>Rows are stored in the source's order (example-major: with K views, example i's views are rows
 * {@code i*K .. i*K+K-1}) in fixed-size shards, each with a sha256, written to a temp name and renamed. A
 * manifest records the key — a sha256 over the featurizer's fingerprint (weights up to the cut, cut point, model
 * card preprocessing), the data source's fingerprint, the augmentation (augmenter, seed, views), the precision
 * and the shard size. {@link #build()} reuses a cache with the same key, rebuilds one whose key changed,
 * rebuilds only the shards that are corrupt or missing, and resumes a build that was killed. One process builds
 * at a time (file lock); others wait, then reuse its result. Building streams: heap use does not grow with the
 * data.
 * <pre>{@code
 * FeatureCache cache = FeatureCache.builder(Path.of("cache/digits"))
 *     .featurizer(Featurizers.cut(model, "dense2")).source(DataSpec.load("digits:5-9")).build();
 * CacheReport report = cache.build();
 * DataSetIterator train = cache.iterator(32, 42);   // reshuffled across shards every epoch
 * }</pre>
 */
public final class FeatureCache {

    private final Path directory;
    private final Featurizer featurizer;
    private final DataSource source;
    private final int shardRows;
    private final Precision precision;
    private final int batchSize;
    private final Progress progress;
    private final Augmenter augmenter;
    private final int augmentedViews;
    private final long augmentSeed;
    private final boolean keepOriginal;
    private final boolean verifyChecksums;
    private Map<String, String> components;
    private String key;

    private FeatureCache(Builder b) {
        this.directory = b.directory;
        this.featurizer = b.featurizer;
        this.source = b.source;
        this.shardRows = b.shardRows;
        this.precision = b.precision;
        this.batchSize = b.batchSize;
        this.progress = b.progress;
        this.augmenter = b.augmenter;
        this.augmentedViews = b.views;
        this.augmentSeed = b.seed;
        this.keepOriginal = b.keepOriginal;
        this.verifyChecksums = b.verifyChecksums;
    }

    /** Starts a cache kept in {@code directory} (one cache per folder). */
    public static Builder builder(Path directory) {
        return new Builder(directory);
    }

    /**
     * Makes sure the cache on disk is complete and matches this cache's key, featurizing whatever is missing.
     * Safe to call again (reuse), after a crash (resume), and from several processes at once (one builds).
     *
     * @return what was done
     * @throws IOException if the folder cannot be written, the disk is full, or the source misbehaves
     */
    public CacheReport build() throws IOException {
        return new CacheBuild(this).run();
    }

    /**
     * Checks, changing nothing, that {@link #directory()} holds this cache complete: a manifest with this key and a
     * finished build, and every shard with the size, header and sha256 the manifest records, re-hashed unless
     * {@link Builder#verifyChecksums(boolean) verifyChecksums(false)}. For a cache copied from elsewhere (the spark
     * module's Hadoop locations) before it is read; {@link #build()} instead repairs what it finds.
     *
     * @throws IllegalStateException naming the first problem (no manifest, another key, an unfinished build, or
     *                               the shard and what is wrong with it)
     * @throws IOException           if a file cannot be read
     */
    public void verify() throws IOException {
        new CacheBuild(this).verify();
    }

    /**
     * Iterates over the built cache as DataSets of float32 features {@code [b, ...featureShape()]} and the source's
     * label vectors.
     *
     * <p>With {@code shuffleSeed < 0} rows come in stored order, which is the source's order, so the batches equal
     * what the frozen network would produce from {@code source.iterator(batchSize)}. Otherwise every epoch
     * ({@link DataSetIterator#reset()}) draws a new permutation of all rows, across shards, from
     * {@code shuffleSeed} and the epoch number. Shards are memory-mapped and rows copied out per batch, so the heap
     * holds one batch whatever the cache's size (the OS page cache decides what stays in RAM).
     *
     * @throws IllegalStateException if the cache has not been built for this key
     */
    public DataSetIterator iterator(int batchSize, long shuffleSeed) throws IOException {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        return CacheIterator.open(this, batchSize, shuffleSeed);
    }

    /**
     * One pass over the built cache, as {@link #iterator(int, long)} would give it (same batches, same order for
     * the same seed), handed to {@code action} batch by batch in arrays that every batch reuses: a batch is only
     * valid during its call ({@code dup()} what you keep). For passes that use each batch once (training a
     * head, scoring, exporting); no new memory is allocated per batch.
     *
     * @throws IllegalStateException if the cache has not been built for this key
     */
    public void forEachBatch(int batchSize, long shuffleSeed, Consumer<DataSet> action) throws IOException {
        ((CacheIterator) iterator(batchSize, shuffleSeed)).visitRemaining(action);
    }

    /** Number of cached rows: examples × views per example. */
    public long size() {
        return (long) source.size() * viewsPerExample();
    }

    /** Number of source examples. */
    public int examples() {
        return source.size();
    }

    /** Rows stored per example: 1 without augmentation, else the augmented views (+1 with the original kept). */
    public int viewsPerExample() {
        return augmenter == null ? 1 : augmentedViews + (keepOriginal ? 1 : 0);
    }

    /** Shape of one row's features, without the batch dimension. */
    public long[] featureShape() {
        return featurizer.featureShape();
    }

    /** The source's class labels. */
    public List<String> labels() {
        return source.labels();
    }

    /** The folder the cache lives in. */
    public Path directory() {
        return directory;
    }

    /** The featurizer. */
    public Featurizer featurizer() {
        return featurizer;
    }

    /** The data source. */
    public DataSource source() {
        return source;
    }

    /** Storage precision. */
    public Precision precision() {
        return precision;
    }

    /** Rows per shard. */
    public int shardRows() {
        return shardRows;
    }

    /** The cache key: sha256 (hex) over {@link #keyComponents()}. */
    public synchronized String key() {
        if (key == null) {
            StringBuilder sb = new StringBuilder("graft-feature-cache/" + Manifest.FORMAT_VERSION);
            keyComponents().forEach((k, v) -> sb.append('\n').append(k).append('=').append(v));
            key = Checksums.sha256(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        return key;
    }

    /** What the key is made of, by name: featurizer, source, augmentation, precision, shardRows. */
    public synchronized Map<String, String> keyComponents() {
        if (components == null) {
            // a featurizer that chooses its engine (DL4J or ONNX Runtime) does so on the data's first batch: the
            // choice is part of its fingerprint, so it must be made before the key
            featurizer.chooseEngine(this::firstRawBatch);
            Map<String, String> c = new LinkedHashMap<>();
            c.put("featurizer", featurizer.fingerprint());
            c.put("source", source.fingerprint() + " size " + source.size());
            c.put("augmentation", augmentationDescription());
            c.put("precision", precision.name());
            c.put("shardRows", Integer.toString(shardRows));
            components = c;
        }
        return new LinkedHashMap<>(components);
    }

    private INDArray firstRawBatch() {
        DataSetIterator it = source.iterator(batchSize);
        if (!it.hasNext()) {
            throw new IllegalStateException("data source " + source.describe() + " says it has " + source.size()
                    + " examples but gave no batch");
        }
        return it.next().getFeatures();
    }

    String augmentationDescription() {
        if (augmenter == null) {
            return "none";
        }
        return augmenter.fingerprint() + " views " + augmentedViews + " seed " + augmentSeed
                + (keepOriginal ? " +original" : "");
    }

    /** Examples per forward pass while building (not part of the key). */
    public int batchSize() {
        return batchSize;
    }

    Progress progress() {
        return progress;
    }

    Augmenter augmenter() {
        return augmenter;
    }

    long augmentSeed() {
        return augmentSeed;
    }

    boolean keepOriginal() {
        return keepOriginal;
    }

    boolean verifyChecksums() {
        return verifyChecksums;
    }

    @Override
    public String toString() {
        return "FeatureCache[" + directory + ", " + featurizer.describe() + ", " + source.describe() + "]";
    }

    /** Configures a {@link FeatureCache}; {@link #build()} checks the settings. */
    public static final class Builder {
        private final Path directory;
        private Featurizer featurizer;
        private DataSource source;
        private int shardRows = 4096;
        private Precision precision = Precision.FLOAT32;
        private int batchSize = 64;
        private Progress progress = Progress.none();
        private Augmenter augmenter;
        private int views;
        private long seed;
        private boolean keepOriginal;
        private boolean verifyChecksums = true;

        private Builder(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
        }

        /** The frozen part to run (required). */
        public Builder featurizer(Featurizer featurizer) {
            this.featurizer = featurizer;
            return this;
        }

        /** The examples to featurize (required). */
        public Builder source(DataSource source) {
            this.source = source;
            return this;
        }

        /** Rows per shard file (default 4096). */
        public Builder shardRows(int shardRows) {
            this.shardRows = shardRows;
            return this;
        }

        /** Storage precision (default float32). */
        public Builder precision(Precision precision) {
            this.precision = precision;
            return this;
        }

        /** Examples per forward pass while building (default 64). Not part of the key. */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Where to report progress (default none). */
        public Builder progress(Progress progress) {
            this.progress = progress;
            return this;
        }

        /**
         * Caches {@code views} augmented views of every example instead of the example itself, each drawn with a
         * {@link java.util.Random} seeded from {@code seed}, the view and the example index.
         */
        public Builder augment(Augmenter augmenter, int views, long seed) {
            this.augmenter = augmenter;
            this.views = views;
            this.seed = seed;
            return this;
        }

        /** With augmentation, also store the unchanged example as view 0 (default false). */
        public Builder keepOriginal(boolean keepOriginal) {
            this.keepOriginal = keepOriginal;
            return this;
        }

        /**
         * Whether {@link FeatureCache#build()} re-hashes every existing shard to find corruption (default true);
         * without it only sizes, headers and recorded checksums are compared.
         */
        public Builder verifyChecksums(boolean verify) {
            this.verifyChecksums = verify;
            return this;
        }

        /**
         * Checks the settings and makes the cache object (nothing is read or written yet).
         *
         * @throws IllegalArgumentException if the featurizer or source is missing, or a number is out of range
         */
        public FeatureCache build() {
            if (featurizer == null) {
                throw new IllegalArgumentException("a feature cache needs a featurizer (Featurizers.cut(model, layer))");
            }
            if (source == null) {
                throw new IllegalArgumentException("a feature cache needs a data source");
            }
            if (shardRows <= 0) {
                throw new IllegalArgumentException("shard rows must be positive, got " + shardRows);
            }
            if (batchSize <= 0) {
                throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
            }
            if (precision == null || progress == null) {
                throw new IllegalArgumentException("precision and progress must not be null");
            }
            if (augmenter != null && views <= 0) {
                throw new IllegalArgumentException("augmentation needs at least 1 view, got " + views);
            }
            if (augmenter == null && keepOriginal) {
                throw new IllegalArgumentException("keepOriginal only applies with augment(...)");
            }
            if (source.size() <= 0) {
                throw new IllegalArgumentException("data source " + source.describe() + " is empty");
            }
            FeatureCache cache = new FeatureCache(this);
            long featureLength = 1;
            for (long d : cache.featureShape()) {
                featureLength *= d;
            }
            long shardBytes = ShardFile.fileBytes(shardRows, (int) Math.min(Integer.MAX_VALUE, featureLength),
                    source.numClasses(), precision);
            if (featureLength > Integer.MAX_VALUE / 4 || shardBytes > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("a shard of " + shardRows + " rows of " + featureLength
                        + " features would be " + shardBytes + " bytes, over the 2 GB a shard may have; lower shardRows");
            }
            return cache;
        }
    }
}
