package dev.graft.transfer.data;

import java.util.List;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * A labelled data set Graft can featurize and train on: raw (unnormalized) examples in a fixed order.
 *
 * <p>Implementations stream: {@link #iterator(int)} must not need the whole set in memory, so a feature
 * cache can be built from sources larger than the heap. The {@link #fingerprint()} identifies the
 * content (not the object), so a cache keyed on it is reused exactly when the data is the same.
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

    /** What reading the data skipped or assumed (a header line, unreadable files), one line each; empty if nothing. */
    default List<String> notes() {
        return List.of();
    }

    /** Number of classes. */
    default int numClasses() {
        return labels().size();
    }
}
