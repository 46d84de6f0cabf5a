package dev.graft.transfer.tune;

import dev.graft.transfer.data.DataSource;
import dev.graft.zoo.GraftModel;
import java.util.List;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * A data source's batches with the model card's normalization applied, as new DataSets (the source's own are
 * never modified, so resetting and iterating again never normalizes twice).
 */
final class RawIterator implements DataSetIterator {
    private static final long serialVersionUID = 1L;
    private final transient GraftModel model;
    private final transient DataSource source;
    private final int batch;
    private transient DataSetIterator current;
    private DataSetPreProcessor pre;

    RawIterator(GraftModel model, DataSource source, int batch) {
        this.model = model;
        this.source = source;
        this.batch = batch;
        this.current = source.iterator(batch);
    }

    @Override
    public DataSet next(int num) {
        DataSet raw = current.next();
        DataSet ds = new DataSet(model.preprocess(raw.getFeatures()), raw.getLabels());
        if (pre != null) {
            pre.preProcess(ds);
        }
        return ds;
    }

    @Override
    public DataSet next() {
        return next(batch);
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
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return true;
    }

    @Override
    public void reset() {
        current = source.iterator(batch);
    }

    @Override
    public int batch() {
        return batch;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.pre = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return pre;
    }

    @Override
    public List<String> getLabels() {
        return source.labels();
    }
}
