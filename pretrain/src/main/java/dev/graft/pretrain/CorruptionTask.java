package dev.graft.pretrain;

import dev.graft.transfer.tune.FineTuneConfig;
import dev.graft.pretrain.corrupt.Corruptor;
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
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Good/bad pretraining: real examples are "good", corrupted copies "bad"; a classifier learns to tell them
 * apart and its lower layers (the {@link BaseNet}) are kept as the base.
 * <pre>{@code
 * Pretrained p = CorruptionTask.builder(BaseNet.mlp(64, Activation.RELU, 128, 64))
 *     .corruptor(Corruptors.patchShuffle(1, 8, 8, 4)).normalization(Normalization.scale(1 / 16.0))
 *     .training(FineTuneConfig.builder().epochs(20).build()).build().pretrain(DataSpec.load("digits"));
 * }</pre>
 */
public final class CorruptionTask {
    private final BaseNet base;
    private final Corruptor corruptor;
    private final int copies;
    private final Normalization normalization;
    private final FineTuneConfig training;
    private final String name;

    private CorruptionTask(Builder b) {
        this.base = b.base;
        this.corruptor = b.corruptor;
        this.copies = b.copies;
        this.normalization = b.normalization;
        this.training = b.training;
        this.name = b.name;
    }

    /** Starts a task that pretrains {@code base}. */
    public static Builder builder(BaseNet base) {
        return new Builder(base);
    }

    /**
     * Trains the good/bad classifier on {@code unlabelled} (its labels are ignored) and returns the base.
     *
     * @throws IllegalArgumentException if the data is empty or its examples do not fit the base
     */
    public Pretrained pretrain(DataSource unlabelled) {
        INDArray goods = Nets.loadAll(unlabelled, base, normalization);
        MultiLayerNetwork net = Nets.baseWithHead(base, training,
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2).activation(Activation.SOFTMAX).build());
        double[] losses = GoodBad.train(net, goods, corruptor, copies, true, training, "corruption task (good/bad)");
        String origin = "graft pretrain corruption: good/bad classifier on " + unlabelled.describe() + ", corruptor "
                + corruptor.describe() + ", " + copies + " bad per good, " + Nets.describe(training);
        GraftModel model = Nets.card(Nets.extractBase(base, net, training), base, normalization, name, origin,
                String.format(Locale.ROOT, "final good/bad loss %.4f", losses[losses.length - 1]));
        return new Pretrained(model, List.of(losses));
    }

    /** Builder of {@link CorruptionTask}; the corruptor, which makes the bad examples, is required. Validates in {@link #build()}. */
    public static final class Builder extends TaskBuilder<Builder> {
        private final BaseNet base;
        private int copies = 1;

        private Builder(BaseNet base) {
            super("corruption-base");
            this.base = Objects.requireNonNull(base, "base");
        }

        /** Corrupted copies per real example, &ge; 1 (default 1). */
        public Builder copies(int copies) {
            this.copies = copies;
            return this;
        }

        /** @throws IllegalArgumentException if no corruptor is set or copies &lt; 1 */
        public CorruptionTask build() {
            if (corruptor == null) {
                throw new IllegalArgumentException("the corruption task needs a corruptor, e.g. Corruptors.mask(0.3)");
            }
            if (copies < 1) {
                throw new IllegalArgumentException("copies per example must be at least 1, got " + copies);
            }
            return new CorruptionTask(this);
        }
    }
}
