package dev.graft.transfer.tune;

import dev.graft.engine.Engine;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * The learning-rate range test as a {@link Trainer} callback: the rate of the trainable layers grows geometrically
 * from {@code minRate} to {@code maxRate}, one step per iteration, the (smoothed) loss of each step is recorded, and
 * the test stops when the loss explodes (above 4× its best) or the steps are done; it suggests a rate a decade below
 * the one with the lowest loss. {@link #run} does it on a copy of a network, through {@link Trainer#fit}.
 * <pre>{@code
 * LrFinder.Result r = LrFinder.standard().run(net, data);   // net unchanged
 * double lr = r.suggested();
 * }</pre>
 */
public final class LrFinder extends BaseTrainingListener implements Trainer.Callback {
    private static final double BETA = 0.9;
    private final double minRate;
    private final double maxRate;
    private final int steps;
    private List<String> layers = List.of();
    private final List<Double> rates = new ArrayList<>();
    private final List<Double> losses = new ArrayList<>();
    private int step;
    private double avg;
    private double best;
    private boolean done;
    private int stepsAtEpochStart;

    /**
     * A finder sweeping {@code [minRate, maxRate]} in {@code steps} steps.
     *
     * @throws IllegalArgumentException unless 0 &lt; minRate &lt; maxRate and steps &ge; 5
     */
    public LrFinder(double minRate, double maxRate, int steps) {
        if (!(minRate > 0) || !(maxRate > minRate) || steps < 5) {
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

    /**
     * Runs the test on a copy of {@code network} (not changed), cycling through {@code data} as often as needed:
     * {@link Trainer#fit} with this callback, one epoch per pass over the data.
     */
    public Result run(Model network, DataSetIterator data) {
        Model net = network instanceof MultiLayerNetwork ? ((MultiLayerNetwork) network).clone() : ((ComputationGraph) network).clone();
        Engine.attachHelpers(net);
        Trainer.fit(net, "LR range test", 1, steps, () -> {
            data.reset();
            return new Limited(data);
        }, null, List.of(this), List.of());
        return result();
    }

    /** The rate of step {@code i}. */
    private double rateAt(int i) {
        return minRate * Math.pow(maxRate / minRate, i / (double) (steps - 1));
    }

    @Override
    public void onStageStart(Model network) {
        layers = TrainableLayers.trainable(network);
        rates.clear();
        losses.clear();
        step = 0;
        avg = 0;
        best = Double.POSITIVE_INFINITY;
        done = false;
        setRate(network, rateAt(0));
    }

    private void setRate(Model net, double rate) {
        for (String l : layers) {
            TrainableLayers.setRate(net, l, rate);
        }
    }

    @Override
    public void onEpochStart(Model model) {
        stepsAtEpochStart = step;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (done) {
            return;
        }
        avg = BETA * avg + (1 - BETA) * model.score();
        double smooth = avg / (1 - Math.pow(BETA, step + 1));
        if (!Double.isFinite(smooth) || (step > 5 && smooth > 4 * best)) {
            done = true;
            return;
        }
        best = Math.min(best, smooth);
        rates.add(rateAt(step));
        losses.add(smooth);
        if (++step >= steps) {
            done = true;
        } else {
            setRate(model, rateAt(step));
        }
    }

    @Override
    public void onEpochEnd(Trainer.EpochEnd e) {
        if (done || step == stepsAtEpochStart) { // finished, diverged, or no data
            e.stop(String.format(Locale.ROOT, "LR range test: %d steps, suggested learning rate %.2e", rates.size(),
                    result().suggested()));
        }
    }

    /** What the test found so far. */
    public Result result() {
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

    /** The data until the test is done (no prefetching: the test must stop where it ends). */
    private final class Limited implements DataSetIterator {
        private static final long serialVersionUID = 1L;
        private final transient DataSetIterator data;

        Limited(DataSetIterator data) {
            this.data = data;
        }

        @Override
        public boolean hasNext() {
            return !done && data.hasNext();
        }

        @Override
        public DataSet next() {
            return data.next();
        }

        @Override
        public DataSet next(int num) {
            return data.next(num);
        }

        @Override
        public int inputColumns() {
            return data.inputColumns();
        }

        @Override
        public int totalOutcomes() {
            return data.totalOutcomes();
        }

        @Override
        public boolean resetSupported() {
            return false;
        }

        @Override
        public boolean asyncSupported() {
            return false;
        }

        @Override
        public void reset() {
            throw new UnsupportedOperationException("the LR range test asks for a fresh pass each epoch");
        }

        @Override
        public int batch() {
            return data.batch();
        }

        @Override
        public void setPreProcessor(DataSetPreProcessor p) {
            data.setPreProcessor(p);
        }

        @Override
        public DataSetPreProcessor getPreProcessor() {
            return data.getPreProcessor();
        }

        @Override
        public List<String> getLabels() {
            return data.getLabels();
        }
    }
}
