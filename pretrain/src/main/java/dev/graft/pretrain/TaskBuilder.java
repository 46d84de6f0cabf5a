package dev.graft.pretrain;

import dev.graft.transfer.tune.FineTuneConfig;
import dev.graft.pretrain.corrupt.Corruptor;
import dev.graft.zoo.Normalization;
import java.util.Objects;

/**
 * The settings every pretraining task's builder has: the corruptor, the normalization of raw inputs, the
 * training settings and the base's name in its card. Each task's builder adds its own settings and validates
 * in {@code build()}.
 *
 * @param <B> the task's builder, returned by every setter for chaining
 */
abstract class TaskBuilder<B extends TaskBuilder<B>> {
    Corruptor corruptor;
    Normalization normalization = Normalization.identity();
    FineTuneConfig training = Nets.defaults();
    String name;

    TaskBuilder(String defaultName) {
        this.name = defaultName;
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /**
     * The corruptor that makes bad examples or noisy views; whether it is required, and what it is applied to,
     * depends on the task (see its class documentation).
     */
    public B corruptor(Corruptor corruptor) {
        this.corruptor = corruptor;
        return self();
    }

    /** Normalization of raw inputs, recorded in the base's card (default identity). */
    public B normalization(Normalization normalization) {
        this.normalization = Objects.requireNonNull(normalization, "normalization");
        return self();
    }

    /**
     * How training runs: epochs, batch size (at least 2), optimizer and learning rate (Adam at 1e-3 when it sets
     * none), seed, progress. Default {@link FineTuneConfig#defaults()} with batches of 64.
     *
     * @throws IllegalArgumentException for a batch size below 2
     */
    public B training(FineTuneConfig training) {
        this.training = Nets.requireUsable(Objects.requireNonNull(training, "training"));
        return self();
    }

    /** Name of the base in its card (each task has its own default, e.g. {@code corruption-base}). */
    public B name(String name) {
        this.name = Objects.requireNonNull(name, "name");
        return self();
    }
}
