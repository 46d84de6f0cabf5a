package dev.graft.pretrain;

import dev.graft.transfer.cache.CacheReport;
import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.Precision;
import dev.graft.transfer.data.DataSource;
import dev.graft.zoo.Progress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * The codes of one layer's input over the unlabelled data, computed once by the frozen encoders below it
 * and kept in {@code transfer}'s feature cache (keyed on the encoders' weights, so a rerun with the same
 * encoders and data reuses the shards).
 */
final class LayerCodes {
    private final FeatureCache cache;
    private final CacheReport report;

    private LayerCodes(FeatureCache cache, CacheReport report) {
        this.cache = cache;
        this.report = report;
    }

    /** Featurizes {@code source} with {@code featurizer} into a cache under {@code dir}. */
    static LayerCodes build(EncoderFeaturizer featurizer, DataSource source, Path dir, int batchSize, Progress progress) {
        FeatureCache cache = FeatureCache.builder(dir).featurizer(featurizer).source(source)
                .precision(Precision.FLOAT32).batchSize(Math.max(batchSize, 64)).progress(progress).build();
        try {
            return new LayerCodes(cache, cache.build());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot cache the codes of " + featurizer.describe() + " in " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    /** How the cache build went (built, reused, repaired). */
    CacheReport report() {
        return report;
    }

    /** The codes in minibatches shuffled with {@code seed} (features = codes; labels are the source's, unused). */
    DataSetIterator iterator(int batchSize, long seed) {
        try {
            return cache.iterator(batchSize, seed);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read cached codes in " + cache.directory() + ": " + e.getMessage(), e);
        }
    }
}
