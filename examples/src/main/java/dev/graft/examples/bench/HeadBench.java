package dev.graft.examples.bench;

import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.Precision;
import dev.graft.transfer.data.LabeledData;
import dev.graft.transfer.tune.FineTuner;
import dev.graft.transfer.tune.Trainer;
import dev.graft.engine.Engine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Head training throughput: 4096 → 256 ReLU → 10 softmax, Adam, batch 64, one epoch over the rows per run, from
 * rows in memory and from Graft's disk {@link FeatureCache} (float32 and float16, shuffled across shards).
 */
final class HeadBench {
    static final int WIDTH = 4096;
    static final int BATCH = 64;
    static final int CLASSES = 10;

    private HeadBench() {
    }

    static List<Result> run(int rows, Timer timer, Path scratch) throws Exception {
        LabeledData data = randomRows(rows, WIDTH, 11);
        List<Result> out = new ArrayList<>();
        List<DataSet> batches = data.toDataSet().batchBy(BATCH);
        out.add(epochs("head-memory", "rows in memory, the same 64-row batches each epoch", rows, timer,
                () -> new ExistingDataSetIterator(batches)));
        for (Precision p : Precision.values()) {
            FeatureCache cache = FeatureCache.builder(scratch.resolve("head-" + p.name().toLowerCase(Locale.ROOT)))
                    .featurizer(new IdentityFeaturizer(WIDTH)).source(data).precision(p).batchSize(256).build();
            cache.build();
            out.add(epochs("head-cache-" + p.name().toLowerCase(Locale.ROOT),
                    "from the disk cache, " + p.name().toLowerCase(Locale.ROOT) + ", iterator(64, shuffled)", rows,
                    timer, () -> cache.iterator(BATCH, 5)));
        }
        return out;
    }

    /** Source of a fresh iterator per epoch. */
    @FunctionalInterface
    interface Iterators {
        DataSetIterator next() throws Exception;
    }

    private static Result epochs(String id, String what, int rows, Timer timer, Iterators iterators) throws Exception {
        MultiLayerNetwork net = head(3);
        // trained exactly as Graft's FineTuner trains a head (threads, Graft's Adam, lean dense step)
        double[] perSecond = timer.measure(() -> {
            Trainer.fitEpoch(net, iterators.next());
            return rows;
        });
        return new Result(id, "examples/s", perSecond, String.format(Locale.ROOT,
                "%d->256 ReLU->%d softmax, Adam, batch %d, %d rows, %s, %d thread(s), %s, %s Adam", WIDTH, CLASSES,
                BATCH, rows, what, Engine.trainingThreads(net),
                Trainer.usesDenseHeadTrainer(net) ? "Graft dense step" : "DL4J fit",
                Engine.javaAdamRequested() ? "Java" : "libnd4j"));
    }

    static MultiLayerNetwork head(long seed) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(seed)
                .dataType(DataType.FLOAT).weightInit(WeightInit.RELU).updater(new Adam(1e-3)).list()
                .layer(new DenseLayer.Builder().nIn(WIDTH).nOut(256).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(256).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }

    static LabeledData randomRows(int rows, int width, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.FLOAT, rows, width);
        int[] y = new int[rows];
        Random r = new Random(seed);
        for (int i = 0; i < rows; i++) {
            y[i] = r.nextInt(CLASSES);
        }
        List<String> names = new ArrayList<>();
        for (int c = 0; c < CLASSES; c++) {
            names.add("c" + c);
        }
        return new LabeledData(x, y, names, "random " + rows + "x" + width);
    }
}
