package dev.graft.transfer.data;

import dev.graft.zoo.Checksums;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A source with its classes numbered as a model's labels ({@link DataSpec.Options#cardLabels()}): the same examples
 * in the same order, each class of the data moved to its index in {@code labels} (a superset of the data's classes).
 */
final class Relabelled implements DataSource {
    private final DataSource data;
    private final List<String> labels;
    /** For each class of the data, its index in {@code labels}. */
    private final int[] index;

    Relabelled(DataSource data, List<String> labels) {
        this.data = data;
        this.labels = List.copyOf(labels);
        this.index = data.labels().stream().mapToInt(labels::indexOf).toArray();
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0) {
                throw new IllegalArgumentException("class '" + data.labels().get(i) + "' is not among " + labels);
            }
        }
    }

    @Override
    public String describe() {
        return data.describe();
    }

    @Override
    public String fingerprint() {
        return Checksums.sha256((data.fingerprint() + " labelled as " + String.join("\u0000", labels)).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public int size() {
        return data.size();
    }

    @Override
    public List<String> labels() {
        return labels;
    }

    @Override
    public long[] exampleShape() {
        return data.exampleShape();
    }

    @Override
    public List<String> notes() {
        return data.notes();
    }

    @Override
    public List<Path> files() {
        return data.files();
    }

    @Override
    public DataSetIterator iterator(int batchSize) {
        DataSetIterator in = data.iterator(batchSize);
        return new BatchIterator(batchSize) {
            private static final long serialVersionUID = 1L;

            @Override
            protected DataSet nextBatch(int num) {
                DataSet ds = in.next(num);
                INDArray from = ds.getLabels();
                INDArray to = Nd4j.zeros(DataType.FLOAT, from.rows(), labels.size());
                INDArray best = from.argMax(1);
                for (int r = 0; r < from.rows(); r++) {
                    to.putScalar(r, index[best.getInt(r)], 1f);
                }
                return new DataSet(ds.getFeatures(), to);
            }

            @Override
            public boolean hasNext() {
                return in.hasNext();
            }

            @Override
            public int inputColumns() {
                return in.inputColumns();
            }

            @Override
            public int totalOutcomes() {
                return labels.size();
            }

            @Override
            public void reset() {
                in.reset();
            }

            @Override
            public List<String> getLabels() {
                return labels;
            }
        };
    }

    @Override
    public Split<Relabelled> split(double fraction, long seed) {
        return split(fraction, seed, "the split fraction");
    }

    /** {@inheritDoc} The data's own split, each part numbered as the card's labels. */
    @Override
    public Split<Relabelled> split(double fraction, long seed, String option) {
        Split<? extends DataSource> s = data.split(fraction, seed, option);
        return new Split<>(new Relabelled(s.train(), labels), new Relabelled(s.test(), labels));
    }

    @Override
    public String toString() {
        return describe();
    }
}
