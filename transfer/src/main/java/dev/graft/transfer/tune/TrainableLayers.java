package dev.graft.transfer.tune;

import dev.graft.engine.NetworkCopies;
import dev.graft.transfer.Networks;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.constraint.MaxNormConstraint;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.L1Regularization;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * How a {@link FineTuneConfig} reaches the trainable layers: their optimizer, rate or schedule, and regularization —
 * the one place a learning rate is written into a layer's configuration, before training ({@link #configure}) or in
 * place during it ({@link #setRate}, {@link #setSchedule}).
 */
final class TrainableLayers {
    private TrainableLayers() {
    }

    /**
     * A copy of {@code net} with {@code config} applied to its trainable layers at {@code rate} (null keeps the
     * config's schedule, or the plan's rate); parameters copied. The input network is not changed.
     */
    static Model configured(Model net, FineTuneConfig config, Double rate) {
        if (!touchesLayers(config, rate)) {
            return NetworkCopies.copyOf(net); // the user's listeners are added per stage
        }
        ISchedule schedule = rate == null ? config.schedule() : null;
        return Reconfigure.rebuild(net, Set.of(), false, (name, layer) -> configure(layer, config, rate, schedule));
    }

    /**
     * The network with the top {@code unfreeze} frozen layers unfrozen and every trainable layer configured, its
     * rate {@code rateOf(name)} — one rebuild (DL4J's frozen wrappers cannot be toggled on a built network: its
     * updater has no state for them). Parameters are copied.
     */
    static Model unfrozen(Model net, Set<String> unfreeze, FineTuneConfig config, ToDoubleFunction<String> rateOf) {
        return Reconfigure.rebuild(net, unfreeze, true, (name, layer) -> {
            if (unfreeze.contains(name) && layer instanceof BaseLayer) {
                BaseLayer b = (BaseLayer) layer; // frozen layers carry a no-op updater
                b.setIUpdater(config.updater() != null ? config.updater() : new Adam(rateOf.applyAsDouble(name)));
                b.setBiasUpdater(null);
            }
            configure(layer, config, rateOf.applyAsDouble(name), null);
        });
    }

    private static boolean touchesLayers(FineTuneConfig c, Double rate) {
        return rate != null || c.schedule() != null || c.updater() != null || c.l1() != null || c.l2() != null
                || c.dropout() != null || c.maxNorm() != null || c.clipping() != null;
    }

    /** Configures one trainable layer: regularization, then the optimizer at {@code rate} or on {@code schedule}. */
    static void configure(Layer layer, FineTuneConfig c, Double rate, ISchedule schedule) {
        if (c.dropout() != null) {
            layer.setIDropout(c.dropout() > 0 ? new Dropout(1.0 - c.dropout()) : null);
        }
        if (c.maxNorm() != null) {
            layer.setConstraints(new ArrayList<>(List.of(new MaxNormConstraint(c.maxNorm(), 1))));
        }
        if (!(layer instanceof BaseLayer)) {
            return;
        }
        BaseLayer b = (BaseLayer) layer;
        if (c.l1() != null || c.l2() != null) {
            List<Regularization> regs = new ArrayList<>();
            if (c.l1() != null && c.l1() > 0) {
                regs.add(new L1Regularization(c.l1()));
            }
            if (c.l2() != null && c.l2() > 0) {
                regs.add(new L2Regularization(c.l2()));
            }
            b.setRegularization(regs);
        }
        if (c.clipping() != null) {
            b.setGradientNormalization(c.clipping());
            b.setGradientNormalizationThreshold(c.clipThreshold());
        }
        if (c.updater() == null && rate == null && schedule == null) {
            return;
        }
        IUpdater u = c.updater() != null ? c.updater() : b.getIUpdater() == null ? new Adam(1e-3) : b.getIUpdater().clone();
        if (schedule != null) {
            u.setLrAndSchedule(Double.NaN, schedule.clone());
        } else if (rate != null) {
            u.setLrAndSchedule(rate, null);
        }
        b.setIUpdater(u);
        b.setBiasUpdater(null);
    }

    /**
     * Sets one layer's learning rate by changing its updater configuration in place. DL4J's own
     * {@code setLearningRate} fails with a NullPointerException in {@code NetworkUtils.rebuildUpdaterStateArray}
     * once a network with frozen layers has updater state; the updater reads its configuration object every step,
     * so an in-place change takes effect at the next iteration. Layers that share an updater block must get the
     * same rate (Graft only changes rates per layer before training starts, and scales all alike after).
     */
    static void setRate(Model net, String layer, double rate) {
        BaseLayer b = baseLayer(net, layer);
        if (b == null) {
            return;
        }
        if (b.getIUpdater() != null && b.getIUpdater().hasLearningRate()) {
            b.getIUpdater().setLrAndSchedule(rate, null);
        }
        if (b.getBiasUpdater() != null && b.getBiasUpdater().hasLearningRate()) {
            b.getBiasUpdater().setLrAndSchedule(rate, null);
        }
    }

    /** Puts one layer on {@code schedule} (iteration-based) in place, as {@link #setRate} does with a rate. */
    static void setSchedule(Model net, String layer, ISchedule schedule) {
        BaseLayer b = baseLayer(net, layer);
        if (b == null) {
            return;
        }
        if (b.getIUpdater() != null && b.getIUpdater().hasLearningRate()) {
            b.getIUpdater().setLrAndSchedule(Double.NaN, schedule.clone());
        }
        if (b.getBiasUpdater() != null && b.getBiasUpdater().hasLearningRate()) {
            b.getBiasUpdater().setLrAndSchedule(Double.NaN, schedule.clone());
        }
    }

    /** The names of the layers of {@code net} that are not frozen. */
    static List<String> trainable(Model net) {
        List<String> out = new ArrayList<>(Networks.layerNames(net));
        out.removeAll(Networks.frozenLayers(net));
        return out;
    }

    /** The rate of the first of {@code layers} that has one, at the network's current iteration; else {@code fallback}. */
    static double rate(Model net, List<String> layers, double fallback) {
        for (String n : layers) {
            BaseLayer b = baseLayer(net, n);
            IUpdater u = b == null ? null : b.getIUpdater();
            if (u != null && u.hasLearningRate()) {
                return net instanceof MultiLayerNetwork
                        ? u.getLearningRate(((MultiLayerNetwork) net).getIterationCount(), ((MultiLayerNetwork) net).getEpochCount())
                        : u.getLearningRate(((ComputationGraph) net).getIterationCount(), ((ComputationGraph) net).getEpochCount());
            }
        }
        return fallback;
    }

    /**
     * The layers unfrozen when the top {@code k} of {@code frozen} (network order) that have parameters in
     * {@code net} are: those and every frozen layer above the lowest of them; all of them when {@code k} reaches
     * their number.
     */
    static Set<String> topFrozen(Model net, List<String> frozen, int k) {
        List<Integer> withParams = new ArrayList<>();
        for (int i = 0; i < frozen.size(); i++) {
            org.deeplearning4j.nn.api.Layer l = Cut.layerOf(net, frozen.get(i));
            if (l != null && l.numParams() > 0) {
                withParams.add(i);
            }
        }
        int lowest = k >= withParams.size() ? 0 : withParams.get(withParams.size() - k);
        return Set.copyOf(frozen.subList(lowest, frozen.size()));
    }

    /** How many of {@code net}'s frozen layers have parameters, and which. */
    static List<String> frozenWithParams(Model net) {
        List<String> out = new ArrayList<>();
        for (String name : Networks.frozenLayers(net)) {
            org.deeplearning4j.nn.api.Layer l = Cut.layerOf(net, name);
            if (l != null && l.numParams() > 0) {
                out.add(name);
            }
        }
        return out;
    }

    private static BaseLayer baseLayer(Model net, String layer) {
        org.deeplearning4j.nn.api.Layer l = Cut.layerOf(net, layer);
        return l != null && l.conf().getLayer() instanceof BaseLayer ? (BaseLayer) l.conf().getLayer() : null;
    }
}
