package dev.graft.transfer.cache;

import dev.graft.engine.ChannelsLast;
import dev.graft.engine.Engine;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import java.util.Arrays;
import java.util.Set;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** What MultiLayerNetwork and ComputationGraph featurizers share: normalization, shape probing, fingerprint memo. */
abstract class AbstractFeaturizer implements Featurizer {
    protected final GraftModel model;
    private long[] featureShape;
    private String fingerprint;
    private Model runNetwork;

    AbstractFeaturizer(GraftModel model) {
        this.model = model; // GraftModel attached the network's native helpers (Engine.attachHelpers)
    }

    /**
     * Runs the already-normalized batch to the cut, inference mode, on {@link #runNetwork()}. Input and output are
     * in the model's own layout whichever network runs.
     */
    protected abstract INDArray forward(INDArray normalized);

    /**
     * The network {@link #forward} runs: a channels-last inference copy ({@link ChannelsLast}) when DL4J's oneDNN
     * helpers are on, the input is an image batch and every layer can be converted; otherwise the model's own.
     * Decided once, on first use; the copy snapshots the parameters at that moment, like {@link #fingerprint()}.
     */
    protected final Model runNetwork() {
        synchronized (model.network()) {
            return chooseRunNetwork();
        }
    }

    private Model chooseRunNetwork() {
        if (runNetwork == null) {
            Model own = model.network();
            runNetwork = own;
            boolean wanted = Engine.settings().channelsLast() && model.card().layout() == InputLayout.NCHW && Engine.helpersAvailable();
            if (wanted) {
                Model copy = ChannelsLast.convert(own, keptVertices());
                if (copy != null) {
                    runNetwork = copy;
                }
            }
        }
        return runNetwork;
    }

    /** Graph vertices a channels-last copy must keep (the cut); empty for layer stacks. */
    protected Set<String> keptVertices() {
        return Set.of();
    }

    /** Whether {@link #runNetwork()} is a channels-last copy (then inputs are permuted to NHWC and back). */
    protected final boolean channelsLast() {
        return runNetwork() != model.network();
    }

    /** Input shape of one example when the card does not give one, or null if it cannot be told. */
    protected abstract long[] guessInputShape();

    /** Where the cut is, for fingerprints and descriptions. */
    protected abstract String cutPoint();

    /** Feeds the fingerprint with everything below the cut. */
    protected abstract void hashNetwork(NetworkFingerprint fp);

    /**
     * {@inheritDoc}
     *
     * <p>Featurizers of the same network run one batch at a time (they lock the network): DL4J layers and their
     * native helpers keep per-call state, and oneDNN's batch norm crashes the JVM when one layer runs in two threads.
     */
    @Override
    public INDArray featurize(INDArray rawBatch) {
        INDArray normalized = model.preprocess(rawBatch);
        INDArray out;
        synchronized (model.network()) {
            out = forward(normalized);
        }
        return out.dataType() == DataType.FLOAT ? out : out.castTo(DataType.FLOAT);
    }

    @Override
    public long[] featureShape() {
        synchronized (model.network()) {
            return probeFeatureShape();
        }
    }

    private long[] probeFeatureShape() {
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
