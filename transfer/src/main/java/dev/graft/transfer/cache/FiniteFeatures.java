package dev.graft.transfer.cache;

import dev.graft.transfer.data.DataSource;

/**
 * The check every featurizing run makes before it stores a batch: features must be finite. A base network that
 * overflows (DL4J's untrained zoo ResNet50 does on real images) or broken weights would otherwise be cached
 * silently and fail much later, in training, far from the cause.
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
        float limit = precision == Precision.FLOAT16 ? 65504f : Float.MAX_VALUE;
        for (int i = 0; i < features.length; i++) {
            float x = features[i];
            if (Float.isFinite(x) && Math.abs(x) > limit) {
                long example = firstExample + i / featureLength;
                throw new NonFiniteFeaturesException("the features of example " + example + " of " + source.describe()
                        + " at " + featurizer.describe() + " reach " + x + ", beyond float16's largest value 65504; "
                        + "build the cache with --precision float32");
            }
            if (!Float.isFinite(x)) {
                long example = firstExample + i / featureLength;
                throw new NonFiniteFeaturesException("the features of example " + example + " of " + source.describe()
                        + (view > 0 ? " (augmented view " + view + ")" : "") + " are not finite (" + x + " at feature "
                        + (i % featureLength) + ") at " + featurizer.describe()
                        + "; nothing was cached for it: the base's weights overflow or are broken for this input — "
                        + "check the model (an untrained network can overflow), its normalization, or cut lower");
            }
        }
    }

    /** Features that are NaN or infinite; the message names the example, the data and the cut. */
    public static final class NonFiniteFeaturesException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        NonFiniteFeaturesException(String message) {
            super(message);
        }
    }
}
