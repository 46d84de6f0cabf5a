package dev.graft.transfer.tune;

import java.util.ArrayList;
import java.util.List;

/**
 * Gradual unfreezing: after the head has trained, stages that unfreeze the top frozen layers and train on at a
 * lower rate. Typed, {@code Unfreeze.top(1).epochs(3).rateFactor(0.1).then(Unfreeze.top(2).epochs(3).rateFactor(0.01))};
 * on the command line {@code EPOCHS:LAYERS@FACTOR} stages, comma-separated: {@code 3:1@0.1,3:2@0.01} is the same
 * value — three epochs with the top frozen layer (counting layers with parameters) trainable at a tenth of the
 * head's rate, then three with the top two at a hundredth. The head keeps the base rate (per-layer-group rates).
 */
public final class UnfreezeSchedule {
    private final List<Stage> stages;

    private UnfreezeSchedule(List<Stage> stages) {
        this.stages = List.copyOf(stages);
    }

    /**
     * A schedule of the given stages.
     *
     * @throws IllegalArgumentException for a stage with epochs or layers below 1, a factor outside (0, 1], or one
     *     that unfreezes fewer layers than the stage before it
     */
    public static UnfreezeSchedule of(List<Stage> stages) {
        for (int i = 0; i < stages.size(); i++) {
            Stage st = stages.get(i);
            if (st.epochs() <= 0 || st.layers() <= 0 || !(st.factor() > 0) || st.factor() > 1) {
                throw new IllegalArgumentException("unfreeze stage '" + st + "' needs epochs > 0, layers > 0 and "
                        + "0 < factor <= 1");
            }
            if (i > 0 && st.layers() < stages.get(i - 1).layers()) {
                throw new IllegalArgumentException("unfreeze stage '" + st + "' unfreezes fewer layers than the stage "
                        + "before it ('" + stages.get(i - 1) + "'); each stage unfreezes at least as many");
            }
        }
        return new UnfreezeSchedule(stages);
    }

    /** A schedule of the typed stages, in order. */
    public static UnfreezeSchedule of(Unfreeze... stages) {
        List<Stage> out = new ArrayList<>();
        for (Unfreeze u : stages) {
            out.add(u.stage());
        }
        return of(out);
    }

    /** This schedule with {@code next} appended. */
    public UnfreezeSchedule then(Unfreeze next) {
        List<Stage> out = new ArrayList<>(stages);
        out.add(next.stage());
        return of(out);
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
            out.add(new Stage(epochs, layers, factor));
        }
        return of(out);
    }

    /** The stages in order. */
    public List<Stage> stages() {
        return stages;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UnfreezeSchedule && ((UnfreezeSchedule) o).stages.equals(stages);
    }

    @Override
    public int hashCode() {
        return stages.hashCode();
    }

    @Override
    public String toString() {
        List<String> s = new ArrayList<>();
        stages.forEach(st -> s.add(st.toString()));
        return String.join(",", s);
    }

    /** Train {@code epochs} epochs with the top {@code layers} frozen layers unfrozen at {@code factor} × the base rate. */
    public record Stage(int epochs, int layers, double factor) {
        @Override
        public String toString() {
            return epochs + ":" + layers + "@" + factor;
        }
    }
}
