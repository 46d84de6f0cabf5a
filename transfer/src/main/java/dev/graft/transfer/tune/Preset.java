package dev.graft.transfer.tune;

import dev.graft.transfer.TransferPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.constraint.MaxNormConstraint;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.PReLULayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.L1Regularization;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * A named bundle of training choices from the deep-learning toolbox (initializer, activation, batch norm,
 * optimizer, learning-rate schedule, L1/L2, dropout, max-norm, gradient clipping, augmentation, early stopping).
 *
 * <p>Every setting is optional; {@link #then(Preset)} overlays one preset on another, so presets compose
 * ({@code practical,clip-norm,dropout}). Look presets up by name with {@link Presets#get(String)}.
 * Initializer, activation, batch norm and PReLU shape the hidden layers Graft adds on top; the rest configure
 * how the trainable layers learn.
 */
public final class Preset {
    private final String name;
    private final String description;
    private final WeightInit weightInit;
    private final Activation activation;
    private final Boolean prelu;
    private final Boolean batchNorm;
    private final IUpdater updater;
    private final ISchedule schedule;
    private final Plateau plateau;
    private final Double l1;
    private final Double l2;
    private final Double dropout;
    private final Double maxNorm;
    private final GradientNormalization clipping;
    private final Double clipThreshold;
    private final String augmentation;
    private final Integer augmentedViews;
    private final Integer patience;

    private Preset(Builder b) {
        this.name = b.name;
        this.description = b.description;
        this.weightInit = b.weightInit;
        this.activation = b.activation;
        this.prelu = b.prelu;
        this.batchNorm = b.batchNorm;
        this.updater = b.updater;
        this.schedule = b.schedule;
        this.plateau = b.plateau;
        this.l1 = b.l1;
        this.l2 = b.l2;
        this.dropout = b.dropout;
        this.maxNorm = b.maxNorm;
        this.clipping = b.clipping;
        this.clipThreshold = b.clipThreshold;
        this.augmentation = b.augmentation;
        this.augmentedViews = b.augmentedViews;
        this.patience = b.patience;
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
        b.updater = pick(over.updater, updater);
        b.schedule = pick(over.schedule, schedule);
        b.plateau = pick(over.plateau, plateau);
        b.l1 = pick(over.l1, l1);
        b.l2 = pick(over.l2, l2);
        b.dropout = pick(over.dropout, dropout);
        b.maxNorm = pick(over.maxNorm, maxNorm);
        b.clipping = pick(over.clipping, clipping);
        b.clipThreshold = pick(over.clipThreshold, clipThreshold);
        b.augmentation = pick(over.augmentation, augmentation);
        b.augmentedViews = pick(over.augmentedViews, augmentedViews);
        b.patience = pick(over.patience, patience);
        return b.build();
    }

    private static <T> T pick(T a, T b) {
        return a != null ? a : b;
    }

    /**
     * Configures one trainable layer: updater (with schedule), L1/L2 on weights, dropout on its input,
     * max-norm on its weights, gradient clipping. Settings the preset leaves unset are not touched.
     */
    public void applyTo(Layer layer) {
        if (dropout != null) {
            layer.setIDropout(dropout > 0 ? new Dropout(1.0 - dropout) : null);
        }
        if (maxNorm != null) {
            layer.setConstraints(new ArrayList<>(List.of(new MaxNormConstraint(maxNorm, 1))));
        }
        if (!(layer instanceof BaseLayer)) {
            return;
        }
        BaseLayer b = (BaseLayer) layer;
        if (updater != null) {
            IUpdater u = updater.clone();
            if (schedule != null) {
                u.setLrAndSchedule(Double.NaN, schedule.clone());
            }
            b.setIUpdater(u);
            b.setBiasUpdater(null);
        }
        if (l1 != null || l2 != null) {
            List<Regularization> regs = new ArrayList<>();
            if (l1 != null && l1 > 0) {
                regs.add(new L1Regularization(l1));
            }
            if (l2 != null && l2 > 0) {
                regs.add(new L2Regularization(l2));
            }
            b.setRegularization(regs);
        }
        if (clipping != null) {
            b.setGradientNormalization(clipping);
            b.setGradientNormalizationThreshold(clipThreshold != null ? clipThreshold : 1.0);
        }
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

    /** The optimizer, or null. */
    public IUpdater updater() {
        return updater;
    }

    /** The learning-rate schedule, or null. */
    public ISchedule schedule() {
        return schedule;
    }

    /** Reduce-on-plateau settings, or null. */
    public Plateau plateau() {
        return plateau;
    }

    /** Augmentation spec for the feature cache's augmented views (see {@code Augmenters.parse}), or null. */
    public String augmentation() {
        return augmentation;
    }

    /** Augmented views per example when {@link #augmentation()} is set (default 4). */
    public int augmentedViews() {
        return augmentedViews == null ? 4 : augmentedViews;
    }

    /** Early-stopping patience in epochs, or null for the fine-tuner's default. */
    public Integer patience() {
        return patience;
    }

    /** L2 coefficient, or null. */
    public Double l2() {
        return l2;
    }

    /** Dropout rate (fraction dropped), or null. */
    public Double dropout() {
        return dropout;
    }

    @Override
    public String toString() {
        return name + ": " + description;
    }

    /** Reduce the learning rate by {@code factor} when validation loss has not improved for {@code patience} epochs. */
    public record Plateau(double factor, int patience) {
    }

    /** Builds a {@link Preset}. */
    public static final class Builder {
        private final String name;
        private String description = "";
        private WeightInit weightInit;
        private Activation activation;
        private Boolean prelu;
        private Boolean batchNorm;
        private IUpdater updater;
        private ISchedule schedule;
        private Plateau plateau;
        private Double l1;
        private Double l2;
        private Double dropout;
        private Double maxNorm;
        private GradientNormalization clipping;
        private Double clipThreshold;
        private String augmentation;
        private Integer augmentedViews;
        private Integer patience;

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

        /** The optimizer (its learning rate included). */
        public Builder updater(IUpdater u) {
            this.updater = u;
            return this;
        }

        /** A learning-rate schedule (needs an updater in the same or an earlier preset). */
        public Builder schedule(ISchedule s) {
            this.schedule = s;
            return this;
        }

        /** Reduce-on-plateau. */
        public Builder plateau(double factor, int patience) {
            this.plateau = new Plateau(factor, patience);
            return this;
        }

        /** L1 on weights. */
        public Builder l1(double v) {
            this.l1 = v;
            return this;
        }

        /** L2 on weights. */
        public Builder l2(double v) {
            this.l2 = v;
            return this;
        }

        /** Dropout rate on each trainable layer's input (fraction dropped, 0..1). */
        public Builder dropout(double rate) {
            if (rate < 0 || rate >= 1) {
                throw new IllegalArgumentException("dropout rate must be in [0, 1), got " + rate);
            }
            this.dropout = rate;
            return this;
        }

        /** Max-norm constraint on each output unit's incoming weights. */
        public Builder maxNorm(double v) {
            this.maxNorm = v;
            return this;
        }

        /** Gradient clipping: by element value or by norm, at {@code threshold}. */
        public Builder clipping(GradientNormalization g, double threshold) {
            this.clipping = g;
            this.clipThreshold = threshold;
            return this;
        }

        /** Augmented views in the feature cache: a spec such as {@code shift:1,noise:0.3}, and views per example. */
        public Builder augmentation(String spec, int views) {
            this.augmentation = spec;
            this.augmentedViews = views;
            return this;
        }

        /** Early-stopping patience in epochs. */
        public Builder patience(int epochs) {
            this.patience = epochs;
            return this;
        }

        /** The preset. */
        public Preset build() {
            return new Preset(this);
        }
    }
}
