package dev.graft.transfer.tune;

import java.util.List;
import org.deeplearning4j.nn.api.Model;

/**
 * The one-cycle policy as a {@link Trainer} callback: when the stage starts, the given layers (every trainable
 * layer when none are named) are put on a {@link OneCycleSchedule} — the rate rises from {@code max/25} to
 * {@code max} over the first 30% of the stage's iterations, then falls with a cosine. The schedule lives in the
 * layers' updater configuration, so it is saved with the network.
 * <pre>{@code
 * Trainer.fit(net, "head", 1, epochs, data, val, List.of(new OneCycle(1e-2, epochs * batchesPerEpoch)), List.of());
 * }</pre>
 */
public final class OneCycle implements Trainer.Callback {
    private final OneCycleSchedule schedule;
    private final List<String> layers;

    /**
     * @param maxRate    the peak rate
     * @param iterations iterations in the stage (epochs × batches per epoch)
     * @throws IllegalArgumentException if either is not positive
     */
    public OneCycle(double maxRate, int iterations) {
        this(OneCycleSchedule.of(maxRate, iterations), List.of());
    }

    /** The schedule {@code schedule} on {@code layers} (all trainable layers when empty). */
    public OneCycle(OneCycleSchedule schedule, List<String> layers) {
        this.schedule = schedule;
        this.layers = List.copyOf(layers);
    }

    @Override
    public void onStageStart(Model network) {
        for (String l : layers.isEmpty() ? TrainableLayers.trainable(network) : layers) {
            TrainableLayers.setSchedule(network, l, schedule);
        }
    }

    @Override
    public void onEpochEnd(Trainer.EpochEnd e) {
    }

    /** The schedule. */
    public OneCycleSchedule schedule() {
        return schedule;
    }
}
