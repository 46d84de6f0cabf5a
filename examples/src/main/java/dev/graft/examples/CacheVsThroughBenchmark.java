package dev.graft.examples;

import dev.graft.transfer.TransferPlan;
import dev.graft.transfer.data.LabeledData;
import dev.graft.transfer.tune.EpochRecord;
import dev.graft.transfer.tune.FineTuneConfig;
import dev.graft.transfer.tune.FineTuneResult;
import dev.graft.transfer.tune.FineTuner;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.model.ResNet50;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * Epoch time of head training from the feature cache versus through the frozen layers, for a ResNet50-architecture
 * base (DL4J zoo, random weights) on synthetic 224x224 RGB images.
 *
 * <pre>{@code
 * java -cp examples/target/graft-cli.jar dev.graft.examples.CacheVsThroughBenchmark [IMAGES] [CACHE_EPOCHS] [THROUGH_EPOCHS] [BATCH]
 * }</pre>
 * Defaults: 256 images, 5 cached epochs, 2 epochs through, batch 16.
 */
public final class CacheVsThroughBenchmark {
    private CacheVsThroughBenchmark() {
    }

    /** Runs the benchmark and prints one line per epoch and a summary. */
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        int cacheEpochs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int throughEpochs = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 16;
        int classes = 4;

        ComputationGraph resnet = (ComputationGraph) ResNet50.builder().numClasses(1000).seed(1L).build().init();
        String output = resnet.getConfiguration().getNetworkOutputs().get(0);
        String cut = resnet.getConfiguration().getVertexInputs().get(output).get(0);
        ModelCard card = ModelCard.builder("resnet50-random").architecture("ResNet50").input(InputLayout.NCHW, 3, 224, 224)
                .normalization(Normalization.scale(1 / 255.0)).build();
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 3, 224, 224).muli(255);
        int[] y = new int[n];
        List<String> labels = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            labels.add("c" + c);
        }
        for (int i = 0; i < n; i++) {
            y[i] = i % classes;
        }
        LabeledData data = new LabeledData(x, y, labels, "synthetic 224x224 RGB");
        System.out.printf(Locale.ROOT, "ResNet50 (random weights), cut at '%s', %d images, batch %d, OMP_NUM_THREADS=%s%n", cut, n, batch,
                dev.graft.engine.Settings.ofProcess().foreignEnvironment("OMP_NUM_THREADS"));

        Path dir = Files.createTempDirectory("graft-bench");
        FineTuneResult cached = FineTuner.builder(plan(resnet, card, cut, classes)).train(data).config(FineTuneConfig.builder().epochs(cacheEpochs).batchSize(batch).build())
                .cacheDirectory(dir).log(System.out::println).build().run();
        double build = cached.cacheReports().get(0).seconds();
        FineTuneResult through = FineTuner.builder(plan(resnet, card, cut, classes)).train(data).config(FineTuneConfig.builder().epochs(throughEpochs).batchSize(batch).build())
                .trainThrough(true).log(System.out::println).build().run();
        double mc = median(cached.history());
        double mt = median(through.history());
        System.out.printf(Locale.ROOT, "cache build (featurize %d images once): %.1f s%n", n, build);
        System.out.printf(Locale.ROOT, "median head epoch from cache: %.3f s (%d epochs)%n", mc, cached.history().size());
        System.out.printf(Locale.ROOT, "median head epoch through frozen layers: %.1f s (%d epochs)%n", mt, through.history().size());
        System.out.printf(Locale.ROOT, "ratio through/cache: %.0fx%n", mt / mc);
    }

    private static GraftModel plan(ComputationGraph resnet, ModelCard card, String cut, int classes) {
        return TransferPlan.builder().freezeThrough(cut).replaceHead(classes, Activation.SOFTMAX, LossFunction.MCXENT)
                .updater(new Adam(1e-3)).seed(3).build().apply(GraftModel.of(resnet, card));
    }

    private static double median(List<EpochRecord> h) {
        double[] s = h.stream().mapToDouble(EpochRecord::seconds).sorted().toArray();
        return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
