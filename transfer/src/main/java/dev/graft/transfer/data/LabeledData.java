package dev.graft.transfer.data;

import dev.graft.zoo.Checksums;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An in-memory labelled data set: raw float features {@code [n, ...exampleShape]} and integer labels.
 *
 * <p>Immutable. Selection methods return new sets and keep a readable description, so a table can say
 * exactly which examples were used ({@code digits:5-9 train, 20/class seed 1}).
 */
public final class LabeledData implements DataSource {
    private final INDArray features;
    private final int[] labels;
    private final List<String> labelNames;
    private final String description;
    private final List<String> notes;
    /** The split this set is the training part of, so that splitting it again can name that split's option. */
    private final Splits.Earlier earlier;
    private String fingerprint;

    /**
     * Creates a data set.
     *
     * @param features   raw features, first dimension = examples
     * @param labels     label index per example, each in {@code [0, labelNames.size())}
     * @param labelNames class names in label-index order
     * @param description how this set was made, for reports
     */
    public LabeledData(INDArray features, int[] labels, List<String> labelNames, String description) {
        this(features, labels, labelNames, description, List.of());
    }

    /**
     * Creates a data set with notes on how it was read (e.g. a skipped header line), said once by the CLI.
     *
     * @param notes one line each; not carried into subsets
     */
    public LabeledData(INDArray features, int[] labels, List<String> labelNames, String description, List<String> notes) {
        this(features, labels, labelNames, description, notes, null);
    }

    private LabeledData(INDArray features, int[] labels, List<String> labelNames, String description, List<String> notes,
            Splits.Earlier earlier) {
        if (features.rank() < 2) {
            throw new IllegalArgumentException("features need a batch dimension and at least one feature dimension, got shape "
                    + Arrays.toString(features.shape()));
        }
        if (features.size(0) != labels.length) {
            throw new IllegalArgumentException("features have " + features.size(0) + " examples but there are "
                    + labels.length + " labels");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= labelNames.size()) {
                throw new IllegalArgumentException("label " + labels[i] + " of example " + i + " is outside 0.."
                        + (labelNames.size() - 1));
            }
        }
        this.features = features.castTo(DataType.FLOAT);
        this.labels = labels.clone();
        this.labelNames = List.copyOf(labelNames);
        this.description = description;
        this.notes = List.copyOf(notes);
        this.earlier = earlier;
    }

    @Override
    public List<String> notes() {
        return notes;
    }

    @Override
    public String describe() {
        return description + " (" + size() + " examples)";
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public List<String> labels() {
        return labelNames;
    }

    @Override
    public long[] exampleShape() {
        return Arrays.copyOfRange(features.shape(), 1, features.rank());
    }

    /** Raw features, {@code [n, ...exampleShape]} (a view: do not modify). */
    public INDArray features() {
        return features;
    }

    /** Label index per example (a copy). */
    public int[] labelIndices() {
        return labels.clone();
    }

    /** One-hot labels, {@code [n, numClasses]}. */
    public INDArray oneHotLabels() {
        INDArray y = Nd4j.zeros(DataType.FLOAT, labels.length, labelNames.size());
        for (int i = 0; i < labels.length; i++) {
            y.putScalar(i, labels[i], 1f);
        }
        return y;
    }

    /** The whole set as one DataSet of raw features and one-hot labels. */
    public DataSet toDataSet() {
        return new DataSet(features.dup(), oneHotLabels());
    }

    @Override
    public DataSetIterator iterator(int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        List<DataSet> batches = new ArrayList<>();
        INDArray y = oneHotLabels();
        for (int start = 0; start < size(); start += batchSize) {
            int end = Math.min(size(), start + batchSize);
            batches.add(new DataSet(rows(features, start, end), rows(y, start, end)));
        }
        return new ListDataSetIterator<>(batches, 1);
    }

    private static INDArray rows(INDArray a, int start, int end) {
        return a.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, end)).dup();
    }

    /** The examples at the given indices, in that order. */
    public LabeledData subset(int[] indices, String what) {
        INDArray f = Nd4j.pullRows(features.reshape(size(), -1), 1, indices)
                .reshape(concat(indices.length, exampleShape()));
        int[] l = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            l[i] = labels[indices[i]];
        }
        return new LabeledData(f, l, labelNames, description + " " + what);
    }

    private static long[] concat(long first, long[] rest) {
        long[] s = new long[rest.length + 1];
        s[0] = first;
        System.arraycopy(rest, 0, s, 1, rest.length);
        return s;
    }

    /**
     * Keeps only the given classes, renumbering them 0..k-1 in the order given; the reading notes are kept.
     *
     * @param classNames names of the classes to keep
     */
    public LabeledData selectClasses(List<String> classNames) {
        int[] map = new int[labelNames.size()];
        Arrays.fill(map, -1);
        for (int k = 0; k < classNames.size(); k++) {
            int idx = labelNames.indexOf(classNames.get(k));
            if (idx < 0) {
                throw new DataSpecException("class '" + classNames.get(k) + "' is not in " + description
                        + "; its classes are " + String.join(", ", labelNames));
            }
            map[idx] = k;
        }
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            if (map[labels[i]] >= 0) {
                keep.add(i);
            }
        }
        int[] idx = keep.stream().mapToInt(Integer::intValue).toArray();
        INDArray f = Nd4j.pullRows(features.reshape(size(), -1), 1, idx).reshape(concat(idx.length, exampleShape()));
        int[] l = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            l[i] = map[labels[idx[i]]];
        }
        // the notes say how the file was read (a skipped header), which holds for its classes too
        return new LabeledData(f, l, classNames, description + " classes " + String.join(",", classNames), notes);
    }

    @Override
    public Split<LabeledData> split(double fraction, long seed) {
        return split(fraction, seed, "the split fraction");
    }

    @Override
    public Split<LabeledData> split(double fraction, long seed, String option) {
        boolean[] test = Splits.heldOut(labels, labelNames, fraction, seed, description, option, earlier);
        List<Integer> a = new ArrayList<>();
        List<Integer> b = new ArrayList<>();
        for (int i = 0; i < size(); i++) {
            (test[i] ? b : a).add(i);
        }
        String tag = Splits.tag(fraction, seed);
        LabeledData train = subset(toArray(a), tag + " train");
        train = new LabeledData(train.features, train.labels, labelNames, train.description, List.of(),
                new Splits.Earlier(option, fraction, Splits.counts(labels, numClasses())));
        return new Split<>(train, subset(toArray(b), tag + " test"));
    }

    /** This set itself: it is in memory already. */
    @Override
    public LabeledData inMemory() {
        return this;
    }

    /**
     * Samples {@code perClass} examples of every class with {@code seed}; the result is ordered by class,
     * then by original position.
     *
     * @throws DataSpecException if a class has fewer than {@code perClass} examples
     */
    public LabeledData samplePerClass(int perClass, long seed) {
        if (perClass <= 0) {
            throw new DataSpecException("examples per class must be positive, got " + perClass);
        }
        Random rnd = new Random(seed);
        List<Integer> chosen = new ArrayList<>();
        for (int c = 0; c < numClasses(); c++) {
            List<Integer> members = indicesOf(c);
            if (members.size() < perClass) {
                throw new DataSpecException("class '" + labelNames.get(c) + "' has only " + members.size()
                        + " examples in " + description + ", fewer than the " + perClass + " per class asked for");
            }
            java.util.Collections.shuffle(members, rnd);
            List<Integer> pick = new ArrayList<>(members.subList(0, perClass));
            java.util.Collections.sort(pick);
            chosen.addAll(pick);
        }
        return subset(toArray(chosen), perClass + "/class seed " + seed);
    }

    /** The same examples in an order shuffled with {@code seed}. */
    public LabeledData shuffled(long seed) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < size(); i++) {
            order.add(i);
        }
        java.util.Collections.shuffle(order, new Random(seed));
        return subset(toArray(order), "shuffled seed " + seed);
    }

    private List<Integer> indicesOf(int c) {
        List<Integer> members = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] == c) {
                members.add(i);
            }
        }
        return members;
    }

    private static int[] toArray(List<Integer> l) {
        return l.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Number of examples of each class. */
    public int[] classCounts() {
        int[] counts = new int[numClasses()];
        for (int l : labels) {
            counts[l]++;
        }
        return counts;
    }

    @Override
    public synchronized String fingerprint() {
        if (fingerprint == null) {
            MessageDigest md = Checksums.newSha256();
            float[] f = features.dup().data().asFloat();
            ByteBuffer buf = ByteBuffer.allocate(f.length * 4 + labels.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : f) {
                buf.putFloat(v);
            }
            for (int l : labels) {
                buf.putInt(l);
            }
            md.update(Arrays.toString(features.shape()).getBytes(StandardCharsets.UTF_8));
            md.update(buf.array());
            md.update(String.join("\u0000", labelNames).getBytes(StandardCharsets.UTF_8));
            fingerprint = Checksums.hex(md.digest());
        }
        return fingerprint;
    }

    @Override
    public String toString() {
        return describe();
    }
}
