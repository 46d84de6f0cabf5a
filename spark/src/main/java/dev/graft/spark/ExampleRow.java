package dev.graft.spark;

import dev.graft.transfer.data.DataSource;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * One raw example as it travels through Spark: unnormalized features (flattened in C order from the source's
 * example shape) and the one-hot label vector.
 *
 * @param features raw features, {@code product(exampleShape)} values
 * @param label    label vector (one-hot), {@code numClasses} values
 */
public record ExampleRow(float[] features, float[] label) implements Serializable {

    /**
     * All rows of a data source, in its order (reads the whole source on the driver: for tests and data that
     * fits one machine; large inputs should be built as an RDD of rows by the executors).
     */
    public static List<ExampleRow> listOf(DataSource source) {
        List<ExampleRow> rows = new ArrayList<>(source.size());
        DataSetIterator it = source.iterator(256);
        while (it.hasNext()) {
            DataSet ds = it.next();
            int n = (int) ds.getFeatures().size(0);
            float[] x = floats(ds.getFeatures());
            float[] y = floats(ds.getLabels());
            int fl = x.length / n;
            int cl = y.length / n;
            for (int i = 0; i < n; i++) {
                float[] xi = new float[fl];
                float[] yi = new float[cl];
                System.arraycopy(x, i * fl, xi, 0, fl);
                System.arraycopy(y, i * cl, yi, 0, cl);
                rows.add(new ExampleRow(xi, yi));
            }
        }
        return rows;
    }

    static float[] floats(INDArray a) {
        return a.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }
}
