package dev.graft.transfer.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A labelled data set Graft can featurize and train on: raw (unnormalized) examples in a fixed order. Get one from a
 * data spec with {@link DataSpec#source(String, dev.graft.zoo.ModelCard)}, or build one in memory with
 * {@link LabeledData}.
 *
 * <p>Implementations stream: {@link #iterator(int)} must not need the whole set in memory, so a feature
 * cache can be built from sources larger than the heap. The {@link #fingerprint()} identifies the
 * content (not the object), so a cache keyed on it is reused exactly when the data is the same.
 * Every source splits ({@link #split(double, long)}): stratified by class, deterministic by seed, into two disjoint
 * parts of the same kind of source.
 */
public interface DataSource {

    /** Human-readable description, e.g. {@code digits:5-9 (train, 100 examples)}. */
    String describe();

    /** Stable fingerprint (hex) of the examples, their labels and their order. */
    String fingerprint();

    /** Number of examples. */
    int size();

    /** Class labels, in label-index order. */
    List<String> labels();

    /** Shape of one raw example, without the batch dimension. */
    long[] exampleShape();

    /**
     * Iterates over the examples in their fixed order, as raw features and one-hot labels,
     * {@code batchSize} examples per DataSet (the last one may be smaller).
     */
    DataSetIterator iterator(int batchSize);

    /**
     * A stratified split: for each class, a {@code fraction} share of its examples (rounded) goes to the second part,
     * chosen with {@code seed}; the rest stay in the first, in their original order. The same fraction and seed always
     * give the same parts; the two parts are disjoint and together are this set. A share too small or too large for
     * the data is refused as {@link #split(double, long, String)} says, naming {@code --val-fraction}.
     *
     * @param fraction the held-out share, in (0, 1)
     * @param seed     chooses which examples are held out
     * @throws IllegalArgumentException if {@code fraction} is not in (0, 1)
     * @throws DataSpecException if the share would leave a class without examples in the first part, or hold out none
     */
    default Split<? extends DataSource> split(double fraction, long seed) {
        return split(fraction, seed, "the split fraction");
    }

    /**
     * The split {@link #split(double, long)} makes; a share that does not fit the data is refused naming
     * {@code option}, the setting the user can change ({@code --val-fraction}, {@code --test-fraction}), with a value
     * that fits. The first part remembers this split: when it is split again and that fails, the advice also names
     * this {@code option} (lowering {@code --test-fraction} leaves more for the validation split).
     *
     * <p>The default reads the source once for its labels and gives parts that stream the whole source, keeping their
     * rows; Graft's sources split without reading (by index, or by file for an image folder).
     *
     * @throws IllegalArgumentException if {@code fraction} is not in (0, 1)
     * @throws DataSpecException if the share would leave a class without examples in the first part, or hold out none
     */
    default Split<? extends DataSource> split(double fraction, long seed, String option) {
        // a source without a split of its own: its parts stream it and keep their rows (reading it once for labels)
        return StreamedPart.split(this, fraction, seed, option, null);
    }

    /** What reading the data skipped or assumed (a header line, unreadable files), one line each; empty if nothing. */
    default List<String> notes() {
        return List.of();
    }

    /** Number of classes. */
    default int numClasses() {
        return labels().size();
    }

    /**
     * The file each example was read from, in example order (an image folder's images), for naming examples in
     * output; empty when examples are not one file each (rows of a CSV file, generated data).
     */
    default List<Path> files() {
        return List.of();
    }

    /**
     * The whole set read into memory, as {@link LabeledData} (the same examples, labels, order and notes); a
     * {@link LabeledData} returns itself. For in-memory operations such as {@link LabeledData#samplePerClass}.
     *
     * @throws DataSpecException if the source has no examples
     */
    default LabeledData inMemory() {
        if (size() == 0) {
            throw new DataSpecException(describe() + " has no examples to read into memory");
        }
        List<INDArray> xs = new ArrayList<>();
        int[] y = new int[size()];
        int i = 0;
        DataSetIterator it = iterator(Math.max(1, Math.min(size(), 256)));
        while (it.hasNext()) {
            DataSet ds = it.next();
            xs.add(ds.getFeatures());
            INDArray best = ds.getLabels().argMax(1);
            for (int r = 0; r < ds.numExamples(); r++) {
                y[i++] = best.getInt(r);
            }
        }
        if (i != size()) {
            throw new IllegalStateException(describe() + " said it has " + size() + " examples but iterated " + i);
        }
        INDArray x = xs.size() == 1 ? xs.get(0) : Nd4j.concat(0, xs.toArray(new INDArray[0]));
        return new LabeledData(x, y, labels(), describe(), notes());
    }

    /**
     * Two disjoint parts of a data set, of the same kind as the set split.
     *
     * @param train the first part (the examples not held out)
     * @param test  the held-out part
     * @param <T>   the kind of source
     */
    record Split<T extends DataSource>(T train, T test) {
    }
}
