package dev.graft.spark;

import dev.graft.transfer.cache.CacheShards;
import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.FiniteFeatures;
import dev.graft.zoo.GraftModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import scala.Tuple2;

/**
 * Builds a {@link FeatureCache} on Spark: the frozen part (the model's saved bytes and the cut) is broadcast,
 * the rows are numbered and range-partitioned so that every partition owns whole shards, each partition
 * featurizes its rows and writes its shards in the cache's own format ({@link CacheShards}), and the driver
 * then writes the one manifest. The result is an ordinary FeatureCache folder: {@link FeatureCache#iterator}
 * reads it and {@link FeatureCache#build()} reuses it.
 *
 * <p>Shards already finished for the same key are skipped, so a re-run does nothing and a killed run
 * resumes. Every forward pass sees the same batch as on one machine (rows {@code [kB, kB + B)} for the cache's
 * batch size B; a batch that straddles two partitions' shards is featurized by both, each keeping its own rows),
 * so the shards are byte-identical to {@link FeatureCache#build()}'s.
 *
 * <p>By default the cache is written to its own folder, which must then be visible to the driver and every executor
 * (a local folder on {@code local[N]}, a shared mount on a cluster); {@link Builder#location(CacheLocation)} writes it
 * to a Hadoop URI instead ({@code hdfs://}, {@code s3a://}, ...), through Hadoop's FileSystem.
 * <pre>{@code
 * FeatureCache cache = FeatureCache.builder(dir).featurizer(Featurizers.cut(model, "dense2")).source(data).build();
 * JavaRDD<ExampleRow> rows = sc.parallelize(ExampleRow.listOf(data), 4);
 * SparkCacheReport r = SparkFeatureCache.builder(sc, cache).model(model, "dense2").rows(rows).build().run();
 * }</pre>
 */
public final class SparkFeatureCache {
    private final JavaSparkContext sc;
    private final FeatureCache cache;
    private final GraftModel model;
    private final String cut;
    private final JavaRDD<ExampleRow> rows;
    private final int partitions;
    private final CacheLocation location;

    private SparkFeatureCache(Builder b) {
        this.sc = b.sc;
        this.cache = b.cache;
        this.model = b.model;
        this.cut = b.cut;
        this.rows = b.rows;
        this.partitions = b.partitions;
        this.location = b.location;
    }

    /** Starts a distributed build of {@code cache} (its featurizer, source, precision and shard size). */
    public static Builder builder(JavaSparkContext sc, FeatureCache cache) {
        return new Builder(sc, cache);
    }

    /**
     * Featurizes the shards that are not finished for this cache's key and writes the manifest.
     *
     * @throws IOException if the folder or Hadoop location cannot be read or written (the message names the path)
     * @throws IllegalStateException if the rows are fewer or more than the cache's source says
     * @throws IllegalArgumentException if no Hadoop FileSystem is known for the location's scheme
     */
    public SparkCacheReport run() throws IOException {
        long start = System.nanoTime();
        CacheShards plan = CacheShards.of(cache);
        int shards = plan.shards();
        List<Integer> needed = new ArrayList<>();
        try (ShardStore store = location.open(sc, cache)) {
            Map<Integer, String> shas = new TreeMap<>(store.finished(sc, plan));
            for (int s = 0; s < shards; s++) {
                if (!shas.containsKey(s)) {
                    needed.add(s);
                }
            }
            if (!needed.isEmpty()) {
                shas.putAll(featurize(store, plan, needed));
            }
            store.commit(cache, plan, shas);
        }
        return new SparkCacheReport(location.toString(), plan.key(), plan.rows(), shards, needed.size(),
                (System.nanoTime() - start) / 1e9);
    }

    /** Runs the Spark job that writes the {@code needed} shards; returns their sha256s. */
    private Map<Integer, String> featurize(ShardStore store, CacheShards plan, List<Integer> needed)
            throws IOException {
        // the engine the cache's featurizer chose on the driver (part of the key) travels with the model
        FrozenPart frozen = FrozenPart.of(model, cut, cache.featurizer().engine().engine());
        if (!frozen.fingerprint().equals(cache.featurizer().fingerprint())) {
            throw new IllegalArgumentException("model cut at '" + cut + "' is not the cache's featurizer ("
                    + cache.featurizer().describe() + ")");
        }
        long count = rows.count();
        if (count != plan.rows()) {
            throw new IllegalStateException("the RDD has " + count + " rows but the cache's source "
                    + cache.source().describe() + " has " + plan.rows());
        }
        Broadcast<FrozenPart> bFrozen = sc.broadcast(frozen);
        ShardJob job = new ShardJob(plan, store, cache.source().exampleShape(), batchSizeOf(cache),
                needed, Math.max(1, Math.min(partitions, needed.size())));
        // Each row goes to every partition whose shards share the row's batch (a batch at a shard boundary
        // goes to both sides), keyed (partition << 40 | row) so that sorting orders rows within a partition.
        List<Tuple2<Integer, String>> written = rows.zipWithIndex()
                .flatMapToPair(t -> job.keys(t._2()).stream().map(k -> new Tuple2<>(k, t._1())).iterator())
                .repartitionAndSortWithinPartitions(job.partitioner())
                .mapPartitionsWithIndex((p, it) -> job.write(p, it, bFrozen.value()).iterator(), false)
                .collect();
        bFrozen.destroy();
        Map<Integer, String> shas = new TreeMap<>();
        for (Tuple2<Integer, String> w : written) {
            shas.put(w._1(), w._2());
        }
        return shas;
    }

    private static int batchSizeOf(FeatureCache cache) {
        return cache.batchSize();
    }

    /** The per-partition work, serialized to executors. */
    static final class ShardJob implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        private final CacheShards plan;
        private final ShardStore store;
        private final long[] exampleShape;
        private int batchSize;
        private final int[] partitionOfShard;
        private final int numPartitions;

        ShardJob(CacheShards plan, ShardStore store, long[] exampleShape, int batchSize, List<Integer> needed,
                int numPartitions) {
            this.plan = plan;
            this.store = store;
            this.exampleShape = exampleShape.clone();
            this.batchSize = batchSize;
            this.numPartitions = numPartitions;
            this.partitionOfShard = new int[plan.shards()];
            Arrays.fill(partitionOfShard, -1);
            for (int i = 0; i < needed.size(); i++) {
                // contiguous ranges of needed shards per partition
                partitionOfShard[needed.get(i)] = (int) ((long) i * numPartitions / needed.size());
            }
        }

        /** Bits of a key that hold the row; the partition is above them. */
        private static final int ROW_BITS = 40;

        /**
         * The keys of {@code row}: one per partition that featurizes the row's batch (rows {@code [kB, kB + B)},
         * exactly as {@code FeatureCache.build()} batches them), i.e. every partition owning a needed shard that the
         * batch overlaps. Empty when no needed shard overlaps the batch.
         */
        List<Long> keys(long row) {
            long first = row / batchSize * batchSize;
            long last = Math.min(first + batchSize, plan.rows()) - 1;
            List<Long> out = new ArrayList<>(2);
            for (long s = first / plan.shardRows(); s <= last / plan.shardRows(); s++) {
                int p = partitionOfShard[(int) s];
                long key = ((long) p << ROW_BITS) | row;
                if (p >= 0 && !out.contains(key)) {
                    out.add(key);
                }
            }
            return out;
        }

        Partitioner partitioner() {
            int n = numPartitions;
            return new Partitioner() {
                @Override
                public int numPartitions() {
                    return n;
                }

                @Override
                public int getPartition(Object key) {
                    return (int) ((Long) key >>> ROW_BITS);
                }
            };
        }

        /**
         * Featurizes partition {@code partition}'s rows (sorted by global row) batch by batch, as one machine would,
         * and writes the rows of the shards it owns; returns (shard, sha256).
         */
        List<Tuple2<Integer, String>> write(int partition, Iterator<Tuple2<Long, ExampleRow>> it, FrozenPart frozen)
                throws IOException {
            List<Tuple2<Integer, String>> done = new ArrayList<>();
            Path folder = store.stagingFolder();
            int fl = plan.featureLength();
            long rowMask = (1L << ROW_BITS) - 1;
            List<Tuple2<Long, ExampleRow>> batch = new ArrayList<>();
            CacheShards.Writer writer = null;
            int shard = -1;
            try {
                while (it.hasNext() || !batch.isEmpty()) {
                    Tuple2<Long, ExampleRow> next = null;
                    if (it.hasNext()) {
                        Tuple2<Long, ExampleRow> t = it.next();
                        next = new Tuple2<>(t._1() & rowMask, t._2());
                    }
                    boolean flush = next == null
                            || (!batch.isEmpty() && next._1() / batchSize != batch.get(0)._1() / batchSize);
                    if (flush) {
                        float[] features = featurize(frozen, batch);
                        for (int i = 0; i < batch.size(); i++) {
                            long row = batch.get(i)._1();
                            int s = (int) (row / plan.shardRows());
                            if (partitionOfShard[s] != partition) {
                                continue; // a neighbour's row, only here to complete the batch
                            }
                            if (writer == null) {
                                if (row != plan.firstRow(s)) {
                                    throw new IllegalStateException("partition starts shard " + s + " at row " + row);
                                }
                                writer = plan.open(folder, s);
                                shard = s;
                            }
                            writer.append(features, i * fl, batch.get(i)._2().label(), 0);
                            if (writer.isFull()) {
                                String sha = writer.finish();
                                writer.close();
                                writer = null;
                                store.publish(folder.resolve(CacheShards.fileName(shard)));
                                done.add(new Tuple2<>(shard, sha));
                            }
                        }
                        batch.clear();
                    }
                    if (next != null) {
                        batch.add(next);
                    }
                }
                if (writer != null) {
                    throw new IllegalStateException("shard " + shard + " ended early: rows are missing");
                }
                return done;
            } finally {
                if (writer != null) {
                    writer.close();
                }
                store.removeStaging(folder);
            }
        }

        private float[] featurize(FrozenPart frozen, List<Tuple2<Long, ExampleRow>> batch) {
            int n = batch.size();
            int inLength = batch.get(0)._2().features().length;
            float[] x = new float[n * inLength];
            for (int i = 0; i < n; i++) {
                float[] f = batch.get(i)._2().features();
                if (f.length != inLength) {
                    throw new IllegalStateException("row " + batch.get(i)._1() + " has " + f.length
                            + " features, expected " + inLength);
                }
                System.arraycopy(f, 0, x, i * inLength, inLength);
            }
            long[] shape = new long[exampleShape.length + 1];
            shape[0] = n;
            System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);
            INDArray out = frozen.featurizer().featurize(Nd4j.create(x, shape, 'c'));
            float[] features = ExampleRow.floats(out);
            int bad = FiniteFeatures.firstBad(features, plan.precision());
            if (bad >= 0) {
                int fl = features.length / n;
                throw FiniteFeatures.failure("row " + batch.get(bad / fl)._1() + " of the cache", features[bad], bad % fl,
                        frozen.featurizer(), plan.precision());
            }
            return features;
        }
    }

    /** Configures a {@link SparkFeatureCache}. */
    public static final class Builder {
        private final JavaSparkContext sc;
        private final FeatureCache cache;
        private GraftModel model;
        private String cut;
        private JavaRDD<ExampleRow> rows;
        private int partitions;
        private CacheLocation location;

        private Builder(JavaSparkContext sc, FeatureCache cache) {
            this.sc = sc;
            this.cache = cache;
        }

        /** The model whose part up to {@code cut} is the cache's featurizer (broadcast to executors). */
        public Builder model(GraftModel model, String cut) {
            this.model = model;
            this.cut = cut;
            return this;
        }

        /** The examples, in the cache source's order (the order is what row numbers follow). */
        public Builder rows(JavaRDD<ExampleRow> rows) {
            this.rows = rows;
            return this;
        }

        /** Partitions to featurize in (default: Spark's default parallelism); never more than the shards. */
        public Builder partitions(int partitions) {
            this.partitions = partitions;
            return this;
        }

        /**
         * Where the shards and the manifest go (default: the cache's own folder, {@code cache.directory()}). At a
         * Hadoop location ({@link CacheLocation#hadoop}) they are written through Hadoop's FileSystem and
         * {@code cache.directory()} is left alone ({@link CacheLocation#download} puts a verified copy there).
         */
        public Builder location(CacheLocation location) {
            this.location = location;
            return this;
        }

        /**
         * Checks the settings.
         *
         * @throws IllegalArgumentException if something is missing, or a local location is not the cache's folder
         */
        public SparkFeatureCache build() {
            if (sc == null || cache == null) {
                throw new IllegalArgumentException("a Spark feature cache needs a Spark context and a FeatureCache");
            }
            if (model == null || cut == null) {
                throw new IllegalArgumentException("a Spark feature cache needs model(model, cutLayer): the frozen "
                        + "part to broadcast");
            }
            if (rows == null) {
                throw new IllegalArgumentException("a Spark feature cache needs rows(rdd) of ExampleRow");
            }
            if (partitions < 0) {
                throw new IllegalArgumentException("partitions must be positive, got " + partitions);
            }
            if (partitions == 0) {
                partitions = sc.defaultParallelism();
            }
            if (location == null) {
                location = CacheLocation.local(cache.directory());
            }
            location.checkFor(cache);
            return new SparkFeatureCache(this);
        }
    }
}
