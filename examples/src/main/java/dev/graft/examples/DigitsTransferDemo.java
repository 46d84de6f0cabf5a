package dev.graft.examples;

import dev.graft.engine.Engine;
import dev.graft.transfer.TransferPlan;
import dev.graft.transfer.cache.CacheReport;
import dev.graft.transfer.data.DataSource;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import dev.graft.transfer.tune.EpochRecord;
import dev.graft.transfer.tune.FineTuneConfig;
import dev.graft.transfer.tune.FineTuneResult;
import dev.graft.transfer.tune.FineTuner;
import dev.graft.transfer.tune.Trainer;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import dev.graft.zoo.Progress;
import dev.graft.zoo.SourceKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.earlystopping.EarlyStoppingConfiguration;
import org.deeplearning4j.earlystopping.EarlyStoppingResult;
import org.deeplearning4j.earlystopping.saver.InMemoryModelSaver;
import org.deeplearning4j.earlystopping.scorecalc.DataSetLossCalculator;
import org.deeplearning4j.earlystopping.termination.MaxEpochsTerminationCondition;
import org.deeplearning4j.earlystopping.termination.ScoreImprovementEpochTerminationCondition;
import org.deeplearning4j.earlystopping.trainer.EarlyStoppingTrainer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The seed notes' classic exercise on real data: train on digits 0-4, reuse the network for digits 5-9
 * with few labels, and compare with training from scratch.
 *
 * <ol>
 *   <li>source network on digits 0-4 (5 × 100 ELU, He init, Adam, early stopping, best model restored);</li>
 *   <li>saved as a Graft model (zip + card) and loaded back;</li>
 *   <li>frozen hidden layers, new softmax head ({@link TransferPlan}) trained by {@link FineTuner} from a disk
 *       cache of the frozen layers' outputs (and, for comparison, the same head trained through the frozen
 *       layers, {@code trainThrough(true)});</li>
 *   <li>top two hidden layers unfrozen by a second plan, fine-tuned at a lower rate (from a cache at the lower
 *       cut);</li>
 *   <li>the same architecture from scratch on the same examples.</li>
 * </ol>
 * Runs on a fixed stratified split of the embedded digits (seed {@value #SPLIT_SEED}), so every run reports
 * accuracy on the same test examples; each repetition seed changes initialisation, validation split and
 * which few labelled examples are drawn.
 */
public final class DigitsTransferDemo {
    /** Seed of the train/test split, fixed so every run tests on the same examples. */
    public static final long SPLIT_SEED = 42;
    /** Share of each class held out for testing. */
    public static final double TEST_FRACTION = 0.25;
    /** Share of the source training set used for early-stopping validation. */
    public static final double VALIDATION_FRACTION = 0.15;
    /** Validation-loss improvement below which an epoch counts as no improvement for early stopping. */
    static final double MIN_IMPROVEMENT = 1e-4;
    /** Cut for the frozen transfer: the output of the last hidden layer. */
    static final int TOP_HIDDEN = DigitsMlp.HIDDEN - 1;
    /** Cut for fine-tuning the top two hidden layers. */
    static final int BELOW_TOP_TWO = DigitsMlp.HIDDEN - 3;

    private final DemoSettings settings;
    private final Progress progress;

    /** A demo with the given settings, reporting progress to {@code progress}. */
    public DigitsTransferDemo(DemoSettings settings, Progress progress) {
        this.settings = settings;
        this.progress = progress;
    }

    /** Runs every seed and returns the results. */
    public DemoReport run() throws IOException {
        DataSource.Split<LabeledData> split = DataSpec.load("digits").split(TEST_FRACTION, SPLIT_SEED);
        List<String> sourceClasses = DataSpec.parseClasses("0-4", "digits:0-4");
        List<String> targetClasses = DataSpec.parseClasses("5-9", "digits:5-9");
        Data data = new Data(split.train().selectClasses(sourceClasses), split.test().selectClasses(sourceClasses),
                split.train().selectClasses(targetClasses), split.test().selectClasses(targetClasses));
        Files.createDirectories(settings.outDir());
        List<SeedResult> results = new ArrayList<>();
        int steps = settings.seeds() * (1 + settings.curve().size() * 3 + 2);
        try (Progress.Task task = progress.start("demo", steps, "steps")) {
            for (int i = 0; i < settings.seeds(); i++) {
                results.add(runSeed(data, settings.firstSeed() + i, task));
            }
        }
        return new DemoReport(settings, results, data.describe());
    }

    private SeedResult runSeed(Data data, long seed, Progress.Task task) throws IOException {
        Path seedDir = settings.outDir().resolve("seed-" + seed);
        Files.createDirectories(seedDir);
        SeedResult r = new SeedResult(seed);

        // 1. source network on digits 0-4, early stopping on a validation split, best model restored
        task.message("seed " + seed + ": source net");
        long t0 = System.nanoTime();
        DataSource.Split<LabeledData> sv = data.sourceTrain.split(VALIDATION_FRACTION, seed);
        ModelCard card = ModelCard.builder("digits-0-4").architecture("mlp-64-5x100-elu")
                .source(SourceKind.GRAFT).input(InputLayout.FLAT, DataSpec.DIGITS_PIXELS)
                .normalization(Normalization.scale(1 / DataSpec.DIGITS_MAX)).labels(data.sourceTrain.labels())
                .license("CC BY 4.0 (trained on UCI optical digits)").origin("graft demo, seed " + seed).build();
        EarlyStoppingResult<MultiLayerNetwork> es = trainSource(sv.train(), sv.test(), card, seed);
        MultiLayerNetwork source = es.getBestModel();
        r.sourceSeconds = seconds(t0);
        r.sourceBestEpoch = es.getBestModelEpoch();
        r.sourceEpochs = es.getTotalEpochs();
        GraftModel sourceModel = GraftModel.of(source, card);
        r.sourceAccuracy = accuracy(sourceModel, data.sourceTest);
        task.step(1);

        // 2. save as a Graft model and load it back
        task.message("seed " + seed + ": save + load");
        t0 = System.nanoTime();
        r.sourceFile = seedDir.resolve("source-0-4.zip");
        sourceModel.save(r.sourceFile);
        GraftModel loaded = GraftModel.load(r.sourceFile);
        INDArray probe = data.sourceTest.features();
        r.reloadIdentical = sourceModel.predict(probe).equals(loaded.predict(probe));
        r.saveLoadSeconds = seconds(t0);
        task.step(1);

        // 3-5 at every labels-per-class count of the curve; the main count also compares with the uncached path
        for (int perClass : settings.curve()) {
            LabeledData few = data.targetTrain.samplePerClass(perClass, seed).shuffled(seed);
            boolean main = perClass == settings.labelsPerClass();
            task.message("seed " + seed + ", " + perClass + "/class: frozen head");
            Outcome frozen = frozenTransfer(loaded, few, data.targetTest, seed, main, r);
            task.step(1);
            task.message("seed " + seed + ", " + perClass + "/class: top 2 unfrozen");
            Outcome top2 = topTwoUnfrozen(frozen.model, few, data.targetTest, seed);
            task.step(1);
            task.message("seed " + seed + ", " + perClass + "/class: from scratch");
            Outcome scratch = fromScratch(few, data.targetTest, card, seed);
            task.step(1);
            r.curve.put(perClass, new Outcome[] {frozen, top2, scratch});
        }
        task.step(1);
        return r;
    }

    private EarlyStoppingResult<MultiLayerNetwork> trainSource(LabeledData train, LabeledData val, ModelCard card,
                                                              long seed) {
        MultiLayerNetwork net = DigitsMlp.build(seed, settings.sourceLearningRate(), DataSpec.DIGITS_PIXELS,
                DigitsMlp.HIDDEN, train.numClasses());
        DataSetIterator trainIt = new ShufflingIterator(normalized(train, card), settings.sourceBatchSize(), seed);
        DataSetIterator valIt = new ShufflingIterator(normalized(val, card), 256, -1);
        EarlyStoppingConfiguration<MultiLayerNetwork> conf = new EarlyStoppingConfiguration.Builder<MultiLayerNetwork>()
                .epochTerminationConditions(new MaxEpochsTerminationCondition(settings.sourceMaxEpochs()),
                        new ScoreImprovementEpochTerminationCondition(settings.patience(), MIN_IMPROVEMENT))
                .scoreCalculator(new DataSetLossCalculator(valIt, true))
                .evaluateEveryNEpochs(1)
                .modelSaver(new InMemoryModelSaver<>())
                .build();
        return Engine.training(net, () -> new EarlyStoppingTrainer(conf, net, trainIt).fit());
    }

    /** Step 3: freeze every hidden layer, train a new softmax head from the disk cache. */
    private Outcome frozenTransfer(GraftModel source, LabeledData few, LabeledData test, long seed, boolean main,
                                   SeedResult r) throws IOException {
        TransferPlan plan = TransferPlan.builder().freezeThrough(TOP_HIDDEN)
                .replaceHead(few.numClasses(), Activation.SOFTMAX, LossFunctions.LossFunction.MCXENT)
                .labels(few.labels()).seed(seed).updater(new Adam(settings.headLearningRate())).build();
        // the sampled set is already shuffled with the seed: the head trains on it in stored order; FineTuner
        // featurizes with the training batch size, so both paths below see the same batches and the same rounding
        long t0 = System.nanoTime();
        FineTuneResult cached = headTuner(plan.apply(source), few, seed)
                .cacheDirectory(cacheDir(seed, TOP_HIDDEN, few)).build().run();
        double seconds = seconds(t0);
        GraftModel transferred = GraftModel.of(cached.model().network(), cached.model().card().toBuilder()
                .name("digits-5-9-frozen").origin("graft demo: digits-0-4 base, new head, seed " + seed).build());
        Outcome o = new Outcome(accuracy(transferred, test), seconds, transferred);
        if (main) {
            CacheReport built = cached.cacheReports().get(0);
            r.cacheDir = built.directory();
            r.cacheReused = built.outcome() == CacheReport.Outcome.REUSED;
            r.featurizeSeconds = built.seconds();
            r.headFromCacheSeconds = epochSeconds(cached);
            MultiLayerNetwork full = transferred.multiLayerNetwork();
            r.frozenUnchanged = frozenLayersEqual(source.multiLayerNetwork(), full, TOP_HIDDEN);
            // the same plan (same seed, so the same initial head) and batch order, trained through the frozen layers
            FineTuneResult through = headTuner(plan.apply(source), few, seed).trainThrough(true).build().run();
            r.headThroughFrozenSeconds = epochSeconds(through);
            MultiLayerNetwork viaRaw = through.model().multiLayerNetwork();
            r.frozenUnchanged &= frozenLayersEqual(source.multiLayerNetwork(), viaRaw, TOP_HIDDEN);
            r.cacheVsThroughMaxDiff = viaRaw.getLayer(TOP_HIDDEN + 1).params()
                    .sub(full.getLayer(TOP_HIDDEN + 1).params()).amaxNumber().doubleValue();
            r.transferFile = r.sourceFile.resolveSibling("transfer-5-9.zip");
            transferred.save(r.transferFile);
        }
        return o;
    }

    /** Head training of step 3: fixed epochs in the stored order of {@code few}, the last epoch's weights kept. */
    private FineTuner.Builder headTuner(GraftModel planned, LabeledData few, long seed) {
        return FineTuner.builder(planned).train(few).config(FineTuneConfig.builder().epochs(settings.headEpochs())
                .batchSize(settings.batchSize()).seed(seed).shuffle(false).restoreBest(false).build());
    }

    /** Step 4: unfreeze the top two hidden layers and fine-tune them with the head at a lower rate. */
    private Outcome topTwoUnfrozen(GraftModel frozenTransfer, LabeledData few, LabeledData test, long seed)
            throws IOException {
        long t0 = System.nanoTime();
        GraftModel planned = TransferPlan.builder().freezeThrough(BELOW_TOP_TWO)
                .updater(new Adam(settings.fineTuneLearningRate())).build().apply(frozenTransfer);
        FineTuneResult tuned = FineTuner.builder(planned).train(few).config(FineTuneConfig.builder()
                .epochs(settings.fineTuneEpochs()).batchSize(settings.batchSize())
                .learningRate(settings.fineTuneLearningRate()).seed(seed).shuffle(true).restoreBest(false).build())
                .cacheDirectory(cacheDir(seed, BELOW_TOP_TWO, few)).build().run();
        GraftModel model = GraftModel.of(tuned.model().network(),
                frozenTransfer.card().toBuilder().name("digits-5-9-top2").build());
        return new Outcome(accuracy(model, test), seconds(t0), model);
    }

    /** Step 5: the same architecture trained from scratch on the same few examples. */
    private Outcome fromScratch(LabeledData few, LabeledData test, ModelCard sourceCard, long seed) {
        long t0 = System.nanoTime();
        MultiLayerNetwork net = DigitsMlp.build(seed + 1_000_003L, settings.sourceLearningRate(), DataSpec.DIGITS_PIXELS,
                DigitsMlp.HIDDEN, few.numClasses());
        ModelCard card = sourceCard.toBuilder().name("digits-5-9-scratch").labels(few.labels()).build();
        ShufflingIterator batches = new ShufflingIterator(normalized(few, card), settings.batchSize(), seed);
        Trainer.fit(net, "from scratch", 1, settings.scratchEpochs(), () -> batches, null, List.of(), List.of());
        GraftModel model = GraftModel.of(net, card);
        return new Outcome(accuracy(model, test), seconds(t0), model);
    }

    /** One cache folder per (seed, cut, labels per class); the cache's own key guards its content. */
    private Path cacheDir(long seed, int cut, LabeledData few) {
        return settings.outDir().resolve("cache").resolve("seed-" + seed + "-cut" + cut + "-n" + few.size());
    }

    /** True if the parameters of layers {@code 0..cut} of both networks are bit-identical. */
    static boolean frozenLayersEqual(MultiLayerNetwork a, MultiLayerNetwork b, int cut) {
        for (int i = 0; i <= cut; i++) {
            if (!java.util.Arrays.equals(a.getLayer(i).params().dup().data().asFloat(),
                    b.getLayer(i).params().dup().data().asFloat())) {
                return false;
            }
        }
        return true;
    }

    static DataSet normalized(LabeledData d, ModelCard card) {
        return new DataSet(card.normalization().apply(d.features(), card.layout()), d.oneHotLabels());
    }

    /** Share of {@code test} examples whose arg-max prediction equals the label. */
    static double accuracy(GraftModel model, LabeledData test) {
        INDArray predicted = model.predict(test.features()).argMax(1);
        int[] labels = test.labelIndices();
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            if (predicted.getInt(i) == labels[i]) {
                correct++;
            }
        }
        return correct / (double) labels.length;
    }

    /** Wall time of a fine-tune's training epochs. */
    private static double epochSeconds(FineTuneResult r) {
        return r.history().stream().mapToDouble(EpochRecord::seconds).sum();
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** The fixed data of the demo. */
    record Data(LabeledData sourceTrain, LabeledData sourceTest, LabeledData targetTrain, LabeledData targetTest) {
        String describe() {
            return String.format("digits split %.0f/%.0f (seed %d): 0-4 train %d / test %d, 5-9 pool %d / test %d",
                    100 * (1 - TEST_FRACTION), 100 * TEST_FRACTION, SPLIT_SEED, sourceTrain.size(), sourceTest.size(),
                    targetTrain.size(), targetTest.size());
        }
    }

    /** Accuracy and wall time of one trained model. */
    record Outcome(double accuracy, double seconds, GraftModel model) {
    }

    /** Everything measured for one seed. */
    static final class SeedResult {
        final long seed;
        double sourceAccuracy;
        double sourceSeconds;
        int sourceBestEpoch;
        int sourceEpochs;
        Path sourceFile;
        boolean reloadIdentical;
        double saveLoadSeconds;
        Path cacheDir;
        boolean cacheReused;
        double featurizeSeconds;
        double headFromCacheSeconds;
        double headThroughFrozenSeconds;
        double cacheVsThroughMaxDiff;
        boolean frozenUnchanged;
        Path transferFile;
        /** labels per class → {frozen head, top two unfrozen, from scratch}. */
        final Map<Integer, Outcome[]> curve = new LinkedHashMap<>();

        SeedResult(long seed) {
            this.seed = seed;
        }
    }
}
