package dev.graft.transfer.cache;

import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Makes a randomly changed copy of raw examples, for caching K augmented views of each example.
 *
 * <p>A {@link FeatureCache} calls it on raw batches (before the model card's normalization) with one
 * {@link Random} per example, seeded from (cache seed, view, example index). Example {@code i} must draw its
 * randomness from {@code randoms[i]} only, so every view is reproducible whatever the batch size and wherever
 * an interrupted build resumes. Implementations must not modify their input.
 */
public interface Augmenter {

    /**
     * A changed copy of {@code rawBatch}, same shape.
     *
     * @param rawBatch {@code [n, ...exampleShape]}
     * @param randoms  {@code n} generators, one per example, in batch order
     */
    INDArray augment(INDArray rawBatch, Random[] randoms);

    /** Identifies the augmentation and all its parameters (part of the cache key), e.g. {@code noise(sigma=0.5)}. */
    String fingerprint();
}
