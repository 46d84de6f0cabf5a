package dev.graft.pretrain;

import dev.graft.engine.Engine;
import dev.graft.transfer.data.DataSource;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import dev.graft.zoo.Progress;
import dev.graft.zoo.SourceKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
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

/** Pieces every pretraining task shares: configuration, data loading, base extraction, the saved card. */
final class Nets {

    /** Name prefix of base layers inside a task's ComputationGraph. */
    static final String BASE_PREFIX = BaseNet.LAYER_PREFIX;

    private Nets() {
    }

    /** Common network settings: seed, Adam, Xavier init. */
    static NeuralNetConfiguration.Builder config(Training t) {
        return new NeuralNetConfiguration.Builder().seed(t.seed()).updater(new Adam(t.learningRate()))
                .weightInit(WeightInit.XAVIER).dataType(DataType.FLOAT);
    }

    /** A network of the base's layers followed by {@code head}, initialized with the training seed. */
    static MultiLayerNetwork baseWithHead(BaseNet base, Training t, Layer... head) {
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
    static MultiLayerNetwork extractBase(BaseNet base, Model trained, Training t) {
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
    static <N extends Model & NeuralNetwork> double[] trainEpochs(N net, Training t, String taskName, int n, int perBatch,
                                                                  BatchMaker maker) {
        return Engine.training(net, () -> epochLoop(net, t, taskName, n, perBatch, maker));
    }

    private static <N extends Model & NeuralNetwork> double[] epochLoop(N net, Training t, String taskName, int n,
                                                                      int perBatch, BatchMaker maker) {
        Random rnd = new Random(t.seed());
        double[] losses = new double[t.epochs()];
        try (Progress.Task task = t.progress().start(taskName, t.epochs(), "epochs")) {
            for (int e = 0; e < t.epochs(); e++) {
                int[] perm = permutation(n, rnd);
                List<Double> scores = new ArrayList<>();
                for (int from = 0, b = 0; from < n; from += perBatch, b++) {
                    net.fit(maker.batch(perm, from, Math.min(n, from + perBatch), rnd, batchSeed(t.seed(), e, b)));
                    scores.add(net.score());
                }
                losses[e] = mean(scores);
                task.message(String.format(Locale.ROOT, "loss %.4f", losses[e]));
                task.step(1);
            }
        }
        return losses;
    }

    /** Mean of the values. */
    static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }
}
