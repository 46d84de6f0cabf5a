package dev.graft.transfer.data;

import dev.graft.zoo.Normalization;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Per-feature standardization of tabular data, {@code x' = (x * scale - mean[j]) / std[j]}, with the statistics of a
 * training set — kept in the model card as its {@link Normalization}, so predicting applies exactly what training
 * applied (as with an image model's mean/std).
 * <pre>{@code
 * Normalization n = Standardization.fit(split.train(), card.normalization());
 * model = model.withCard(card.toBuilder().normalization(n).build());
 * }</pre>
 */
public final class Standardization {
    private Standardization() {
    }

    /**
     * The normalization that standardizes each feature of {@code train}, after the scale of {@code current}
     * (statistics in float64; a constant feature gets std 1, so it becomes 0 rather than NaN).
     *
     * @param train   flat examples {@code [n, features]}, at least 2 rows
     * @param current the card's normalization now; its scale is kept, its per-feature mean/std (if any) replaced
     * @throws DataSpecException if the examples are not flat feature vectors or there are fewer than 2
     */
    public static Normalization fit(DataSource train, Normalization current) {
        long[] shape = train.exampleShape();
        if (shape.length != 1) {
            throw new DataSpecException("--standardize is for tabular data (flat feature vectors); " + train.describe()
                    + " has examples of shape " + Arrays.toString(shape) + " — images use the model card's normalization");
        }
        if (train.size() < 2) {
            throw new DataSpecException("--standardize needs at least 2 training examples to estimate a spread, "
                    + train.describe() + " has " + train.size());
        }
        INDArray x = train.inMemory().features().castTo(DataType.DOUBLE).mul(current.scale());
        double[] mean = x.mean(0).toDoubleVector();
        double[] std = x.std(false, 0).toDoubleVector(); // population std, as scikit-learn's StandardScaler
        for (int j = 0; j < std.length; j++) {
            if (!(std[j] > 1e-12) || !Double.isFinite(std[j])) {
                std[j] = 1.0;
            }
        }
        return Normalization.of(current.scale(), mean, std);
    }
}
