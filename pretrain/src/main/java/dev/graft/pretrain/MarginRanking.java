package dev.graft.pretrain;

import dev.graft.transfer.tune.FineTuneConfig;
import dev.graft.pretrain.corrupt.Corruptor;
import dev.graft.pretrain.loss.LossMarginRanking;
import dev.graft.transfer.data.DataSource;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.Normalization;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Max-margin pretraining: a scorer (the {@link BaseNet} plus one linear unit) is trained so that
 * {@code score(good) >= score(bad) + margin} for real ("good") examples against corrupted ("bad") copies,
 * with the pairwise hinge loss {@link LossMarginRanking}; the scorer's lower layers are kept as the base.
 * <pre>{@code
 * Pretrained p = MarginRanking.builder(BaseNet.mlp(64, Activation.RELU, 128, 64)).margin(1.0)
 *     .corruptor(Corruptors.mask(0.3)).normalization(Normalization.scale(1 / 16.0))
 *     .training(FineTuneConfig.builder().epochs(20).build()).build().pretrain(DataSpec.load("digits"));
 * }</pre>
 */
public final class MarginRanking {
    private final BaseNet base;
    private final Corruptor corruptor;
    private final int copies;
    private final Normalization normalization;
    private final FineTuneConfig training;
    private final String name;
    private final double margin;

    private MarginRanking(Builder b) {
        this.base = b.base;
        this.corruptor = b.corruptor;
        this.copies = b.copies;
        this.normalization = b.normalization;
        this.training = b.training;
        this.name = b.name;
        this.margin = b.margin;
    }

    /** Starts a task that pretrains {@code base}. */
    public static Builder builder(BaseNet base) {
        return new Builder(base);
    }

    /**
     * Trains the scorer on {@code unlabelled} (its labels are ignored) and returns the base.
     *
     * @throws IllegalArgumentException if the data is empty or its examples do not fit the base
     */
    public Pretrained pretrain(DataSource unlabelled) {
        INDArray goods = Nets.loadAll(unlabelled, base, normalization);
        MultiLayerNetwork net = Nets.baseWithHead(base, training,
                new OutputLayer.Builder(new LossMarginRanking(margin)).nOut(1).activation(Activation.IDENTITY).build());
        double[] losses = GoodBad.train(net, goods, corruptor, copies, false, training, "margin ranking");
        String origin = "graft pretrain margin: ranking scorer (margin " + margin + ") on " + unlabelled.describe() + ", corruptor "
                + corruptor.describe() + ", " + copies + " bad per good, " + Nets.describe(training);
        GraftModel model = Nets.card(Nets.extractBase(base, net, training), base, normalization, name, origin,
                String.format(Locale.ROOT, "final ranking loss %.4f", losses[losses.length - 1]));
        return new Pretrained(model, List.of(losses));
    }

    /** Builder of {@link MarginRanking}; the corruptor, which makes the bad examples, is required. Validates in {@link #build()}. */
    public static final class Builder extends TaskBuilder<Builder> {
        private final BaseNet base;
        private int copies = 1;
        private double margin = 1.0;

        private Builder(BaseNet base) {
            super("margin-base");
            this.base = Objects.requireNonNull(base, "base");
        }

        /** Corrupted copies per real example, &ge; 1 (default 1). */
        public Builder copies(int copies) {
            this.copies = copies;
            return this;
        }

        /** How far good scores must lie above bad ones, &gt; 0 (default 1). */
        public Builder margin(double margin) {
            this.margin = margin;
            return this;
        }

        /** @throws IllegalArgumentException if no corruptor is set, copies &lt; 1 or margin &le; 0 */
        public MarginRanking build() {
            if (!(margin > 0) || Double.isInfinite(margin)) {
                throw new IllegalArgumentException("ranking margin must be a positive number, got " + margin);
            }
            if (corruptor == null) {
                throw new IllegalArgumentException("margin ranking needs a corruptor to make bad examples, e.g. Corruptors.mask(0.3)");
            }
            if (copies < 1) {
                throw new IllegalArgumentException("copies per example must be at least 1, got " + copies);
            }
            return new MarginRanking(this);
        }
    }
}
