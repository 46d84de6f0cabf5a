package dev.graft.pretrain.corrupt;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Makes "bad" copies of examples for pretraining: noise, masks, shuffled patches, replaced words.
 *
 * <p>Corruptors are seeded and deterministic: the same batch and seed always give the same result, and the
 * input batch is never modified.
 * <pre>{@code
 * Corruptor c = Corruptors.parse("mask:0.3");
 * INDArray bad = c.corrupt(goodBatch, 42);
 * }</pre>
 */
public interface Corruptor {

    /**
     * Returns a corrupted copy of {@code batch} ({@code [n, ...]}, examples along the first axis).
     *
     * @param seed seed of the random choices; equal seeds give equal output
     * @throws IllegalArgumentException if the batch does not have the shape this corruptor works on
     */
    INDArray corrupt(INDArray batch, long seed);

    /** Short description with the settings, e.g. {@code mask(0.30)}; used in model cards. */
    String describe();
}
