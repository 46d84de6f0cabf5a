package dev.graft.pretrain;

import dev.graft.zoo.Progress;
import java.util.Locale;
import java.util.Objects;

/**
 * How a pretraining task trains: epochs, minibatch size, Adam learning rate, seed, progress reporting.
 * Immutable; {@code Training.builder().epochs(20).build()}.
 */
public final class Training {
    private final int epochs;
    private final int batchSize;
    private final double learningRate;
    private final long seed;
    private final Progress progress;

    private Training(Builder b) {
        this.epochs = b.epochs;
        this.batchSize = b.batchSize;
        this.learningRate = b.learningRate;
        this.seed = b.seed;
        this.progress = b.progress;
    }

    /** Defaults: 10 epochs, batch 64, learning rate 1e-3, seed 42, no progress output. */
    public static Builder builder() {
        return new Builder();
    }

    /** Passes over the unlabelled data (per layer, for the layer-wise autoencoders). */
    public int epochs() {
        return epochs;
    }

    /** Examples per minibatch. */
    public int batchSize() {
        return batchSize;
    }

    /** Adam learning rate. */
    public double learningRate() {
        return learningRate;
    }

    /** Seed of weight initialization, shuffling and corruption. */
    public long seed() {
        return seed;
    }

    /** Where progress goes. */
    public Progress progress() {
        return progress;
    }

    /** A builder holding these values. */
    public Builder toBuilder() {
        return builder().epochs(epochs).batchSize(batchSize).learningRate(learningRate).seed(seed).progress(progress);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d epochs, batch %d, Adam lr %.1e, seed %d", epochs, batchSize, learningRate, seed);
    }

    /** Builder of {@link Training}; validates in {@link #build()}. */
    public static final class Builder {
        private int epochs = 10;
        private int batchSize = 64;
        private double learningRate = 1e-3;
        private long seed = 42;
        private Progress progress = Progress.none();

        private Builder() {
        }

        /** Number of epochs, &ge; 1. */
        public Builder epochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        /** Minibatch size, &ge; 2. */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Adam learning rate, &gt; 0. */
        public Builder learningRate(double learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        /** Seed. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Progress reporting (e.g. {@code Progress.console()}). */
        public Builder progress(Progress progress) {
            this.progress = Objects.requireNonNull(progress, "progress");
            return this;
        }

        /** @throws IllegalArgumentException on a non-positive epoch count, batch size or learning rate */
        public Training build() {
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
            }
            if (batchSize < 2) {
                throw new IllegalArgumentException("batch size must be at least 2, got " + batchSize);
            }
            if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
                throw new IllegalArgumentException("learning rate must be a positive number, got " + learningRate);
            }
            return new Training(this);
        }
    }
}
