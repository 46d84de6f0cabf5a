package dev.graft.transfer.tune;

import java.util.List;

/**
 * One stage of gradual unfreezing, typed: {@code Unfreeze.top(2).epochs(3).rateFactor(0.1)} trains 3 epochs with
 * the top 2 frozen layers (counting layers with parameters) unfrozen at a tenth of the head's rate — the stage the
 * CLI writes {@code --unfreeze 3:2@0.1} ({@code EPOCHS:LAYERS@FACTOR}). Stages chain with {@link #then(Unfreeze)}.
 * Immutable; each value is checked when it is given ({@link IllegalArgumentException} naming it).
 */
public final class Unfreeze {
    private final int layers;
    private final int epochs;
    private final double factor;

    private Unfreeze(int layers, int epochs, double factor) {
        this.layers = layers;
        this.epochs = epochs;
        this.factor = factor;
    }

    /** A stage unfreezing the top {@code layers} frozen layers; 1 epoch at a tenth of the rate until told otherwise. */
    public static Unfreeze top(int layers) {
        if (layers <= 0) {
            throw new IllegalArgumentException("Unfreeze.top(layers) needs at least 1 layer, got " + layers);
        }
        return new Unfreeze(layers, 1, 0.1);
    }

    /** This stage trained for {@code n} epochs. */
    public Unfreeze epochs(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("an unfreeze stage needs at least 1 epoch, got " + n);
        }
        return new Unfreeze(layers, n, factor);
    }

    /** This stage with the unfrozen layers learning at {@code factor} × the base rate (0 &lt; factor &le; 1). */
    public Unfreeze rateFactor(double f) {
        if (!(f > 0 && f <= 1)) {
            throw new IllegalArgumentException("an unfreeze stage's rate factor must be in (0, 1] (a fraction of the "
                    + "head's rate, e.g. 0.1), got " + f);
        }
        return new Unfreeze(layers, epochs, f);
    }

    /** This stage then {@code next}. */
    public UnfreezeSchedule then(Unfreeze next) {
        return UnfreezeSchedule.of(this, next);
    }

    /** The schedule of this stage alone. */
    public UnfreezeSchedule schedule() {
        return UnfreezeSchedule.of(List.of(stage()));
    }

    /** The stage as a value. */
    public UnfreezeSchedule.Stage stage() {
        return new UnfreezeSchedule.Stage(epochs, layers, factor);
    }

    @Override
    public String toString() {
        return stage().toString();
    }
}
