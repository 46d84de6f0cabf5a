package dev.graft.transfer.data;

import java.util.function.Consumer;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * The parts of a {@link DataSetIterator} that Graft's iterators share: a fixed batch size, {@code next()} as
 * {@code next(batch())}, an optional pre-processor applied to every batch, and reset supported without async
 * prefetch by default. Subclasses produce the batches ({@link #nextBatch(int)}) and say how to reset, where the
 * data ends and what it holds.
 *
 * @apiNote Internal: public only for Graft's own iterators (cache, tune, pretrain).
 */
public abstract class BatchIterator implements DataSetIterator {
    private static final long serialVersionUID = 1L;

    private final int batchSize;
    private DataSetPreProcessor preProcessor;

    /** @param batchSize the examples per batch that {@link #next()} asks for */
    protected BatchIterator(int batchSize) {
        this.batchSize = batchSize;
    }

    /**
     * The next batch of up to {@code num} examples, before the pre-processor.
     *
     * @param num the examples wanted
     * @return a new DataSet that the caller may modify
     */
    protected abstract DataSet nextBatch(int num);

    /** The next batch of up to {@code num} examples, with the pre-processor (if any) applied. */
    @Override
    public final DataSet next(int num) {
        DataSet ds = nextBatch(num);
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    @Override
    public final DataSet next() {
        return next(batchSize);
    }

    /**
     * Hands the rest of this pass's batches (of {@link #batch()} examples, the pre-processor applied) to
     * {@code action}, one at a time. Unlike {@link #next()}, a batch is only valid during its call: iterators that
     * can (the feature cache's) fill the same arrays for every batch, which saves allocating and first touching
     * new memory each time; {@code dup()} what you keep. This default takes the batches from {@link #next()}.
     */
    public void visitRemaining(Consumer<DataSet> action) {
        while (hasNext()) {
            action.accept(next());
        }
    }

    @Override
    public final int batch() {
        return batchSize;
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public final void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public final DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }
}
