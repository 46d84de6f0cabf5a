package dev.graft.transfer.cache;

import java.util.function.Supplier;
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

    /**
     * The engine that runs the frozen part and why ({@link Featurizers#cut} featurizers choose between DL4J and ONNX
     * Runtime; see {@link dev.graft.engine.FeaturizeEngine}). Asking decides it if nothing has yet: on a probe batch
     * (seeded Gaussian inputs) when no batch has been featurized and {@link #chooseEngine} was not called.
     */
    default EngineChoice engine() {
        return EngineChoice.dl4j("featurizer " + getClass().getSimpleName() + " runs its own Java/DL4J code");
    }

    /**
     * Decides the engine on the data's first raw batch, if the featurizer chooses one and has not yet decided;
     * {@link FeatureCache} calls it before working out its key. The supplier is called only when a batch is needed.
     */
    default void chooseEngine(Supplier<INDArray> firstRawBatch) {
    }
}
