package dev.graft.transfer.cache;

import dev.graft.transfer.data.BatchIterator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.function.Consumer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Batches from a built cache. Every shard is memory-mapped; each batch copies its rows out of the maps straight
 * into the batch's off-heap ND4J buffer, so memory holds one batch and the whole cache may be larger than RAM. With a seed, each epoch is a fresh
 * permutation of all rows across all shards (seeded by seed and epoch).
 */
final class CacheIterator extends BatchIterator {
    private static final long serialVersionUID = 1L;

    private final long seed;
    private final long[] featureShape;
    private final int featureLength;
    private final int numClasses;
    private final int shardRows;
    private final int rowBytes;
    private final Precision precision;
    private final List<String> labels;
    private final transient MappedByteBuffer[] maps;
    private final int rows;
    private int[] order;
    private int position;
    private int epoch;

    private CacheIterator(FeatureCache cache, Manifest m, MappedByteBuffer[] maps, int batchSize, long seed) {
        super(batchSize);
        this.seed = seed;
        this.featureShape = m.featureShape.clone();
        this.featureLength = (int) Arrays.stream(featureShape).reduce(1, (a, b) -> a * b);
        this.numClasses = m.labels.size();
        this.shardRows = m.shardRows;
        this.precision = Precision.valueOf(m.precision);
        this.rowBytes = ShardFile.rowBytes(featureLength, numClasses, precision);
        this.labels = List.copyOf(m.labels);
        this.maps = maps;
        this.rows = (int) m.rows;
        shuffle();
    }

    static CacheIterator open(FeatureCache cache, int batchSize, long seed) throws IOException {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            // shards are little-endian and rows are copied into ND4J's native-order buffers byte for byte
            throw new UnsupportedOperationException("feature cache reading needs a little-endian platform "
                    + "(x86-64, aarch64); this one is " + ByteOrder.nativeOrder());
        }
        Path dir = cache.directory();
        Manifest m = completeManifest(cache);
        if (m.rows > Integer.MAX_VALUE) {
            throw new IllegalStateException("feature cache in " + dir + " has " + m.rows + " rows; the iterator handles "
                    + "up to " + Integer.MAX_VALUE);
        }
        int shards = (int) ((m.rows + m.shardRows - 1) / m.shardRows);
        MappedByteBuffer[] maps = new MappedByteBuffer[shards];
        for (int i = 0; i < shards; i++) {
            Manifest.Shard s = m.shard(i);
            Path file = dir.resolve(ShardFile.name(i));
            if (s == null) {
                throw new IllegalStateException(notBuilt(dir) + " (shard " + i + " is not recorded)");
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                if (ch.size() != s.bytes) {
                    throw new IllegalStateException("feature cache shard " + file + " has " + ch.size() + " bytes, the "
                            + "manifest says " + s.bytes + "; call build() to repair it");
                }
                maps[i] = ch.map(FileChannel.MapMode.READ_ONLY, 0, s.bytes);
                maps[i].order(ByteOrder.LITTLE_ENDIAN);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new IllegalStateException("feature cache shard " + file + " is missing; call build() to repair it", e);
            }
        }
        return new CacheIterator(cache, m, maps, batchSize, seed);
    }

    /**
     * The manifest of {@code cache}'s folder if it records a complete build with the cache's key.
     *
     * @throws IllegalStateException saying what is missing (no manifest, another key, an unfinished build)
     */
    static Manifest completeManifest(FeatureCache cache) throws IOException {
        Manifest m = Manifest.read(cache.directory());
        if (m == null || !cache.key().equals(m.key)) {
            throw new IllegalStateException(notBuilt(cache.directory())
                    + (m == null ? " (no manifest)" : " (its key differs)"));
        }
        if (!Manifest.COMPLETE.equals(m.status)) {
            throw new IllegalStateException(notBuilt(cache.directory()) + " (its build is unfinished)");
        }
        return m;
    }

    private static String notBuilt(Path dir) {
        return "feature cache in " + dir + " is not built for this featurizer and data; call build() first";
    }

    private void shuffle() {
        if (seed < 0) {
            order = null;
            return;
        }
        if (order == null) {
            order = new int[rows];
        }
        for (int i = 0; i < rows; i++) {
            order[i] = i;
        }
        Random r = new Random(CacheBuild.seedFor(seed, -1, epoch));
        for (int i = rows - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    @Override
    public boolean hasNext() {
        return position < rows;
    }

    @Override
    protected DataSet nextBatch(int num) {
        if (!hasNext()) {
            throw new NoSuchElementException("feature cache iterator is at the end of the epoch; call reset()");
        }
        int b = Math.min(num, rows - position);
        DataSet batch = copyBatch(b, batchShape(b));
        position += b;
        return batch;
    }

    /** {@code [b, ...featureShape]}. */
    private long[] batchShape(int b) {
        long[] shape = new long[featureShape.length + 1];
        shape[0] = b;
        System.arraycopy(featureShape, 0, shape, 1, featureShape.length);
        return shape;
    }

    /**
     * The fast path: each row's bytes go straight from the memory map into the batch's off-heap buffer (one memcpy
     * per row for the features, one for the labels). float16 rows land in a HALF array that ND4J widens to float
     * natively. Measured in BENCHMARKS.md ("Feature cache"): several times the rate of decoding through a float[].
     */
    private DataSet copyBatch(int b, long[] shape) {
        DataType stored = precision == Precision.FLOAT32 ? DataType.FLOAT : DataType.HALF;
        INDArray features = Nd4j.createUninitialized(stored, shape, 'c');
        INDArray lab = Nd4j.createUninitialized(DataType.FLOAT, b, numClasses);
        copyRows(b, features, lab);
        return new DataSet(stored == DataType.FLOAT ? features : features.castTo(DataType.FLOAT), lab);
    }

    /** Copies the next {@code b} rows (from {@link #position}) into the first {@code b} rows of the arrays. */
    private void copyRows(int b, INDArray features, INDArray lab) {
        ByteBuffer fx = features.data().asNio();
        ByteBuffer ly = lab.data().asNio();
        int featureBytes = featureLength * precision.bytes();
        int labelBytes = numClasses * 4;
        for (int k = 0; k < b; k++) {
            int row = order == null ? position + k : order[position + k];
            ByteBuffer map = maps[row / shardRows];
            int offset = ShardFile.HEADER_BYTES + (row % shardRows) * rowBytes;
            fx.put(k * featureBytes, map, offset, featureBytes);
            ly.put(k * labelBytes, map, offset + featureBytes, labelBytes);
        }
    }

    /**
     * The rest of this epoch into one set of arrays that every batch reuses (float16 rows widened into them in
     * place); a short last batch is a view of their first rows. Saves the first touch of a fresh batch's pages:
     * BENCHMARKS.md, "cache read".
     */
    @Override
    public void visitRemaining(Consumer<DataSet> action) {
        int size = Math.max(1, Math.min(batch(), rows));
        long[] shape = batchShape(size);
        INDArray features = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
        INDArray half = precision == Precision.FLOAT32 ? null : Nd4j.createUninitialized(DataType.HALF, shape, 'c');
        INDArray lab = Nd4j.createUninitialized(DataType.FLOAT, size, numClasses);
        while (hasNext()) {
            int b = Math.min(size, rows - position);
            copyRows(b, half == null ? features : half, lab);
            if (half != null) {
                features.assign(half); // widened in place, no new array
            }
            position += b;
            DataSet ds = b == size ? new DataSet(features, lab)
                    : new DataSet(features.get(NDArrayIndex.interval(0, b)), lab.get(NDArrayIndex.interval(0, b)));
            if (getPreProcessor() != null) {
                getPreProcessor().preProcess(ds);
            }
            action.accept(ds);
        }
    }

    @Override
    public int inputColumns() {
        return featureLength;
    }

    @Override
    public int totalOutcomes() {
        return numClasses;
    }

    /** Starts the next epoch: back to the first row, and a new permutation when shuffling. */
    @Override
    public void reset() {
        position = 0;
        epoch++;
        shuffle();
    }

    @Override
    public List<String> getLabels() {
        return labels;
    }
}
