package dev.graft.transfer.data;

import dev.graft.zoo.Checksums;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A data source that generates its rows on the fly (uniform values in {@code [0, scale)}, labels cycling through
 * the classes), so any size can be streamed without memory or files: for benchmarks and for showing that
 * caches build with constant heap. Row {@code i} depends only on the seed and {@code i}; the parts of a split
 * ({@link #split}) hold the generator rows they were given, generated the same way.
 */
public final class SyntheticSource implements DataSource {
    private final int size;
    private final long[] exampleShape;
    private final int numClasses;
    private final long seed;
    private final float scale;
    /** The generator rows this source holds, in order (a split's part), or {@code null} for rows {@code 0..size-1}. */
    private final int[] rows;
    private final String part;
    /** The split this set is the first part of, so that splitting it again can name that split's option. */
    private Splits.Earlier earlier;

    /**
     * @param size         number of examples
     * @param exampleShape shape of one example
     * @param numClasses   number of classes (labels are {@code i % numClasses})
     * @param seed         generator seed
     * @param scale        values are drawn from {@code [0, scale)}
     */
    public SyntheticSource(int size, long[] exampleShape, int numClasses, long seed, double scale) {
        if (size <= 0 || numClasses <= 0 || exampleShape.length == 0 || Arrays.stream(exampleShape).anyMatch(d -> d <= 0)) {
            throw new IllegalArgumentException("synthetic source needs a positive size, class count and shape, got size "
                    + size + ", " + numClasses + " classes, shape " + Arrays.toString(exampleShape));
        }
        this.size = size;
        this.exampleShape = exampleShape.clone();
        this.numClasses = numClasses;
        this.seed = seed;
        this.scale = (float) scale;
        this.rows = null;
        this.part = "";
    }

    private SyntheticSource(SyntheticSource all, int[] rows, String part) {
        this.size = rows.length;
        this.exampleShape = all.exampleShape;
        this.numClasses = all.numClasses;
        this.seed = all.seed;
        this.scale = all.scale;
        this.rows = rows;
        this.part = all.part + " " + part;
    }

    /** A digest of the generator rows a part holds. */
    private String rowsDigest() {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(rows.length * 4);
        b.asIntBuffer().put(rows);
        return Checksums.sha256(b.array());
    }

    /** The generator row of example {@code i}. */
    private int row(int i) {
        return rows == null ? i : rows[i];
    }

    @Override
    public String describe() {
        return "synthetic " + Arrays.toString(exampleShape) + " seed " + seed + part + " (" + size + " examples)";
    }

    @Override
    public String fingerprint() {
        return Checksums.sha256(("synthetic/1 " + size + " " + Arrays.toString(exampleShape) + " " + numClasses + " "
                + seed + " " + scale + (rows == null ? "" : " rows " + rowsDigest())).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public List<String> labels() {
        List<String> l = new ArrayList<>();
        for (int c = 0; c < numClasses; c++) {
            l.add("c" + c);
        }
        return l;
    }

    @Override
    public long[] exampleShape() {
        return exampleShape.clone();
    }

    /** Bytes of raw float32 data the source streams in total. */
    public long rawBytes() {
        return (long) size * Arrays.stream(exampleShape).reduce(1, (a, b) -> a * b) * 4;
    }

    @Override
    public DataSetIterator iterator(int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        int length = (int) Arrays.stream(exampleShape).reduce(1, (a, b) -> a * b);
        return new BatchIterator(batchSize) {
            private static final long serialVersionUID = 1L;
            private int next;

            @Override
            protected DataSet nextBatch(int num) {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int n = Math.min(num, size - next);
                float[] x = new float[n * length];
                float[] y = new float[n * numClasses];
                for (int i = 0; i < n; i++) {
                    int g = row(next + i);
                    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + g);
                    for (int j = 0; j < length; j++) {
                        x[i * length + j] = (float) r.nextDouble() * scale;
                    }
                    y[i * numClasses + g % numClasses] = 1f;
                }
                next += n;
                long[] shape = new long[exampleShape.length + 1];
                shape[0] = n;
                System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);
                return new DataSet(Nd4j.create(x, shape, 'c'), Nd4j.create(y, new long[] {n, numClasses}, 'c'));
            }

            @Override
            public boolean hasNext() {
                return next < size;
            }

            @Override
            public int inputColumns() {
                return length;
            }

            @Override
            public int totalOutcomes() {
                return numClasses;
            }

            @Override
            public void reset() {
                next = 0;
            }

            @Override
            public List<String> getLabels() {
                return labels();
            }
        };
    }

    @Override
    public Split<SyntheticSource> split(double fraction, long seed) {
        return split(fraction, seed, "the split fraction");
    }

    /** {@inheritDoc} Example {@code i}'s class is its generator row modulo the class count, as in the whole set. */
    @Override
    public Split<SyntheticSource> split(double fraction, long seed, String option) {
        int[] labels = new int[size];
        for (int i = 0; i < size; i++) {
            labels[i] = row(i) % numClasses;
        }
        boolean[] test = Splits.heldOut(labels, labels(), fraction, seed, describe(), option, earlier);
        int held = 0;
        for (boolean t : test) {
            held += t ? 1 : 0;
        }
        int[] a = new int[size - held];
        int[] b = new int[held];
        for (int i = 0, ia = 0, ib = 0; i < size; i++) {
            if (test[i]) {
                b[ib++] = row(i);
            } else {
                a[ia++] = row(i);
            }
        }
        String tag = Splits.tag(fraction, seed);
        SyntheticSource train = new SyntheticSource(this, a, tag + " train");
        train.earlier = new Splits.Earlier(option, fraction, Splits.counts(labels, numClasses));
        return new Split<>(train, new SyntheticSource(this, b, tag + " test"));
    }

    @Override
    public String toString() {
        return describe();
    }
}
