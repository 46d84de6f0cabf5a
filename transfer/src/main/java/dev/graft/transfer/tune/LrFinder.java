package dev.graft.transfer.tune;

import dev.graft.engine.Engine;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * The learning-rate range test: train a copy of a network for a few hundred steps while the rate grows
 * geometrically from {@code minRate} to {@code maxRate}, record the (smoothed) loss, stop when it explodes,
 * and suggest a rate a decade below the one with the lowest loss. The network itself is not changed.
 */
public final class LrFinder {
    private final double minRate;
    private final double maxRate;
    private final int steps;

    /** A finder sweeping {@code [minRate, maxRate]} in {@code steps} steps. */
    public LrFinder(double minRate, double maxRate, int steps) {
        if (minRate <= 0 || maxRate <= minRate || steps < 5) {
            throw new IllegalArgumentException("LR finder needs 0 < minRate < maxRate and at least 5 steps; got " + minRate + ", "
                    + maxRate + ", " + steps);
        }
        this.minRate = minRate;
        this.maxRate = maxRate;
        this.steps = steps;
    }

    /** The usual sweep: 1e-6 to 1 in 100 steps. */
    public static LrFinder standard() {
        return new LrFinder(1e-6, 1.0, 100);
    }

    /** Runs the sweep on a copy of {@code network}, cycling through {@code data} as often as needed. */
    public Result run(Model network, DataSetIterator data) {
        Model net = network instanceof MultiLayerNetwork ? ((MultiLayerNetwork) network).clone() : ((ComputationGraph) network).clone();
        Engine.attachHelpers(net);
        return Engine.training(net, () -> sweep(net, data));
    }

    private Result sweep(Model net, DataSetIterator data) {
        List<String> trainable = new ArrayList<>(dev.graft.transfer.Networks.layerNames(net));
        trainable.removeAll(dev.graft.transfer.Networks.frozenLayers(net));
        List<Double> rates = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        double avg = 0;
        double best = Double.POSITIVE_INFINITY;
        double beta = 0.9;
        data.reset();
        for (int i = 0; i < steps; i++) {
            if (!data.hasNext()) {
                data.reset();
            }
            DataSet ds = data.next();
            double lr = minRate * Math.pow(maxRate / minRate, i / (double) (steps - 1));
            for (String layer : trainable) {
                FineTuner.setRate(net, layer, lr);
            }
            if (net instanceof MultiLayerNetwork) {
                ((MultiLayerNetwork) net).fit(ds);
            } else {
                ((ComputationGraph) net).fit(ds);
            }
            double loss = net.score();
            avg = beta * avg + (1 - beta) * loss;
            double smooth = avg / (1 - Math.pow(beta, i + 1));
            if (!Double.isFinite(smooth) || (i > 5 && smooth > 4 * best)) {
                break;
            }
            best = Math.min(best, smooth);
            rates.add(lr);
            losses.add(smooth);
        }
        int argmin = 0;
        for (int i = 1; i < losses.size(); i++) {
            if (losses.get(i) < losses.get(argmin)) {
                argmin = i;
            }
        }
        double suggested = rates.isEmpty() ? minRate : Math.max(minRate, rates.get(argmin) / 10);
        return new Result(rates.stream().mapToDouble(Double::doubleValue).toArray(),
                losses.stream().mapToDouble(Double::doubleValue).toArray(), suggested);
    }

    /** Rates tried, smoothed losses at each, and the suggested rate. */
    public record Result(double[] rates, double[] losses, double suggested) {
    }
}
