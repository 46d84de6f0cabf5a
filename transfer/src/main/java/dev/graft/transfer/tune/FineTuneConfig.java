package dev.graft.transfer.tune;

import dev.graft.zoo.Progress;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * How training runs — the one place for epochs, batch size, seed, shuffling, the optimizer and its learning rate
 * (constant, scheduled, one-cycle or found by the LR range test), early stopping, restore-best, reduce-on-plateau,
 * per-layer rate factors, gradual unfreezing, cache augmentation and the regularization of the trainable layers.
 * {@link FineTuner} and the pretraining tasks read it; a {@link Preset}'s training half composes onto it.
 *
 * <pre>{@code
 * FineTuneConfig c = FineTuneConfig.builder().epochs(20).learningRate(1e-3).patience(5)
 *     .unfreeze(Unfreeze.top(2).epochs(3).rateFactor(0.1)).build();
 * }</pre>
 *
 * <p>The learning rate has one home: {@link #learningRate()} (or {@link #schedule()}; setting one clears the other,
 * so the last one set wins). An {@link #updater()} given without either contributes its own rate.
 */
public final class FineTuneConfig {
    private final int epochs;
    private final int batchSize;
    private final long seed;
    private final boolean shuffle;
    private final IUpdater updater;
    private final Double learningRate;
    private final ISchedule schedule;
    private final boolean oneCycle;
    private final boolean lrFind;
    private final Integer patience;
    private final boolean restoreBest;
    private final Plateau plateau;
    private final Map<String, Double> layerRates;
    private final UnfreezeSchedule unfreeze;
    private final String augmentation;
    private final int augmentedViews;
    private final Double l1;
    private final Double l2;
    private final Double dropout;
    private final Double maxNorm;
    private final GradientNormalization clipping;
    private final double clipThreshold;
    private final Progress progress;

    private FineTuneConfig(Builder b) {
        this.epochs = b.epochs;
        this.batchSize = b.batchSize;
        this.seed = b.seed;
        this.shuffle = b.shuffle;
        this.updater = b.updater == null ? null : b.updater.clone();
        Double rate = b.learningRate;
        if (rate == null && b.schedule == null && updater != null && updater.hasLearningRate()) {
            rate = updater.getLearningRate(0, 0);
        }
        this.learningRate = rate;
        this.schedule = b.schedule;
        this.oneCycle = b.oneCycle;
        this.lrFind = b.lrFind;
        this.patience = b.patience;
        this.restoreBest = b.restoreBest;
        this.plateau = b.plateau;
        this.layerRates = Map.copyOf(b.layerRates);
        this.unfreeze = b.unfreeze;
        this.augmentation = b.augmentation;
        this.augmentedViews = b.augmentedViews;
        this.l1 = b.l1;
        this.l2 = b.l2;
        this.dropout = b.dropout;
        this.maxNorm = b.maxNorm;
        this.clipping = b.clipping;
        this.clipThreshold = b.clipThreshold;
        this.progress = b.progress;
    }

    /** Defaults: 10 epochs, batch 32, seed 42, shuffled, the plan's optimizer and rate, restore-best, no unfreezing. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults ({@code builder().build()}). */
    public static FineTuneConfig defaults() {
        return builder().build();
    }

    /** A builder holding these values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.epochs = epochs;
        b.batchSize = batchSize;
        b.seed = seed;
        b.shuffle = shuffle;
        b.updater = updater;
        b.learningRate = schedule == null ? learningRate : null;
        b.schedule = schedule;
        b.oneCycle = oneCycle;
        b.lrFind = lrFind;
        b.patience = patience;
        b.restoreBest = restoreBest;
        b.plateau = plateau;
        b.layerRates.putAll(layerRates);
        b.unfreeze = unfreeze;
        b.augmentation = augmentation;
        b.augmentedViews = augmentedViews;
        b.l1 = l1;
        b.l2 = l2;
        b.dropout = dropout;
        b.maxNorm = maxNorm;
        b.clipping = clipping;
        b.clipThreshold = clipThreshold;
        b.progress = progress;
        return b;
    }

    /** Epochs of the first stage (the head; per layer for the layer-wise autoencoders). */
    public int epochs() {
        return epochs;
    }

    /** Examples per minibatch. */
    public int batchSize() {
        return batchSize;
    }

    /** Seed of shuffling, augmentation and (pretraining) weight initialization. */
    public long seed() {
        return seed;
    }

    /** Whether cached rows are reshuffled every epoch (false keeps the source order). */
    public boolean shuffle() {
        return shuffle;
    }

    /** The optimizer of the trainable layers, or null to keep the plan's. */
    public IUpdater updater() {
        return updater == null ? null : updater.clone();
    }

    /** The constant learning rate of the trainable layers, or null (the schedule's, or the plan's). */
    public Double learningRate() {
        return learningRate;
    }

    /** A learning-rate schedule instead of a constant rate, or null. */
    public ISchedule schedule() {
        return schedule == null ? null : schedule.clone();
    }

    /** Whether the head stage runs a one-cycle schedule peaking at the learning rate ({@link OneCycle}). */
    public boolean oneCycle() {
        return oneCycle;
    }

    /** Whether an LR range test ({@link LrFinder}) runs first and its suggestion becomes the rate. */
    public boolean lrFind() {
        return lrFind;
    }

    /** Epochs without improvement before a stage stops, or null (never). */
    public Integer patience() {
        return patience;
    }

    /** Whether the best epoch's weights are kept (false keeps the last epoch's). */
    public boolean restoreBest() {
        return restoreBest;
    }

    /** Reduce-on-plateau, or null. */
    public Plateau plateau() {
        return plateau;
    }

    /** Learning-rate factors of single trainable layers (× the base rate), by layer name. */
    public Map<String, Double> layerRates() {
        return layerRates;
    }

    /** Gradual unfreezing after the head stage. */
    public UnfreezeSchedule unfreeze() {
        return unfreeze;
    }

    /** Augmentation spec of the cache's extra views (see {@code Augmenters.parse}), or null for none. */
    public String augmentation() {
        return augmentation;
    }

    /** Augmented views per example when {@link #augmentation()} is set. */
    public int augmentedViews() {
        return augmentedViews;
    }

    /** L1 on the trainable layers' weights, or null to keep theirs. */
    public Double l1() {
        return l1;
    }

    /** L2 on the trainable layers' weights, or null to keep theirs. */
    public Double l2() {
        return l2;
    }

    /** Dropout (fraction dropped) on each trainable layer's input, or null to keep theirs. */
    public Double dropout() {
        return dropout;
    }

    /** Max-norm constraint on each trainable unit's incoming weights, or null. */
    public Double maxNorm() {
        return maxNorm;
    }

    /** Gradient clipping of the trainable layers, or null. */
    public GradientNormalization clipping() {
        return clipping;
    }

    /** Threshold of {@link #clipping()}. */
    public double clipThreshold() {
        return clipThreshold;
    }

    /** Where progress of featurizing and pretraining epochs goes. */
    public Progress progress() {
        return progress;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d epochs, batch %d, seed %d, lr %s%s%s%s", epochs, batchSize, seed,
                learningRate == null ? (schedule == null ? "the plan's" : "scheduled") : String.format(Locale.ROOT,
                "%.1e", learningRate), oneCycle ? ", one-cycle" : "", lrFind ? ", LR finder" : "",
                unfreeze.stages().isEmpty() ? "" : ", unfreeze " + unfreeze);
    }

    /** Multiply the learning rate by {@code factor} when the watched loss has not improved for {@code patience} epochs. */
    public record Plateau(double factor, int patience) {
    }

    /** Builds a {@link FineTuneConfig}; {@link #build()} checks the values. */
    public static final class Builder {
        private int epochs = 10;
        private int batchSize = 32;
        private long seed = 42;
        private boolean shuffle = true;
        private IUpdater updater;
        private Double learningRate;
        private ISchedule schedule;
        private boolean oneCycle;
        private boolean lrFind;
        private Integer patience;
        private boolean restoreBest = true;
        private Plateau plateau;
        private final Map<String, Double> layerRates = new LinkedHashMap<>();
        private UnfreezeSchedule unfreeze = UnfreezeSchedule.none();
        private String augmentation;
        private int augmentedViews = 4;
        private Double l1;
        private Double l2;
        private Double dropout;
        private Double maxNorm;
        private GradientNormalization clipping;
        private double clipThreshold = 1.0;
        private Progress progress = Progress.none();

        private Builder() {
        }

        /** Epochs of the first stage (default 10), at least 1. */
        public Builder epochs(int n) {
            this.epochs = n;
            return this;
        }

        /** Mini-batch size (default 32), at least 1. */
        public Builder batchSize(int n) {
            this.batchSize = n;
            return this;
        }

        /** Seed (default 42). */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** Reshuffle cached rows every epoch (default true). */
        public Builder shuffle(boolean s) {
            this.shuffle = s;
            return this;
        }

        /** The optimizer of the trainable layers; its own rate counts only when no rate or schedule is set. */
        public Builder updater(IUpdater u) {
            this.updater = u;
            return this;
        }

        /** A constant learning rate (clears a schedule set before). */
        public Builder learningRate(double lr) {
            this.learningRate = lr;
            this.schedule = null;
            return this;
        }

        /** A learning-rate schedule (clears a constant rate set before). */
        public Builder schedule(ISchedule s) {
            this.schedule = s;
            this.learningRate = null;
            return this;
        }

        /** One-cycle scheduling of the head stage, peaking at the rate (given, found, or the plan's). */
        public Builder oneCycle(boolean on) {
            this.oneCycle = on;
            return this;
        }

        /**
         * Run the LR range test first and train at its suggested rate, which replaces any {@link #learningRate} (a
         * preset's included; the command line refuses {@code --lr} with {@code --lr-find}).
         */
        public Builder lrFind(boolean on) {
            this.lrFind = on;
            return this;
        }

        /** Stop a stage after this many epochs without improvement (default: never). */
        public Builder patience(int epochs) {
            this.patience = epochs;
            return this;
        }

        /** Keep the best epoch's weights (default true); false keeps the last epoch's. */
        public Builder restoreBest(boolean on) {
            this.restoreBest = on;
            return this;
        }

        /** Reduce-on-plateau: multiply the rate by {@code factor} after {@code patience} epochs without improvement. */
        public Builder plateau(double factor, int patience) {
            this.plateau = new Plateau(factor, patience);
            return this;
        }

        /**
         * This trainable layer learns at {@code factor} × the base rate (for example a kept layer above the cut at
         * 0.1); unfreeze stages set their own factor for the layers they unfreeze.
         */
        public Builder layerRate(String layer, double factor) {
            layerRates.put(Objects.requireNonNull(layer, "layer"), factor);
            return this;
        }

        /** Gradual unfreezing after the head stage (default none). */
        public Builder unfreeze(UnfreezeSchedule s) {
            this.unfreeze = Objects.requireNonNull(s, "unfreeze schedule");
            return this;
        }

        /** Gradual unfreezing of these stages, in order ({@code Unfreeze.top(1).epochs(3).rateFactor(0.1)}). */
        public Builder unfreeze(Unfreeze... stages) {
            this.unfreeze = UnfreezeSchedule.of(stages);
            return this;
        }

        /** Augmented views in the feature cache: a spec such as {@code shift:1,noise:0.3}, and views per example. */
        public Builder augmentation(String spec, int views) {
            this.augmentation = spec;
            this.augmentedViews = views;
            return this;
        }

        /** L1 on the trainable layers' weights (0 removes it). */
        public Builder l1(double v) {
            this.l1 = v;
            return this;
        }

        /** L2 on the trainable layers' weights (0 removes it). */
        public Builder l2(double v) {
            this.l2 = v;
            return this;
        }

        /** Dropout rate on each trainable layer's input (fraction dropped, 0..1; 0 removes it). */
        public Builder dropout(double rate) {
            this.dropout = rate;
            return this;
        }

        /** Max-norm constraint on each trainable unit's incoming weights. */
        public Builder maxNorm(double v) {
            this.maxNorm = v;
            return this;
        }

        /** Gradient clipping of the trainable layers: by element value or by norm, at {@code threshold}. */
        public Builder clipping(GradientNormalization g, double threshold) {
            this.clipping = g;
            this.clipThreshold = threshold;
            return this;
        }

        /** Progress display of featurizing (and of pretraining epochs). */
        public Builder progress(Progress p) {
            this.progress = Objects.requireNonNull(p, "progress");
            return this;
        }

        /**
         * Checks the values.
         *
         * @throws IllegalArgumentException naming the setting, the value received and the range it must lie in
         */
        public FineTuneConfig build() {
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
            }
            if (patience != null && patience < 1) {
                throw new IllegalArgumentException("patience must be at least 1 epoch, got " + patience
                        + "; leave it unset to never stop early");
            }
            if (learningRate != null && (!(learningRate > 0) || learningRate.isInfinite())) {
                throw new IllegalArgumentException("learning rate must be a positive number, got " + learningRate);
            }
            if (plateau != null && (!(plateau.factor() > 0 && plateau.factor() < 1) || plateau.patience() < 1)) {
                throw new IllegalArgumentException("plateau needs 0 < factor < 1 and patience >= 1, got factor "
                        + plateau.factor() + " and patience " + plateau.patience());
            }
            for (Map.Entry<String, Double> e : layerRates.entrySet()) {
                if (!(e.getValue() > 0) || e.getValue().isInfinite()) {
                    throw new IllegalArgumentException("learning-rate factor of layer '" + e.getKey()
                            + "' must be positive, got " + e.getValue());
                }
            }
            if (augmentation != null && augmentedViews < 1) {
                throw new IllegalArgumentException("augmentation '" + augmentation + "' needs at least 1 view per "
                        + "example, got " + augmentedViews);
            }
            requireFraction("dropout", dropout);
            requireNonNegative("L1", l1);
            requireNonNegative("L2", l2);
            if (maxNorm != null && !(maxNorm > 0)) {
                throw new IllegalArgumentException("max-norm must be positive, got " + maxNorm);
            }
            if (clipping != null && !(clipThreshold > 0)) {
                throw new IllegalArgumentException("gradient clipping threshold must be positive, got " + clipThreshold);
            }
            return new FineTuneConfig(this);
        }

        private static void requireFraction(String what, Double v) {
            if (v != null && !(v >= 0 && v < 1)) {
                throw new IllegalArgumentException(what + " rate must be in [0, 1), got " + v);
            }
        }

        private static void requireNonNegative(String what, Double v) {
            if (v != null && !(v >= 0) || v != null && v.isInfinite()) {
                throw new IllegalArgumentException(what + " coefficient must be zero or positive, got " + v);
            }
        }
    }
}
