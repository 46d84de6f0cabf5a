package dev.graft.transfer.tune;

import dev.graft.transfer.TransferPlan;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.PReLULayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * A named bundle of choices from the deep-learning toolbox. Two halves: what shapes the hidden layers Graft adds
 * on top (initializer, activation, PReLU, batch norm: {@link #addHidden}), and a training half — overrides that
 * compose onto a {@link FineTuneConfig} (optimizer and rate, schedule, plateau, L1/L2, dropout, max-norm, clipping,
 * augmentation, early stopping: {@link #training(FineTuneConfig.Builder)}).
 *
 * <p>Every setting is optional; {@link #then(Preset)} overlays one preset on another, so presets compose
 * ({@code practical,clip-norm,dropout}). Look presets up by name with {@link Presets#get(String)}.
 * <pre>{@code
 * FineTuneConfig c = Presets.get("practical").training(FineTuneConfig.builder().epochs(20)).build();
 * }</pre>
 */
public final class Preset {
    private final String name;
    private final String description;
    private final WeightInit weightInit;
    private final Activation activation;
    private final Boolean prelu;
    private final Boolean batchNorm;
    private final UnaryOperator<FineTuneConfig.Builder> training;

    private Preset(Builder b) {
        this.name = b.name;
        this.description = b.description;
        this.weightInit = b.weightInit;
        this.activation = b.activation;
        this.prelu = b.prelu;
        this.batchNorm = b.batchNorm;
        this.training = b.training;
    }

    /** A builder for a preset called {@code name}. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** This preset with {@code over}'s settings on top (where {@code over} sets them). */
    public Preset then(Preset over) {
        Builder b = new Builder(name + "," + over.name);
        b.description = description + "; " + over.description;
        b.weightInit = pick(over.weightInit, weightInit);
        b.activation = pick(over.activation, activation);
        b.prelu = pick(over.prelu, prelu);
        b.batchNorm = pick(over.batchNorm, batchNorm);
        UnaryOperator<FineTuneConfig.Builder> mine = training;
        UnaryOperator<FineTuneConfig.Builder> theirs = over.training;
        b.training = c -> theirs.apply(mine.apply(c));
        return b.build();
    }

    private static <T> T pick(T a, T b) {
        return a != null ? a : b;
    }

    /**
     * Sets on {@code config} what this preset's training half sets (settings it leaves unset are not touched) and
     * returns it; settings made on the builder afterwards win over the preset's.
     */
    public FineTuneConfig.Builder training(FineTuneConfig.Builder config) {
        return training.apply(Objects.requireNonNull(config, "config"));
    }

    /** This preset's training half on the defaults ({@link FineTuneConfig#defaults()}). */
    public FineTuneConfig training() {
        return training(FineTuneConfig.builder()).build();
    }

    /** Whether the training half sets a learning rate or schedule (an optimizer brings its rate). */
    public boolean setsLearningRate() {
        FineTuneConfig c = training();
        return c.learningRate() != null || c.schedule() != null;
    }

    /**
     * Adds a hidden layer shaped by this preset to a plan: a dense layer of {@code width} units with the preset's
     * initializer and activation (He and ReLU where it sets none), then a PReLU and/or batch-norm layer if the
     * preset asks for them.
     */
    public TransferPlan.Builder addHidden(TransferPlan.Builder plan, String name, int width) {
        if (width <= 0) {
            throw new IllegalArgumentException("hidden layer '" + name + "' needs a positive width, got " + width);
        }
        WeightInit init = weightInit != null ? weightInit : WeightInit.RELU;
        Activation act = activation != null ? activation : Activation.RELU;
        plan.addDense(name, width, act, init);
        if (prelu()) {
            plan.addLayer(name + "_prelu", new PReLULayer.Builder().inputShape(width).name(name + "_prelu").build());
        }
        if (batchNorm()) {
            plan.addLayer(name + "_bn", new BatchNormalization.Builder().name(name + "_bn").build());
        }
        return plan;
    }

    /** Preset name (composed presets join their names with commas). */
    public String name() {
        return name;
    }

    /** What the preset does, in a sentence. */
    public String description() {
        return description;
    }

    /** Initializer for added layers, or null. */
    public WeightInit weightInit() {
        return weightInit;
    }

    /** Activation for added hidden layers, or null. */
    public Activation activation() {
        return activation;
    }

    /** True if added hidden layers are followed by a learned-slope PReLU layer. */
    public boolean prelu() {
        return Boolean.TRUE.equals(prelu);
    }

    /** True if added hidden layers are followed by batch normalization. */
    public boolean batchNorm() {
        return Boolean.TRUE.equals(batchNorm);
    }

    @Override
    public String toString() {
        return name + ": " + description;
    }

    /** Builds a {@link Preset}. */
    public static final class Builder {
        private final String name;
        private String description = "";
        private WeightInit weightInit;
        private Activation activation;
        private Boolean prelu;
        private Boolean batchNorm;
        private UnaryOperator<FineTuneConfig.Builder> training = c -> c;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        /** One sentence on what the preset does. */
        public Builder description(String d) {
            this.description = d;
            return this;
        }

        /** Initializer of added layers. */
        public Builder weightInit(WeightInit w) {
            this.weightInit = w;
            return this;
        }

        /** Activation of added hidden layers. */
        public Builder activation(Activation a) {
            this.activation = a;
            return this;
        }

        /** Follow added hidden layers with a PReLU layer (learned leak slope). */
        public Builder prelu(boolean p) {
            this.prelu = p;
            return this;
        }

        /** Follow added hidden layers with batch normalization. */
        public Builder batchNorm(boolean bn) {
            this.batchNorm = bn;
            return this;
        }

        /** The optimizer; its learning rate becomes the config's. */
        public Builder updater(IUpdater u) {
            return train(c -> u.hasLearningRate() ? c.updater(u).learningRate(u.getLearningRate(0, 0)) : c.updater(u));
        }

        /** A learning-rate schedule (needs an updater in the same or an earlier preset). */
        public Builder schedule(ISchedule s) {
            return train(c -> c.schedule(s));
        }

        /** Reduce-on-plateau. */
        public Builder plateau(double factor, int patience) {
            return train(c -> c.plateau(factor, patience));
        }

        /** L1 on weights. */
        public Builder l1(double v) {
            return train(c -> c.l1(v));
        }

        /** L2 on weights. */
        public Builder l2(double v) {
            return train(c -> c.l2(v));
        }

        /** Dropout rate on each trainable layer's input (fraction dropped, 0..1). */
        public Builder dropout(double rate) {
            if (rate < 0 || rate >= 1) {
                throw new IllegalArgumentException("dropout rate must be in [0, 1), got " + rate);
            }
            return train(c -> c.dropout(rate));
        }

        /** Max-norm constraint on each output unit's incoming weights. */
        public Builder maxNorm(double v) {
            return train(c -> c.maxNorm(v));
        }

        /** Gradient clipping: by element value or by norm, at {@code threshold}. */
        public Builder clipping(GradientNormalization g, double threshold) {
            return train(c -> c.clipping(g, threshold));
        }

        /** Augmented views in the feature cache: a spec such as {@code shift:1,noise:0.3}, and views per example. */
        public Builder augmentation(String spec, int views) {
            return train(c -> c.augmentation(spec, views));
        }

        /** Early-stopping patience in epochs. */
        public Builder patience(int epochs) {
            return train(c -> c.patience(epochs));
        }

        /** Any other training setting, as an override of the {@link FineTuneConfig} the preset composes onto. */
        public Builder train(UnaryOperator<FineTuneConfig.Builder> override) {
            UnaryOperator<FineTuneConfig.Builder> before = training;
            training = c -> override.apply(before.apply(c));
            return this;
        }

        /** The preset. */
        public Preset build() {
            return new Preset(this);
        }
    }
}
