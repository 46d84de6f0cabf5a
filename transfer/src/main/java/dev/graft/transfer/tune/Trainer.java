package dev.graft.transfer.tune;

import dev.graft.engine.Engine;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleConsumer;
import java.util.function.Supplier;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * The project's one epoch loop: every fine-tuning stage (the head from the cache, each unfreezing stage, through the
 * frozen layers), the LR range test and the pretraining tasks run through {@link #fit}: one pass over the training
 * data per epoch ({@link #fitEpoch}), a validation score, then the {@link Callback}s in order — history,
 * {@link RestoreBest}, {@link Plateau}, {@link EarlyStopping}, {@link OneCycle} and the {@link LrFinder} are
 * callbacks, not copies of the loop. The network's own listeners are kept; extra listeners (and callbacks that are
 * DL4J listeners too, for per-iteration work) are added for the stage and removed after.
 */
public final class Trainer {
    private Trainer() {
    }

    /** What a {@link Callback} sees after an epoch; a callback may {@link #stop} the stage. */
    public static final class EpochEnd {
        private final Model network;
        private final String stage;
        private final int epoch;
        private final double trainLoss;
        private final double valLoss;
        private final double valAccuracy;
        private final boolean validated;
        private final double seconds;
        private String stopReason;

        EpochEnd(Model network, String stage, int epoch, double trainLoss, double[] val, boolean validated,
                double seconds) {
            this.network = network;
            this.stage = stage;
            this.epoch = epoch;
            this.trainLoss = trainLoss;
            this.valLoss = val[0];
            this.valAccuracy = val[1];
            this.validated = validated;
            this.seconds = seconds;
        }

        /** The network being trained. */
        public Model network() {
            return network;
        }

        /** The stage's name (for history and logs). */
        public String stage() {
            return stage;
        }

        /** The epoch's number, counted over the whole run (1 for the first epoch of the first stage). */
        public int epoch() {
            return epoch;
        }

        /** Mean training loss over the epoch's iterations. */
        public double trainLoss() {
            return trainLoss;
        }

        /** Mean validation loss, NaN without validation data. */
        public double valLoss() {
            return valLoss;
        }

        /** Validation accuracy (0..1), NaN without validation data. */
        public double valAccuracy() {
            return valAccuracy;
        }

        /** Wall-clock seconds of the training pass (validation not included). */
        public double seconds() {
            return seconds;
        }

        /** What improvement is judged on: the validation loss when there is validation data, else the training loss. */
        public double metric() {
            return validated ? valLoss : trainLoss;
        }

        /** Ends the stage after this epoch's callbacks; {@code reason} is logged by the caller. */
        public void stop(String reason) {
            if (stopReason == null) {
                stopReason = reason;
            }
        }

        /** Why the stage was stopped, or null. */
        public String stopReason() {
            return stopReason;
        }
    }

    /**
     * How one epoch of training runs: {@link #LOCAL} (this JVM, {@link #fitEpoch}) or elsewhere — the spark module
     * runs a head's epoch as a Spark job. The loop, validation and callbacks stay the same whichever runs the epoch.
     */
    @FunctionalInterface
    public interface EpochStep {
        /** One pass of {@code network} over {@code data} (a fresh or reset iterator), updating its parameters. */
        void fit(Model network, DataSetIterator data);
    }

    /** Epochs in this JVM: {@link #fitEpoch}. */
    public static final EpochStep LOCAL = Trainer::fitEpoch;

    /**
     * Hooks into the loop (a lambda is an after-epoch callback). A callback that is also a DL4J
     * {@link TrainingListener} hears every iteration of the stage.
     */
    @FunctionalInterface
    public interface Callback {
        /** Before the stage's first epoch. */
        default void onStageStart(Model network) {
        }

        /** After every epoch, in the order the callbacks were given. */
        void onEpochEnd(EpochEnd e);

        /** After the stage's last epoch (also after an early stop). */
        default void onStageEnd(Model network) {
        }
    }

    /**
     * Trains {@code network} for up to {@code epochs} epochs.
     *
     * @param train      a fresh or reset iterator over the training data, asked for once per epoch
     * @param validation the same for validation data, or null
     * @param firstEpoch the run-wide number of this stage's first epoch
     * @param listeners  extra DL4J listeners for this stage (the network's own are kept)
     * @return how many epochs ran
     */
    public static int fit(Model network, String stage, int firstEpoch, int epochs, Supplier<DataSetIterator> train,
            Supplier<DataSetIterator> validation, List<? extends Callback> callbacks,
            Collection<TrainingListener> listeners) {
        return fit(network, stage, firstEpoch, epochs, train, validation, callbacks, listeners, LOCAL);
    }

    /**
     * {@link #fit(Model, String, int, int, Supplier, Supplier, List, Collection)} with each epoch run by {@code step}
     * (for example on Spark); validation is scored here.
     */
    public static int fit(Model network, String stage, int firstEpoch, int epochs, Supplier<DataSetIterator> train,
            Supplier<DataSetIterator> validation, List<? extends Callback> callbacks,
            Collection<TrainingListener> listeners, EpochStep step) {
        LossListener losses = new LossListener();
        List<TrainingListener> before = listenersOf(network);
        LinkedHashSet<TrainingListener> all = new LinkedHashSet<>(before);
        all.addAll(listeners);
        for (Callback c : callbacks) {
            if (c instanceof TrainingListener) {
                all.add((TrainingListener) c);
            }
        }
        all.add(losses);
        network.setListeners(all);
        int ran = 0;
        for (Callback c : callbacks) {
            c.onStageStart(network);
        }
        try {
            for (int e = 0; e < epochs; e++) {
                losses.reset();
                long t0 = System.nanoTime();
                step.fit(network, train.get());
                double secs = (System.nanoTime() - t0) / 1e9;
                double[] val = validation == null ? new double[] {Double.NaN, Double.NaN}
                        : score(network, validation.get(), null);
                EpochEnd end = new EpochEnd(network, stage, firstEpoch + e, losses.mean(), val, validation != null,
                        secs);
                ran++;
                for (Callback c : callbacks) {
                    c.onEpochEnd(end);
                }
                if (end.stopReason() != null) {
                    break;
                }
            }
        } finally {
            network.setListeners(before);
        }
        for (Callback c : callbacks) {
            c.onStageEnd(network);
        }
        return ran;
    }

    /**
     * One pass of {@code net} over {@code it}: under {@link Engine#training} (thread count, helpers, Graft's Adam)
     * and, for a head of dense layers, with {@link DenseHeadTrainer}'s lean step (same results as DL4J's
     * {@code fit}; off with {@link dev.graft.engine.EngineSettings#denseHeadTrainer()}). Other networks go through
     * DL4J's {@code fit}.
     */
    public static void fitEpoch(Model net, DataSetIterator it) {
        Engine.training(net, () -> {
            if (usesDenseHeadTrainer(net)) {
                new DenseHeadTrainer((MultiLayerNetwork) net).fit(it);
            } else if (net instanceof MultiLayerNetwork) {
                ((MultiLayerNetwork) net).fit(it);
            } else {
                ((ComputationGraph) net).fit(it);
            }
            return null;
        });
    }

    /** Whether {@link #fitEpoch} trains {@code net} with {@link DenseHeadTrainer} (switch on and net supported). */
    public static boolean usesDenseHeadTrainer(Model net) {
        return Engine.settings().denseHeadTrainer() && DenseHeadTrainer.unsupported(net).isEmpty();
    }

    /** Mean loss and accuracy of {@code net} over {@code it} (reset first); adds to {@code eval} if given. */
    static double[] score(Model net, DataSetIterator it, Evaluation eval) {
        double loss = 0;
        long n = 0;
        Evaluation acc = eval != null ? eval : new Evaluation();
        it.reset();
        while (it.hasNext()) {
            DataSet ds = it.next();
            INDArray out = net instanceof MultiLayerNetwork ? ((MultiLayerNetwork) net).output(ds.getFeatures(), false)
                    : ((ComputationGraph) net).outputSingle(false, ds.getFeatures());
            double s = net instanceof MultiLayerNetwork ? ((MultiLayerNetwork) net).score(ds)
                    : ((ComputationGraph) net).score(ds);
            loss += s * ds.numExamples();
            n += ds.numExamples();
            acc.eval(ds.getLabels(), out);
        }
        return new double[] {n == 0 ? Double.NaN : loss / n, acc.accuracy()};
    }

    /** The listeners attached to {@code net} now (a copy). */
    static List<TrainingListener> listenersOf(Model net) {
        Collection<TrainingListener> l = net instanceof MultiLayerNetwork ? ((MultiLayerNetwork) net).getListeners()
                : net instanceof ComputationGraph ? ((ComputationGraph) net).getListeners() : null;
        return l == null ? List.of() : new ArrayList<>(l);
    }

    /** Epochs without a better metric than the best so far: what early stopping and plateau both count. */
    private static final class Stall {
        private double best = Double.POSITIVE_INFINITY;
        private int wait;

        /** Records {@code metric}; true when {@code patience} epochs in a row have not improved on the best. */
        boolean exhausted(double metric, int patience) {
            if (metric < best) {
                best = metric;
                wait = 0;
                return false;
            }
            return ++wait >= patience;
        }

        /** Starts counting again (the best is kept). */
        void restart() {
            wait = 0;
        }
    }

    /** Stops a stage after {@code patience} epochs without a better {@link EpochEnd#metric()} than its best. */
    public static final class EarlyStopping implements Callback {
        private final int patience;
        private final Stall stall = new Stall();

        /** @param patience epochs without improvement before stopping; {@code Integer.MAX_VALUE} never stops */
        public EarlyStopping(int patience) {
            this.patience = patience;
        }

        @Override
        public void onEpochEnd(EpochEnd e) {
            if (stall.exhausted(e.metric(), patience)) {
                e.stop("early stopping after epoch " + e.epoch() + ": no improvement for " + patience + " epochs");
            }
        }
    }

    /**
     * Multiplies the learning rate by {@code factor} after {@code patience} epochs without improvement, then waits
     * {@code patience} epochs again (Keras' {@code ReduceLROnPlateau} without cooldown).
     */
    public static final class Plateau implements Callback {
        private final int patience;
        private final double factor;
        private final DoubleConsumer setRate;
        private final java.util.function.Consumer<String> log;
        private double rate;
        private final Stall stall = new Stall();

        /**
         * @param rate    the rate now
         * @param setRate applies a new rate to the trainable layers
         * @param log     told of each change
         */
        public Plateau(int patience, double factor, double rate, DoubleConsumer setRate,
                java.util.function.Consumer<String> log) {
            this.patience = patience;
            this.factor = factor;
            this.rate = rate;
            this.setRate = setRate;
            this.log = log;
        }

        /** The rate after the changes so far. */
        public double rate() {
            return rate;
        }

        @Override
        public void onEpochEnd(EpochEnd e) {
            if (stall.exhausted(e.metric(), patience)) {
                rate *= factor;
                setRate.accept(rate);
                stall.restart();
                log.accept(String.format(Locale.ROOT, "plateau: learning rate now %.2e", rate));
            }
        }
    }

    /** Keeps the parameters of the stage's best epoch and puts them back at the end of the stage. */
    public static final class RestoreBest implements Callback {
        private double best = Double.POSITIVE_INFINITY;
        private INDArray params;

        @Override
        public void onEpochEnd(EpochEnd e) {
            if (e.metric() < best) {
                best = e.metric();
                params = e.network().params().dup();
            }
        }

        @Override
        public void onStageEnd(Model network) {
            if (params != null) {
                network.setParams(params);
            }
        }
    }

    /** Mean score of the iterations of one epoch. */
    private static final class LossListener extends BaseTrainingListener {
        private double sum;
        private long n;

        void reset() {
            sum = 0;
            n = 0;
        }

        double mean() {
            return n == 0 ? Double.NaN : sum / n;
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            double s = model.score();
            if (Double.isFinite(s)) { // a non-finite step is DL4J's to report; the mean stays readable
                sum += s;
                n++;
            }
        }
    }
}
