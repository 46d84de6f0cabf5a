package dev.graft.transfer.data;

import dev.graft.zoo.Checksums;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One part of a split of a source that has no split of its own ({@link DataSource#split}'s default): the source's
 * examples at the part's positions, read by streaming the whole source and keeping those rows. Splitting reads the
 * source once for its labels.
 */
final class StreamedPart implements DataSource {
    private final DataSource whole;
    /** Whether each example of {@code whole} is in this part. */
    private final boolean[] in;
    /** The class of each example of this part, in order. */
    private final int[] labels;
    private final String tag;
    private final Splits.Earlier earlier;

    private StreamedPart(DataSource whole, boolean[] in, int[] labels, String tag, Splits.Earlier earlier) {
        this.whole = whole;
        this.in = in;
        this.labels = labels;
        this.tag = tag;
        this.earlier = earlier;
    }

    /** The split of {@code whole} the default {@link DataSource#split(double, long, String)} makes. */
    static Split<StreamedPart> split(DataSource whole, double fraction, long seed, String option, Splits.Earlier earlier) {
        int[] labels = labelsOf(whole);
        boolean[] test = Splits.heldOut(labels, whole.labels(), fraction, seed, whole.describe(), option, earlier);
        boolean[] train = new boolean[test.length];
        List<Integer> a = new ArrayList<>();
        List<Integer> b = new ArrayList<>();
        for (int i = 0; i < test.length; i++) {
            train[i] = !test[i];
            (test[i] ? b : a).add(labels[i]);
        }
        String tag = Splits.tag(fraction, seed);
        return new Split<>(
                new StreamedPart(whole, train, a.stream().mapToInt(Integer::intValue).toArray(), tag + " train",
                        new Splits.Earlier(option, fraction, Splits.counts(labels, whole.numClasses()))),
                new StreamedPart(whole, test, b.stream().mapToInt(Integer::intValue).toArray(), tag + " test", null));
    }

    /** The class of each example of a source, read in one pass. */
    private static int[] labelsOf(DataSource s) {
        int[] out = new int[s.size()];
        int i = 0;
        DataSetIterator it = s.iterator(Math.max(1, Math.min(s.size(), 256)));
        while (it.hasNext()) {
            INDArray best = it.next().getLabels().argMax(1);
            for (int r = 0; r < best.length(); r++) {
                out[i++] = best.getInt(r);
            }
        }
        if (i != out.length) {
            throw new IllegalStateException(s.describe() + " said it has " + out.length + " examples but iterated " + i);
        }
        return out;
    }

    @Override
    public Split<StreamedPart> split(double fraction, long seed, String option) {
        return split(this, fraction, seed, option, earlier);
    }

    @Override
    public String describe() {
        return whole.describe() + " " + tag + " (" + size() + " examples)";
    }

    @Override
    public String fingerprint() {
        java.security.MessageDigest md = Checksums.newSha256();
        md.update((whole.fingerprint() + " " + tag + "\n").getBytes(StandardCharsets.UTF_8));
        byte[] which = new byte[in.length];
        for (int i = 0; i < in.length; i++) {
            which[i] = (byte) (in[i] ? 1 : 0);
        }
        md.update(which);
        return Checksums.hex(md.digest());
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public List<String> labels() {
        return whole.labels();
    }

    @Override
    public long[] exampleShape() {
        return whole.exampleShape();
    }

    @Override
    public List<java.nio.file.Path> files() {
        List<java.nio.file.Path> all = whole.files();
        if (all.isEmpty()) {
            return all;
        }
        List<java.nio.file.Path> mine = new ArrayList<>();
        for (int i = 0; i < in.length; i++) {
            if (in[i]) {
                mine.add(all.get(i));
            }
        }
        return mine;
    }

    @Override
    public DataSetIterator iterator(int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        return new BatchIterator(batchSize) {
            private static final long serialVersionUID = 1L;
            private final DataSetIterator from = whole.iterator(batchSize);
            private DataSet current;
            private int row;
            private int position;
            private int emitted;

            @Override
            protected DataSet nextBatch(int num) {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                List<INDArray> xs = new ArrayList<>();
                List<INDArray> ys = new ArrayList<>();
                while (xs.size() < num && emitted < labels.length) {
                    if (current == null || row >= current.numExamples()) {
                        current = from.next();
                        row = 0;
                    }
                    if (in[position]) {
                        xs.add(current.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(row, row + 1)).dup());
                        ys.add(current.getLabels().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(row, row + 1)).dup());
                        emitted++;
                    }
                    row++;
                    position++;
                }
                return new DataSet(Nd4j.concat(0, xs.toArray(new INDArray[0])), Nd4j.concat(0, ys.toArray(new INDArray[0])));
            }

            @Override
            public boolean hasNext() {
                return emitted < labels.length;
            }

            @Override
            public int inputColumns() {
                return (int) Arrays.stream(exampleShape()).reduce(1, (p, q) -> p * q);
            }

            @Override
            public int totalOutcomes() {
                return numClasses();
            }

            @Override
            public void reset() {
                from.reset();
                current = null;
                row = 0;
                position = 0;
                emitted = 0;
            }

            @Override
            public List<String> getLabels() {
                return labels();
            }
        };
    }

    @Override
    public String toString() {
        return describe();
    }
}
