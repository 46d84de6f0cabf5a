package dev.graft.transfer.cache;

import dev.graft.zoo.GraftModel;
import dev.graft.zoo.ModelCard;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** What MultiLayerNetwork and ComputationGraph featurizers share: normalization, shape probing, fingerprint memo. */
abstract class AbstractFeaturizer implements Featurizer {
    protected final GraftModel model;
    private long[] featureShape;
    private String fingerprint;

    AbstractFeaturizer(GraftModel model) {
        this.model = model;
    }

    /** Runs the already-normalized batch to the cut, inference mode. */
    protected abstract INDArray forward(INDArray normalized);

    /** Input shape of one example when the card does not give one, or null if it cannot be told. */
    protected abstract long[] guessInputShape();

    /** Where the cut is, for fingerprints and descriptions. */
    protected abstract String cutPoint();

    /** Feeds the fingerprint with everything below the cut. */
    protected abstract void hashNetwork(NetworkFingerprint fp);

    @Override
    public INDArray featurize(INDArray rawBatch) {
        INDArray out = forward(model.preprocess(rawBatch));
        return out.dataType() == DataType.FLOAT ? out : out.castTo(DataType.FLOAT);
    }

    @Override
    public synchronized long[] featureShape() {
        if (featureShape == null) {
            long[] in = model.card().inputShape();
            if (in.length == 0) {
                in = guessInputShape();
            }
            if (in == null) {
                throw new IllegalStateException("model card of '" + model.card().name() + "' has no input shape, so the "
                        + "feature shape at " + cutPoint() + " cannot be worked out; give the card one "
                        + "(ModelCard.builder(...).input(layout, shape))");
            }
            long[] batch = new long[in.length + 1];
            batch[0] = 1;
            System.arraycopy(in, 0, batch, 1, in.length);
            INDArray out = forward(Nd4j.zeros(DataType.FLOAT, batch));
            featureShape = Arrays.copyOfRange(out.shape(), 1, out.rank());
        }
        return featureShape.clone();
    }

    @Override
    public synchronized String fingerprint() {
        if (fingerprint == null) {
            NetworkFingerprint fp = new NetworkFingerprint();
            fp.text("graft-featurizer/1");
            fp.text(cutPoint());
            ModelCard card = model.card();
            fp.text("normalization " + card.normalization().scale() + " " + Arrays.toString(card.normalization().mean())
                    + " " + Arrays.toString(card.normalization().std()));
            fp.text("layout " + card.layout() + " input " + Arrays.toString(card.inputShape()));
            hashNetwork(fp);
            fingerprint = fp.hex();
        }
        return fingerprint;
    }

    @Override
    public String describe() {
        return model.card().architecture() + " '" + model.card().name() + "' cut " + cutPoint() + " -> "
                + Arrays.toString(featureShape());
    }

    @Override
    public String toString() {
        return describe();
    }
}
