package dev.graft.transfer.tune;

import dev.graft.transfer.data.BatchIterator;
import dev.graft.transfer.data.DataSource;
import dev.graft.zoo.GraftModel;
import java.util.List;
import java.util.function.UnaryOperator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * A data source's batches with their features transformed (the model card's normalization, or the frozen ONNX part
 * below a network), as new DataSets: the source's own are never modified, so resetting and iterating again never
 * transforms twice.
 */
final class RawIterator extends BatchIterator {
    private static final long serialVersionUID = 1L;
    private final transient UnaryOperator<INDArray> transform;
    private final transient DataSource source;
    private final boolean async;
    private transient DataSetIterator current;

    /** The source's batches normalized as {@code model}'s card says, prefetched asynchronously. */
    RawIterator(GraftModel model, DataSource source, int batch) {
        this(source, batch, model::preprocess, true);
    }

    /** The source's batches with {@code transform} applied to the features; {@code async}: prefetch allowed. */
    RawIterator(DataSource source, int batch, UnaryOperator<INDArray> transform, boolean async) {
        super(batch);
        this.transform = transform;
        this.source = source;
        this.async = async;
        this.current = source.iterator(batch);
    }

    @Override
    protected DataSet nextBatch(int num) {
        DataSet raw = current.next();
        return new DataSet(transform.apply(raw.getFeatures()), raw.getLabels());
    }

    @Override
    public boolean hasNext() {
        return current.hasNext();
    }

    @Override
    public int inputColumns() {
        return -1;
    }

    @Override
    public int totalOutcomes() {
        return source.numClasses();
    }

    @Override
    public boolean asyncSupported() {
        return async;
    }

    @Override
    public void reset() {
        current = source.iterator(batch());
    }

    @Override
    public List<String> getLabels() {
        return source.labels();
    }
}
