package dev.graft.transfer.cache;

import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Makes a randomly changed copy of raw examples, for caching K augmented views of each example.
 *
 * <p>A {@link FeatureCache} calls it one example at a time ({@code [1, ...exampleShape]}, raw, before the
 * model card's normalization) with a {@link Random} seeded from (cache seed, view, example index), so every
 * view is reproducible whatever the batch size and wherever an interrupted build resumes. Implementations must
 * draw all randomness from {@code random} and must not modify their input.
 */
public interface Augmenter {

    /** A changed copy of {@code rawExamples}, same shape. */
    INDArray augment(INDArray rawExamples, Random random);

    /** Identifies the augmentation and all its parameters (part of the cache key), e.g. {@code noise(sigma=0.5)}. */
    String fingerprint();
}
