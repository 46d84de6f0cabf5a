package dev.graft.examples;

import dev.graft.transfer.cache.CacheReport;
import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.Featurizer;
import dev.graft.transfer.cache.Featurizers;
import dev.graft.transfer.data.DataSource;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The feature cache in one story: train a small base on digits 0-4, cut it below its head, featurize digits 5-9
 * once to disk, and train a new head for many epochs from the cache — each epoch a read, not a forward pass.
 * <pre>
 *   java -cp examples/target/graft-cli.jar dev.graft.examples.FeatureCacheExample [CACHE_DIR] [HEAD_EPOCHS]
 * </pre>
 * Run it twice: the second run reuses the cache.
 */
public final class FeatureCacheExample {
    private FeatureCacheExample() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("graft-cache-example");
        int headEpochs = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        System.out.println(run(dir, headEpochs));
    }

    /** Runs the story; returns a few lines of results. */
    public static String run(Path dir, int headEpochs) throws Exception {
        GraftModel base = trainBase(DataSpec.load("digits:0-4"), 10);
        Featurizer frozen = Featurizers.cut(base, "hidden2");

        DataSource.Split<LabeledData> split = DataSpec.load("digits:5-9").samplePerClass(40, 1).split(0.5, 2);
        FeatureCache train = FeatureCache.builder(dir.resolve("train")).featurizer(frozen).source(split.train()).build();
        FeatureCache test = FeatureCache.builder(dir.resolve("test")).featurizer(frozen).source(split.test()).build();
        CacheReport trainReport = train.build();
        test.build();

        MultiLayerNetwork head = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3)
                .updater(new Adam(1e-2)).list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(frozen.featureShape()[0])
                        .nOut(train.labels().size()).activation(Activation.SOFTMAX).build())
                .build());
        head.init();
        DataSetIterator epochs = train.iterator(16, 42); // a new shuffle every epoch
        long t0 = System.nanoTime();
        head.fit(epochs, headEpochs);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Evaluation eval = head.evaluate(test.iterator(64, -1));
        return String.format(Locale.ROOT, "%s%nhead: %d epochs from the cache in %.2f s (%.1f ms/epoch); "
                        + "accuracy on %d held-out digits 5-9: %.3f (from %d training examples)",
                trainReport.summary(), headEpochs, seconds, 1000 * seconds / headEpochs, test.size(), eval.accuracy(),
                train.size());
    }

    /** A small MLP trained on the given digits: the "pretrained" base. */
    static GraftModel trainBase(LabeledData data, int epochs) {
        ModelCard card = ModelCard.builder("digits-0-4-mlp").architecture("mlp-64-100-50")
                .input(InputLayout.FLAT, DataSpec.DIGITS_PIXELS).normalization(Normalization.scale(1 / DataSpec.DIGITS_MAX))
                .labels(data.labels()).build();
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1)
                .updater(new Adam(1e-2)).list()
                .layer(new DenseLayer.Builder().name("hidden1").nIn(64).nOut(100).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("hidden2").nIn(100).nOut(50).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("predictions").nIn(50)
                        .nOut(data.numClasses()).activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        GraftModel model = GraftModel.of(net, card);
        LabeledData normalized = new LabeledData(model.preprocess(data.features()), data.labelIndices(), data.labels(),
                "normalized");
        net.fit(normalized.iterator(32), epochs);
        return model;
    }
}
