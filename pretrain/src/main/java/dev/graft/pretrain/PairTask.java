package dev.graft.pretrain;

import dev.graft.transfer.tune.FineTuneConfig;
import dev.graft.engine.Engine;
import dev.graft.pretrain.corrupt.Corruptor;
import dev.graft.transfer.data.DataSource;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.Normalization;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ReshapeVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Same/different pretraining: a pair of examples goes through one shared base, and a small head decides
 * whether they are "the same". The base is a single path of a ComputationGraph that sees both members of
 * every pair (rows {@code 2i} and {@code 2i+1} of a minibatch), so its weights are shared by construction;
 * a reshape vertex then puts the two codes of a pair side by side for the head.
 *
 * <p>Two pairings: {@link Pairing#SAME_CLASS} ("are these two digits the same digit?", needs labels, e.g.
 * from another labelled set) and {@link Pairing#SAME_EXAMPLE} (two corrupted views of one example vs views of
 * two examples; needs no labels).
 * <pre>{@code
 * Pretrained p = PairTask.builder(BaseNet.mlp(64, Activation.RELU, 128, 64)).pairing(Pairing.SAME_CLASS)
 *     .normalization(Normalization.scale(1 / 16.0)).build().pretrain(DataSpec.load("digits:0-4"));
 * }</pre>
 */
public final class PairTask {

    /** What makes a pair "the same". */
    public enum Pairing {
        /** Two examples with the same label (uses the data's labels). */
        SAME_CLASS,
        /** Two corrupted views of the same example (labels unused; needs a corruptor). */
        SAME_EXAMPLE
    }

    private final BaseNet base;
    private final Pairing pairing;
    private final Corruptor corruptor;
    private final Normalization normalization;
    private final FineTuneConfig training;
    private final String name;
    private final int headWidth;

    private PairTask(Builder b) {
        this.base = b.base;
        this.pairing = b.pairing;
        this.corruptor = b.corruptor;
        this.normalization = b.normalization;
        this.training = b.training;
        this.name = b.name;
        this.headWidth = b.headWidth;
    }

    /** Starts a pair task that pretrains {@code base}. */
    public static Builder builder(BaseNet base) {
        return new Builder(base);
    }

    /** The siamese graph: input rows in pairs, shared base, pair codes joined, same/different softmax. */
    ComputationGraph graph() {
        ComputationGraphConfiguration.GraphBuilder g = Nets.config(training).graphBuilder().addInputs("pair");
        String prev = "pair";
        List<Layer> layers = base.layers();
        for (int i = 0; i < layers.size(); i++) {
            g.addLayer(Nets.BASE_PREFIX + i, layers.get(i), prev);
            prev = Nets.BASE_PREFIX + i;
        }
        g.addVertex("join", new ReshapeVertex(-1, 2 * base.outputSize()), prev)
                .addLayer("head", new DenseLayer.Builder().nOut(headWidth).activation(Activation.RELU).build(), "join")
                .addLayer("same", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "head")
                .setOutputs("same").setInputTypes(base.inputType());
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return net;
    }

    /**
     * Trains the same/different classifier on pairs drawn from {@code data} and returns the base.
     *
     * @throws IllegalArgumentException if the data is empty, does not fit the base, or (same-class pairing)
     *                                  has fewer than two classes present
     */
    public Pretrained pretrain(DataSource data) {
        INDArray x = Nets.loadAll(data, base, normalization);
        int n = (int) x.size(0);
        int[] labels = pairing == Pairing.SAME_CLASS ? labelsOf(data) : null;
        List<List<Integer>> byClass = labels == null ? null : groups(labels, data.numClasses(), data.describe());
        ComputationGraph net = graph();
        int perBatch = Math.max(1, training.batchSize() / 2);
        double[] losses = Nets.trainEpochs(net, training, "pair task (" + pairing.name().toLowerCase(Locale.ROOT) + ")", n,
                perBatch, (perm, from, to, rnd, seed) -> pairs(x, labels, byClass, perm, from, to, rnd, seed));
        String origin = "graft pretrain pairs: same/different (" + pairing.name().toLowerCase(Locale.ROOT) + ") on "
                + data.describe() + (corruptor == null ? "" : ", corruptor " + corruptor.describe()) + ", " + Nets.describe(training);
        GraftModel model = Nets.card(Nets.extractBase(base, net, training), base, normalization, name, origin,
                String.format(Locale.ROOT, "final same/different loss %.4f", losses[losses.length - 1]));
        return new Pretrained(model, List.of(losses));
    }

    /** One minibatch of pairs anchored at {@code perm[from..to)}: half "same" (label 0), half "different" (label 1). */
    private DataSet pairs(INDArray x, int[] labels, List<List<Integer>> byClass, int[] perm, int from, int to,
                          Random rnd, long seed) {
        int p = to - from;
        int n = (int) x.size(0);
        int[] a = new int[p];
        int[] b = new int[p];
        INDArray y = Nd4j.zeros(DataType.FLOAT, p, 2);
        for (int k = 0; k < p; k++) {
            int i = perm[from + k];
            boolean same = rnd.nextBoolean();
            a[k] = i;
            if (labels == null) {
                b[k] = same ? i : otherThan(i, n, rnd);
            } else {
                List<Integer> pool = same ? byClass.get(labels[i]) : byClass.get(otherClass(labels[i], byClass, rnd));
                b[k] = pool.get(rnd.nextInt(pool.size()));
            }
            y.putScalar(k, same ? 0 : 1, 1f);
        }
        INDArray left = Nets.rows(x, a, 0, p);
        INDArray right = Nets.rows(x, b, 0, p);
        if (corruptor != null) {
            left = corruptor.corrupt(left, seed * 2);
            right = corruptor.corrupt(right, seed * 2 + 1);
        }
        long[] shape = x.shape().clone();
        shape[0] = 2L * p;
        INDArray joined = Nd4j.concat(1, left.reshape(p, -1), right.reshape(p, -1)).reshape(shape);
        return new DataSet(joined, y);
    }

    private static int otherThan(int i, int n, Random rnd) {
        if (n < 2) {
            throw new IllegalArgumentException("same-example pairs need at least two examples, got " + n);
        }
        int j = rnd.nextInt(n - 1);
        return j >= i ? j + 1 : j;
    }

    private static int otherClass(int c, List<List<Integer>> byClass, Random rnd) {
        while (true) {
            int k = rnd.nextInt(byClass.size());
            if (k != c && !byClass.get(k).isEmpty()) {
                return k;
            }
        }
    }

    private static int[] labelsOf(DataSource data) {
        int[] labels = new int[data.size()];
        int i = 0;
        DataSetIterator it = data.iterator(1024);
        while (it.hasNext()) {
            INDArray y = it.next().getLabels();
            INDArray idx = y.argMax(1);
            for (int r = 0; r < y.size(0); r++) {
                labels[i++] = idx.getInt(r);
            }
        }
        return labels;
    }

    private static List<List<Integer>> groups(int[] labels, int classes, String what) {
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < labels.length; i++) {
            byClass.get(labels[i]).add(i);
        }
        long present = byClass.stream().filter(l -> !l.isEmpty()).count();
        if (present < 2) {
            throw new IllegalArgumentException("same-class pairs need examples of at least two classes, but " + what
                    + " has " + present + "; use Pairing.SAME_EXAMPLE for unlabelled data");
        }
        return byClass;
    }

    /**
     * Builder of {@link PairTask}; validates in {@link #build()}. The corruptor is applied to both members of every
     * pair (required for {@link Pairing#SAME_EXAMPLE}); the training batch size counts rows, two per pair.
     */
    public static final class Builder extends TaskBuilder<Builder> {
        private final BaseNet base;
        private Pairing pairing = Pairing.SAME_CLASS;
        private int headWidth = 32;

        private Builder(BaseNet base) {
            super("pairs-base");
            this.base = Objects.requireNonNull(base, "base");
        }

        /** What makes a pair "the same" (default {@link Pairing#SAME_CLASS}). */
        public Builder pairing(Pairing pairing) {
            this.pairing = Objects.requireNonNull(pairing, "pairing");
            return this;
        }

        /** Width of the pair head's hidden layer (default 32). */
        public Builder headWidth(int headWidth) {
            this.headWidth = headWidth;
            return this;
        }

        /** @throws IllegalArgumentException if same-example pairing has no corruptor, or the head width is not positive */
        public PairTask build() {
            if (pairing == Pairing.SAME_EXAMPLE && corruptor == null) {
                throw new IllegalArgumentException("same-example pairs need a corruptor to make two different views of one example");
            }
            if (headWidth <= 0) {
                throw new IllegalArgumentException("head width must be positive, got " + headWidth);
            }
            return new PairTask(this);
        }
    }
}
