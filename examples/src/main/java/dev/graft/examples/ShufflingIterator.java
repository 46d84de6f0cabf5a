package dev.graft.examples;

import dev.graft.transfer.data.BatchIterator;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Mini-batches over an in-memory DataSet, reshuffled at the start of every epoch with a seeded generator,
 * so two runs with the same seed see the same batches in the same order. With {@code seed < 0} the order is fixed.
 */
final class ShufflingIterator extends BatchIterator {
    private static final long serialVersionUID = 1L;

    private final DataSet data;
    private final Random random;
    private final boolean shuffle;
    private int[] order;
    private int cursor;

    /**
     * @param data      the examples (features and labels)
     * @param batchSize examples per batch (the last batch of an epoch may be smaller)
     * @param seed      shuffle seed, or a negative number for the stored order
     */
    public ShufflingIterator(DataSet data, int batchSize, long seed) {
        super(batchSize);
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (data.numExamples() == 0) {
            throw new IllegalArgumentException("cannot iterate over an empty data set");
        }
        this.data = data;
        this.shuffle = seed >= 0;
        this.random = new Random(Math.max(seed, 0));
        reset();
    }

    @Override
    protected DataSet nextBatch(int num) {
        int end = Math.min(order.length, cursor + num);
        int[] idx = java.util.Arrays.copyOfRange(order, cursor, end);
        cursor = end;
        return new DataSet(rows(data.getFeatures(), idx), rows(data.getLabels(), idx));
    }

    private static INDArray rows(INDArray a, int[] idx) {
        if (a.rank() == 2) {
            return Nd4j.pullRows(a, 1, idx);
        }
        INDArray out = Nd4j.create(a.dataType(), concat(idx.length, a.shape()));
        for (int i = 0; i < idx.length; i++) {
            out.get(NDArrayIndex.point(i)).assign(a.get(NDArrayIndex.point(idx[i])));
        }
        return out;
    }

    private static long[] concat(int n, long[] shape) {
        long[] s = shape.clone();
        s[0] = n;
        return s;
    }

    @Override
    public int inputColumns() {
        return (int) data.getFeatures().size(1);
    }

    @Override
    public int totalOutcomes() {
        return (int) data.getLabels().size(1);
    }

    @Override
    public void reset() {
        int n = data.numExamples();
        order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            for (int i = n - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        cursor = 0;
    }

    @Override
    public List<String> getLabels() {
        return null;
    }

    @Override
    public boolean hasNext() {
        return cursor < order.length;
    }

}
