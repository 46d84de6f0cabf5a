package dev.graft.transfer.cache;

import dev.graft.transfer.data.DataSource;

/**
 * The check every featurizing run makes before it stores a batch: features must be finite. A base network that
 * overflows (DL4J's untrained zoo ResNet50 does on real images) or broken weights would otherwise be cached
 * silently and fail much later, in training, far from the cause.
 *
 * @apiNote Internal: public only for the Spark module.
 */
public final class FiniteFeatures {
    private FiniteFeatures() {
    }

    /**
     * Throws if any value of a batch of features is NaN or infinite (or does not fit the precision), naming the first bad example and the cut.
     *
     * @param features      the batch's features, row after row
     * @param featureLength values per example
     * @param firstExample  index in the data source of the batch's first example
     * @param view          augmented view the batch holds (0 without augmentation)
     * @param precision     the cache's precision: float16 also refuses values beyond its range (they would be stored
     *                      as infinity)
     * @throws NonFiniteFeaturesException naming the data source, example, featurizer (model and cut layer) and value
     */
    public static void require(float[] features, int featureLength, long firstExample, int view, Featurizer featurizer,
                               DataSource source, Precision precision) {
        int i = firstBad(features, precision);
        if (i >= 0) {
            long example = firstExample + i / featureLength;
            throw failure("example " + example + " of " + source.describe() + (view > 0 ? " (augmented view " + view + ")" : ""),
                    features[i], i % featureLength, featurizer, precision);
        }
    }

    /**
     * Index of the first value that is NaN, infinite, or beyond the precision's range; -1 if there is none.
     */
    public static int firstBad(float[] features, Precision precision) {
        float limit = precision == Precision.FLOAT16 ? 65504f : Float.MAX_VALUE;
        for (int i = 0; i < features.length; i++) {
            float x = features[i];
            if (!Float.isFinite(x) || Math.abs(x) > limit) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The exception for a bad value found by {@link #firstBad}.
     *
     * @param what which example, e.g. {@code "example 17 of csv:train.csv"} or {@code "row 17 of the Spark input"}
     */
    public static NonFiniteFeaturesException failure(String what, float value, int feature, Featurizer featurizer,
                                                     Precision precision) {
        if (Float.isFinite(value)) {
            return new NonFiniteFeaturesException("the features of " + what + " at " + featurizer.describe() + " reach "
                    + value + ", beyond float16's largest value 65504; build the cache with --precision float32");
        }
        return new NonFiniteFeaturesException("the features of " + what + " are not finite (" + value + " at feature "
                + feature + ") at " + featurizer.describe() + "; nothing was cached for it: the base's weights overflow "
                + "or are broken for this input — check the model (an untrained network can overflow), its "
                + "normalization, or cut lower");
    }

    /** Features that are NaN or infinite; the message names the example, the data and the cut. */
    public static final class NonFiniteFeaturesException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        /** An exception with a one-line message. */
        public NonFiniteFeaturesException(String message) {
            super(message);
        }
    }
}
