package dev.graft.transfer.tune;

import java.util.ArrayList;
import java.util.List;

/**
 * Gradual unfreezing: after the head has trained, stages that unfreeze the top frozen layers and train on at a
 * lower rate. Written as {@code EPOCHS:LAYERS@FACTOR} stages, comma-separated, e.g. {@code 3:1@0.1,3:2@0.01}:
 * three epochs with the top frozen layer (counting layers with parameters) trainable at a tenth of the head's
 * rate, then three with the top two at a hundredth. The head keeps the base rate (per-layer-group rates).
 */
public final class UnfreezeSchedule {
    private final List<Stage> stages;

    private UnfreezeSchedule(List<Stage> stages) {
        this.stages = List.copyOf(stages);
    }

    /** A schedule of the given stages. */
    public static UnfreezeSchedule of(List<Stage> stages) {
        return new UnfreezeSchedule(stages);
    }

    /** No unfreezing: only the head trains. */
    public static UnfreezeSchedule none() {
        return new UnfreezeSchedule(List.of());
    }

    /**
     * Parses {@code EPOCHS:LAYERS@FACTOR[,...]}.
     *
     * @throws IllegalArgumentException naming the bad stage, with an example
     */
    public static UnfreezeSchedule parse(String spec) {
        if (spec == null || spec.isBlank()) {
            return none();
        }
        List<Stage> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            if (!p.matches("\\d+:\\d+@[0-9.eE-]+")) {
                throw new IllegalArgumentException("bad unfreeze stage '" + p + "'; write EPOCHS:LAYERS@FACTOR, e.g. 3:1@0.1,3:2@0.01");
            }
            int colon = p.indexOf(':');
            int at = p.indexOf('@');
            if (colon > 9 || at - colon - 1 > 9) {
                throw new IllegalArgumentException("unfreeze stage '" + p + "' has a number of epochs or layers that is too "
                        + "large; write EPOCHS:LAYERS@FACTOR, e.g. 3:1@0.1");
            }
            int epochs = Integer.parseInt(p.substring(0, colon));
            int layers = Integer.parseInt(p.substring(colon + 1, at));
            double factor;
            try {
                factor = Double.parseDouble(p.substring(at + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad rate factor in unfreeze stage '" + p + "'");
            }
            if (epochs <= 0 || layers <= 0 || factor <= 0 || factor > 1) {
                throw new IllegalArgumentException("unfreeze stage '" + p + "' needs epochs > 0, layers > 0 and 0 < factor <= 1");
            }
            if (!out.isEmpty() && layers < out.get(out.size() - 1).layers()) {
                throw new IllegalArgumentException("unfreeze stage '" + p + "' unfreezes fewer layers than the stage before it");
            }
            out.add(new Stage(epochs, layers, factor));
        }
        return new UnfreezeSchedule(out);
    }

    /** The stages in order. */
    public List<Stage> stages() {
        return stages;
    }

    @Override
    public String toString() {
        List<String> s = new ArrayList<>();
        stages.forEach(st -> s.add(st.epochs() + ":" + st.layers() + "@" + st.factor()));
        return String.join(",", s);
    }

    /** Train {@code epochs} epochs with the top {@code layers} frozen layers unfrozen at {@code factor} × the base rate. */
    public record Stage(int epochs, int layers, double factor) {
    }
}
