package dev.graft.transfer.tune;

import dev.graft.transfer.data.BatchIterator;
import dev.graft.transfer.data.DataSource;
import dev.graft.zoo.GraftModel;
import java.util.List;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * A data source's batches with the model card's normalization applied, as new DataSets (the source's own are
 * never modified, so resetting and iterating again never normalizes twice).
 */
final class RawIterator extends BatchIterator {
    private static final long serialVersionUID = 1L;
    private final transient GraftModel model;
    private final transient DataSource source;
    private transient DataSetIterator current;

    RawIterator(GraftModel model, DataSource source, int batch) {
        super(batch);
        this.model = model;
        this.source = source;
        this.current = source.iterator(batch);
    }

    @Override
    protected DataSet nextBatch(int num) {
        DataSet raw = current.next();
        return new DataSet(model.preprocess(raw.getFeatures()), raw.getLabels());
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
        return true;
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
