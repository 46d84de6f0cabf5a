package dev.graft.pretrain;

import dev.graft.transfer.tune.FineTuneConfig;
import dev.graft.transfer.data.BatchIterator;
import dev.graft.transfer.data.DataSource;
import dev.graft.transfer.tune.Trainer;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import dev.graft.zoo.Progress;
import dev.graft.zoo.SourceKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Supplier;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.NeuralNetwork;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

/** Pieces every pretraining task shares: configuration, data loading, base extraction, the saved card. */
final class Nets {

    /** Name prefix of base layers inside a task's ComputationGraph. */
    static final String BASE_PREFIX = BaseNet.LAYER_PREFIX;

    private Nets() {
    }

    /** The learning rate of pretraining when the config sets none. */
    static final double DEFAULT_RATE = 1e-3;

    /**
     * Common network settings: seed, the config's optimizer (Adam by default) at its learning rate
     * ({@value #DEFAULT_RATE} when it sets none), Xavier init.
     */
    static NeuralNetConfiguration.Builder config(FineTuneConfig t) {
        return new NeuralNetConfiguration.Builder().seed(t.seed()).updater(updater(t))
                .weightInit(WeightInit.XAVIER).dataType(DataType.FLOAT);
    }

    private static IUpdater updater(FineTuneConfig t) {
        IUpdater u = t.updater() != null ? t.updater() : new Adam();
        if (t.schedule() != null) {
            u.setLrAndSchedule(Double.NaN, t.schedule());
        } else {
            u.setLrAndSchedule(t.learningRate() != null ? t.learningRate() : DEFAULT_RATE, null);
        }
        return u;
    }

    /** The training settings as a task's card notes them, e.g. {@code 10 epochs, batch 64, Adam lr 1.0e-03, seed 42}. */
    static String describe(FineTuneConfig t) {
        IUpdater u = updater(t);
        String rate = t.schedule() != null ? "scheduled lr" : String.format(Locale.ROOT, "lr %.1e", u.getLearningRate(0, 0));
        return String.format(Locale.ROOT, "%d epochs, batch %d, %s %s, seed %d", t.epochs(), t.batchSize(),
                u.getClass().getSimpleName(), rate, t.seed());
    }

    /**
     * The config pretraining runs with when none is given: {@link FineTuneConfig#defaults()} with batches of 64.
     */
    static FineTuneConfig defaults() {
        return FineTuneConfig.builder().batchSize(64).build();
    }

    /**
     * Checks a config for pretraining.
     *
     * @throws IllegalArgumentException for a batch size below 2
     */
    static FineTuneConfig requireUsable(FineTuneConfig t) {
        if (t.batchSize() < 2) {
            throw new IllegalArgumentException("pretraining needs a batch size of at least 2, got " + t.batchSize());
        }
        return t;
    }

    /** A network of the base's layers followed by {@code head}, initialized with the training seed. */
    static MultiLayerNetwork baseWithHead(BaseNet base, FineTuneConfig t, Layer... head) {
        NeuralNetConfiguration.ListBuilder lb = config(t).list().overrideNinUponBuild(false);
        for (Layer l : base.layers()) {
            lb.layer(l);
        }
        for (Layer l : head) {
            lb.layer(l);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(lb.setInputType(base.inputType()).build());
        net.init();
        return net;
    }

    /** Reads every example of {@code source} into memory and normalizes it; rejects empty data and wrong shapes. */
    static INDArray loadAll(DataSource source, BaseNet base, Normalization norm) {
        if (source.size() == 0) {
            throw new IllegalArgumentException("no examples in " + source.describe() + "; pretraining needs unlabelled examples");
        }
        if (base != null) {
            base.requireInput(source.exampleShape());
        }
        List<INDArray> parts = new ArrayList<>();
        DataSetIterator it = source.iterator(1024);
        while (it.hasNext()) {
            DataSet ds = it.next();
            parts.add(ds.getFeatures());
        }
        INDArray all = parts.size() == 1 ? parts.get(0) : Nd4j.concat(0, parts.toArray(new INDArray[0]));
        return norm.apply(all, dev.graft.zoo.InputLayout.FLAT).castTo(DataType.FLOAT);
    }

    /** A seeded permutation of {@code 0..n-1}. */
    static int[] permutation(int n, Random rnd) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Rows {@code idx[from..to)} of {@code x}, as a new array. */
    static INDArray rows(INDArray x, int[] idx, int from, int to) {
        int[] pick = java.util.Arrays.copyOfRange(idx, from, to);
        INDArray flat = x.reshape(x.size(0), -1);
        INDArray r = Nd4j.pullRows(flat, 1, pick);
        long[] shape = x.shape().clone();
        shape[0] = pick.length;
        return r.reshape(shape);
    }

    /** Seed of the corruption of one minibatch, so that every epoch sees fresh corruption. */
    static long batchSeed(long seed, int epoch, int batch) {
        return seed * 1_000_003L + epoch * 10_007L + batch;
    }

    /**
     * Copies the trained base layers (the first {@code base.depth()} layers of an MLN, or the layers named
     * {@code base0..} of a graph) into a network of the base alone.
     */
    static MultiLayerNetwork extractBase(BaseNet base, Model trained, FineTuneConfig t) {
        MultiLayerNetwork out = baseWithHead(base, t);
        for (int i = 0; i < base.depth(); i++) {
            org.deeplearning4j.nn.api.Layer src = trained instanceof ComputationGraph
                    ? ((ComputationGraph) trained).getLayer(BASE_PREFIX + i)
                    : ((MultiLayerNetwork) trained).getLayer(i);
            if (src.numParams() > 0) {
                out.getLayer(i).setParams(src.params().dup());
            }
        }
        return out;
    }

    /** Wraps a base network with its card. */
    static GraftModel card(MultiLayerNetwork net, BaseNet base, Normalization norm, String name, String origin, String notes) {
        ModelCard card = ModelCard.builder(name).architecture(base.describe()).source(SourceKind.GRAFT)
                .input(base.layout(), base.inputShape()).normalization(norm).origin(origin).notes(notes).build();
        return GraftModel.of(net, card);
    }

    /** Makes one minibatch from the examples {@code perm[from..to)}. */
    @FunctionalInterface
    interface BatchMaker {
        /**
         * @param rnd  the generator that drew {@code perm}, for any further random choices
         * @param seed the minibatch's seed ({@link #batchSeed} of the training seed, epoch and batch)
         */
        DataSet batch(int[] perm, int from, int to, Random rnd, long seed);
    }

    /**
     * The epoch loop the auxiliary tasks share: each epoch a fresh permutation of the {@code n} examples (from a
     * generator seeded with the training seed), minibatches of {@code perBatch} of them, one fit per minibatch.
     *
     * @return the mean minibatch loss per epoch
     */
    static <N extends Model & NeuralNetwork> double[] trainEpochs(N net, FineTuneConfig t, String taskName, int n, int perBatch,
                                                                  BatchMaker maker) {
        Random rnd = new Random(t.seed());
        int[] epoch = {0};
        return epochs(net, t, taskName, "loss", () -> {
            int e = epoch[0]++;
            int[] perm = permutation(n, rnd); // drawn when the epoch starts, as the batches' own draws follow
            return new MadeBatches(perBatch, from -> from < n,
                    (from, num, b) -> maker.batch(perm, from, Math.min(n, from + num), rnd, batchSeed(t.seed(), e, b)));
        });
    }

    /**
     * Runs {@code t.epochs()} epochs of {@code net} over the batches {@code epochData} gives, through the project's
     * one epoch loop ({@link Trainer#fit}), reporting progress as {@code what} per epoch.
     *
     * @return the mean minibatch loss per epoch
     */
    static double[] epochs(Model net, FineTuneConfig t, String taskName, String what, Supplier<DataSetIterator> epochData) {
        double[] losses = new double[t.epochs()];
        try (Progress.Task task = t.progress().start(taskName, t.epochs(), "epochs")) {
            Trainer.fit(net, taskName, 1, t.epochs(), epochData, null, List.<Trainer.Callback>of(e -> {
                losses[e.epoch() - 1] = e.trainLoss();
                task.message(String.format(Locale.ROOT, "%s %.4f", what, e.trainLoss()));
                task.step(1);
            }), List.of());
        }
        return losses;
    }

    /** The {@code b}-th batch of an epoch: up to {@code num} examples from the {@code from}-th on. */
    @FunctionalInterface
    interface Batch {
        DataSet make(int from, int num, int b);
    }

    /** The batches of one epoch, made as they are asked for. */
    static final class MadeBatches extends BatchIterator {
        private static final long serialVersionUID = 1L;
        private final transient java.util.function.IntPredicate more;
        private final transient Batch batch;
        private int from;
        private int b;

        /** @param more whether there is a batch from the {@code from}-th example on */
        MadeBatches(int perBatch, java.util.function.IntPredicate more, Batch batch) {
            super(perBatch);
            this.more = more;
            this.batch = batch;
        }

        @Override
        protected DataSet nextBatch(int num) {
            DataSet ds = batch.make(from, num, b++);
            from += ds.numExamples();
            return ds;
        }

        @Override
        public boolean hasNext() {
            return more.test(from);
        }

        @Override
        public void reset() {
            if (from != 0) {
                throw new UnsupportedOperationException("an epoch's batches are made once; ask for the next epoch's");
            }
        }

        @Override
        public int inputColumns() {
            return -1;
        }

        @Override
        public int totalOutcomes() {
            return -1;
        }

        @Override
        public List<String> getLabels() {
            return null;
        }
    }

    /** Mean of the values. */
    static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }
}
