package dev.graft.examples.bench;

import dev.graft.transfer.cache.Featurizer;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Features = raw input: isolates the feature cache's own cost from any network's. */
final class IdentityFeaturizer implements Featurizer {
    private final int width;

    IdentityFeaturizer(int width) {
        this.width = width;
    }

    @Override
    public INDArray featurize(INDArray rawBatch) {
        return rawBatch;
    }

    @Override
    public long[] featureShape() {
        return new long[] {width};
    }

    @Override
    public String fingerprint() {
        return "identity " + width;
    }

    @Override
    public String describe() {
        return "identity " + Arrays.toString(featureShape());
    }
}
