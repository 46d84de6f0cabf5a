package dev.graft.transfer.cache;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The frozen part of a network: turns raw examples into the features a new head trains on.
 *
 * <p>A featurizer applies the model card's normalization itself and runs in inference mode, so the same
 * raw batch always gives the same features. Its {@link #fingerprint()} identifies everything that decides
 * those features, which is what a {@link FeatureCache} is keyed on.
 * <pre>{@code
 * Featurizer f = Featurizers.cut(model, "dense2");
 * INDArray features = f.featurize(rawBatch);   // [batch, ...f.featureShape()]
 * }</pre>
 */
public interface Featurizer {

    /**
     * Normalizes a raw batch as the model card says and runs it through the frozen part, in inference mode.
     *
     * @param rawBatch {@code [batch, ...inputShape]}, unnormalized
     * @return the activations at the cut, {@code [batch, ...featureShape()]}, float
     */
    INDArray featurize(INDArray rawBatch);

    /** Shape of one example's features, without the batch dimension. */
    long[] featureShape();

    /**
     * sha256 (hex) over the parameters and inference-relevant configuration of every layer up to the cut,
     * the cut point, and the model card's normalization, layout and input shape.
     */
    String fingerprint();

    /** One line for reports, e.g. {@code mlp 'digits-0-4' cut after layer 2 'dense2' -> [100]}. */
    String describe();
}
