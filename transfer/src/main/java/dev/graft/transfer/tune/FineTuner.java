package dev.graft.transfer.tune;

import org.deeplearning4j.optimize.api.TrainingListener;
import dev.graft.engine.Engine;
import dev.graft.engine.EngineSettings;
import dev.graft.engine.NetworkCopies;
import dev.graft.transfer.Networks;
import dev.graft.transfer.TransferPlan;
import dev.graft.transfer.cache.Augmenters;
import dev.graft.transfer.cache.CacheReport;
import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.Featurizer;
import dev.graft.transfer.cache.Featurizers;
import dev.graft.transfer.cache.Precision;
import dev.graft.transfer.data.DataSource;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Trains the new top of a transferred model from a disk cache of its frozen base's outputs, then puts base and
 * top back together as one model that predicts from raw input.
 *
 * <pre>{@code
 * GraftModel planned = TransferPlan.builder().freezeThrough("fc1")
 *     .replaceHead(5, Activation.SOFTMAX, LossFunction.MCXENT).build().apply(base);
 * FineTuneResult r = FineTuner.builder(planned).train(trainSet).validation(valSet)
 *     .cacheDirectory(Path.of("cache")).preset(Presets.get("practical")).epochs(20).build().run();
 * r.model().save(Path.of("tuned.zip"));
 * }</pre>
 *
 * <p>The top (every layer above the cut, see {@link Cut}) is trained as a network of its own on cached features,
 * so an epoch costs no forward pass through the base. Early stopping keeps the weights of the epoch with the
 * lowest validation loss (training loss without validation data). Gradual unfreezing ({@link UnfreezeSchedule})
 * then trains on through the raw data with the top frozen layers unfrozen at a lower rate than the head
 * (per-layer-group rates). Optional: an LR range test ({@link LrFinder}) whose suggestion becomes the rate,
 * one-cycle scheduling, reduce-on-plateau, and any {@link Preset}.
 */
public final class FineTuner {

    private final GraftModel planned;
    private final DataSource train;
    private final DataSource validation;
    private final Path cacheDirectory;
    private final Preset preset;
    private final EngineSettings engine;
    private final int epochs;
    private final int batchSize;
    private final long seed;
    private final boolean shuffle;
    private final Integer patience;
    private final Double learningRate;
    private final boolean oneCycle;
    private final boolean lrFind;
    private final UnfreezeSchedule unfreeze;
    private final boolean trainThrough;
    private final java.util.Map<String, Double> groupRates;
    private final boolean restoreBest;
    private final Precision precision;
    private final Progress progress;
    private final Consumer<String> log;
    private final Trainer.EpochStep headStep;

    private FineTuner(Builder b) {
        this.planned = b.planned;
        this.train = b.train;
        this.validation = b.validation;
        this.cacheDirectory = b.cacheDirectory;
        this.preset = b.preset;
        this.engine = b.engine;
        this.epochs = b.epochs;
        this.batchSize = b.batchSize;
        this.seed = b.seed;
        this.shuffle = b.shuffle;
        this.patience = b.patience;
        this.learningRate = b.learningRate;
        this.oneCycle = b.oneCycle;
        this.lrFind = b.lrFind;
        this.unfreeze = b.unfreeze;
        this.trainThrough = b.trainThrough;
        this.groupRates = java.util.Map.copyOf(b.groupRates);
        this.restoreBest = b.restoreBest;
        this.precision = b.precision;
        this.progress = b.progress;
        this.log = b.log;
        this.headStep = b.headStep;
    }

    /** Starts a fine-tune of {@code planned}: a model whose base is frozen (see {@link TransferPlan}). */
    public static Builder builder(GraftModel planned) {
        return new Builder(planned);
    }

    /**
     * Runs the fine-tune.
     *
     * @throws IOException if a feature cache cannot be written or read
     */
    public FineTuneResult run() throws IOException {
        try (Engine.Scope s = Engine.use(engine)) {
            return runWithSettings();
        }
    }

    private FineTuneResult runWithSettings() throws IOException {
        Cut cut = Cut.of(planned.network());
        Run r = new Run();
        Path dir = cacheDirectory;
        boolean temp = dir == null && !trainThrough;
        if (temp) {
            dir = Files.createTempDirectory("graft-features");
        }
        try {
            return r.execute(cut, dir);
        } finally {
            if (temp) {
                deleteTree(dir);
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The state of one run. */
    private final class Run {
        final List<EpochRecord> history = new ArrayList<>();
        final List<CacheReport> reports = new ArrayList<>();
        double bestScore = Double.POSITIVE_INFINITY;
        int bestEpoch;
        Model bestModel;
        INDArray bestParams;
        int epoch;

        FineTuneResult execute(Cut firstCut, Path dir) throws IOException {
            GraftModel model = planned;
            FeatureCache trainCache = null;
            FeatureCache valCache = null;
            if (!trainThrough) {
                Featurizer f = Featurizers.cut(model, firstCut.layer());
                FeatureCache.Builder tb = FeatureCache.builder(dir.resolve("train")).featurizer(f).source(train)
                        .precision(precision).batchSize(batchSize).progress(progress);
                if (preset != null && preset.augmentation() != null) {
                    String spec = augmentationFor(preset.augmentation(), model.card().layout());
                    if (!spec.isEmpty()) {
                        tb.augment(Augmenters.parse(spec, model.card().layout()), preset.augmentedViews(), seed).keepOriginal(true);
                        log.accept("augmentation: " + preset.augmentedViews() + " views per example (" + spec + ")");
                    }
                }
                trainCache = tb.build();
                reports.add(trainCache.build());
                log.accept(reports.get(reports.size() - 1).summary());
                log.accept("featurize engine: " + f.engine().describe());
                if (validation != null) {
                    valCache = FeatureCache.builder(dir.resolve("val")).featurizer(f).source(validation).precision(precision)
                            .batchSize(batchSize).progress(progress).build();
                    reports.add(valCache.build());
                    log.accept(reports.get(reports.size() - 1).summary());
                }
            }
            long rows = trainCache != null ? trainCache.size() : train.size();
            int batchesPerEpoch = (int) ((rows + batchSize - 1) / batchSize);

            // Learning rate: given, found, or the updater's own.
            LrFinder.Result found = null;
            Double rate = learningRate;
            if (lrFind) {
                Model probe = Cut.of(trainable(model.network(), rate, null)).buildTop();
                DataSetIterator data = trainCache != null ? trainCache.iterator(batchSize, seed) : rawIterator(model, train);
                found = LrFinder.standard().run(trainCache != null ? probe : trainable(model.network(), rate, null), data);
                rate = found.suggested();
                log.accept(String.format(java.util.Locale.ROOT, "LR finder: suggested learning rate %.2e", rate));
            }
            OneCycleSchedule cycle = null;
            if (oneCycle) {
                double max = rate != null ? rate : baseRate(model.network(), firstCut);
                cycle = OneCycleSchedule.of(max, Math.max(1, epochs * batchesPerEpoch));
            }
            Model full = trainable(model.network(), rate, cycle);
            Cut cut = Cut.of(full);
            double base = rate != null ? rate : baseRate(full, cut);
            for (java.util.Map.Entry<String, Double> g : groupRates.entrySet()) {
                if (!cut.topLayers().contains(g.getKey())) {
                    throw new IllegalArgumentException("layer '" + g.getKey() + "' has no learning rate of its own here: it is not above the cut; "
                            + "trainable layers are: " + String.join(", ", cut.topLayers()));
                }
                setRate(full, g.getKey(), base * g.getValue());
            }
            int pat = patience != null ? patience : preset != null && preset.patience() != null ? preset.patience() : Integer.MAX_VALUE;

            if (trainThrough) {
                trainFull(model, full, "head (through)", epochs, pat, cut.topLayers(), base);
            } else {
                Model top = cut.buildTop();
                trainTop(top, trainCache, valCache, pat, cut.topLayers(), base);
                cut.copyFrom(top);
                bestModel = full;
                bestParams = full.params().dup();
            }
            // Gradual unfreezing, stage by stage, through the raw data.
            Model current = full;
            Set<String> trainable = new HashSet<>(cut.topLayers());
            List<String> originalFrozen = Networks.frozenLayers(full);
            for (UnfreezeSchedule.Stage st : unfreeze.stages()) {
                if (restoreBest) {
                    current.setParams(bestParams);
                }
                current = unfreezeTop(GraftModel.of(current, model.card()), originalFrozen, st.layers(), base);
                List<String> frozenNow = Networks.frozenLayers(current);
                for (String n : Networks.layerNames(current)) {
                    if (groupRates.containsKey(n)) {
                        setRate(current, n, base * groupRates.get(n));
                    } else if (!frozenNow.contains(n) && !trainable.contains(n)) {
                        setRate(current, n, base * st.factor());
                    }
                }
                trainFull(model, current, "unfreeze " + st.layers() + " @" + st.factor(), st.epochs(), pat, cut.topLayers(), base);
            }
            Model kept = current;
            if (restoreBest) {
                bestModel.setParams(bestParams);
                kept = bestModel;
            } else {
                bestEpoch = epoch;
            }
            GraftModel result = Cut.record(GraftModel.of(kept, model.card())); // unfreezing moves the cut: keep the card true
            Evaluation eval = validation == null ? null : evaluate(result, validation);
            return new FineTuneResult(result, cut.layer(), List.copyOf(history), bestEpoch, eval, found, List.copyOf(reports));
        }

        /** Head stage from the cache. */
        void trainTop(Model top, FeatureCache trainCache, FeatureCache valCache, int pat, List<String> topLayers, double base)
                throws IOException {
            DataSetIterator it = trainCache.iterator(batchSize, shuffle ? seed : -1);
            DataSetIterator val = valCache == null ? null : valCache.iterator(batchSize, -1); // score() resets it
            List<Trainer.Callback> callbacks = stageCallbacks(top, pat, topLayers, base, e -> {
                if (e.metric() < bestScore) {
                    noteBest(e);
                }
            });
            if (restoreBest) {
                callbacks.add(1, new Trainer.RestoreBest());
            }
            epoch += Trainer.fit(top, "head (cache)", epoch + 1, epochs, () -> {
                it.reset();
                return it;
            }, val == null ? null : () -> val, callbacks, userListeners(), headStep);
        }

        /** A stage trained through the whole network on raw data (frozen layers stay frozen). */
        void trainFull(GraftModel model, Model net, String stage, int n, int pat, List<String> topLayers, double base) {
            List<Trainer.Callback> callbacks = stageCallbacks(net, pat, topLayers, base, e -> {
                if (e.metric() < bestScore) {
                    noteBest(e);
                    bestModel = net;
                    bestParams = net.params().dup();
                }
            });
            epoch += Trainer.fit(net, stage, epoch + 1, n, () -> rawIterator(model, train),
                    validation == null ? null : () -> rawIterator(model, validation), callbacks, userListeners());
            if (bestModel == null) {
                bestModel = net;
                bestParams = net.params().dup();
            }
        }

        /**
         * History, the run-wide best ({@code best}), the preset's plateau and early stopping after {@code pat}
         * epochs without improvement, in that order; the stop is logged.
         */
        private List<Trainer.Callback> stageCallbacks(Model net, int pat, List<String> topLayers, double base,
                Trainer.Callback best) {
            List<Trainer.Callback> callbacks = new ArrayList<>();
            Trainer.Plateau plateau = preset != null && preset.plateau() != null
                    ? new Trainer.Plateau(preset.plateau().patience(), preset.plateau().factor(), base,
                            r -> topLayers.forEach(l -> setRate(net, l, r)), log)
                    : null;
            callbacks.add(e -> record(e, currentRate(net, topLayers, plateau == null ? base : plateau.rate())));
            callbacks.add(best);
            if (plateau != null) {
                callbacks.add(plateau);
            }
            callbacks.add(new Trainer.EarlyStopping(pat));
            callbacks.add(e -> {
                if (e.stopReason() != null) {
                    log.accept(e.stopReason());
                }
            });
            return callbacks;
        }

        void noteBest(Trainer.EpochEnd e) {
            bestScore = e.metric();
            bestEpoch = e.epoch();
        }

        void record(Trainer.EpochEnd e, double rate) {
            history.add(new EpochRecord(e.epoch(), e.stage(), e.trainLoss(), e.valLoss(), e.valAccuracy(), rate,
                    e.seconds()));
            log.accept(String.format(java.util.Locale.ROOT, "epoch %d %s: loss %.4f  val loss %.4f  val acc %.3f  lr %.2e  %.2fs",
                    e.epoch(), e.stage(), e.trainLoss(), e.valLoss(), e.valAccuracy(), rate, e.seconds()));
        }
    }

    /** The listeners the user attached to the planned model's network: they hear every stage. */
    private List<TrainingListener> userListeners() {
        return Trainer.listenersOf(planned.network());
    }

    /**
     * A network to train, never the planned model's own: {@link #configure} copies when it changes something, and
     * a plain copy is made when it does not (the caller's model is left as it was).
     */
    private Model trainable(Model net, Double rate, OneCycleSchedule cycle) {
        Model out = configure(net, rate, cycle);
        if (out != net) {
            return out;
        }
        return NetworkCopies.copyOf(net); // the user's listeners are added per stage (listen)
    }

    /** The network with the preset applied to its trainable layers, and the rate / schedule given. */
    private Model configure(Model net, Double rate, OneCycleSchedule cycle) {
        if (preset == null && rate == null && cycle == null) {
            return net;
        }
        return Reconfigure.trainable(net, layer -> {
            if (preset != null) {
                preset.applyTo(layer);
            }
            if (layer instanceof BaseLayer && (rate != null || cycle != null)) {
                BaseLayer b = (BaseLayer) layer;
                IUpdater u = b.getIUpdater() == null ? new Adam(1e-3) : b.getIUpdater().clone();
                if (cycle != null) {
                    u.setLrAndSchedule(Double.NaN, cycle.clone());
                } else {
                    u.setLrAndSchedule(rate, null);
                }
                b.setIUpdater(u);
                b.setBiasUpdater(null);
            }
        });
    }

    /** Unfreezes the top {@code k} frozen layers that have parameters (and any parameterless ones between). */
    private Model unfreezeTop(GraftModel model, List<String> frozen, int k, double base) {
        List<Integer> withParams = new ArrayList<>();
        for (int i = 0; i < frozen.size(); i++) {
            org.deeplearning4j.nn.api.Layer l = Cut.layerOf(model.network(), frozen.get(i));
            if (l != null && l.numParams() > 0) {
                withParams.add(i);
            }
        }
        TransferPlan.Builder plan = TransferPlan.builder().updater(preset != null && preset.updater() != null ? preset.updater() : new Adam(base));
        if (k < withParams.size()) {
            int lowestUnfrozen = withParams.get(withParams.size() - k);
            if (lowestUnfrozen > 0) {
                plan.freezeThrough(frozen.get(lowestUnfrozen - 1));
            }
        }
        Model out = plan.build().apply(model).network();
        return configure(out, base, null);
    }

    /** The augmentation spec without image-only steps (shift) when the model's input is not an image. */
    static String augmentationFor(String spec, dev.graft.zoo.InputLayout layout) {
        if (layout == dev.graft.zoo.InputLayout.NCHW || layout == dev.graft.zoo.InputLayout.NHWC) {
            return spec;
        }
        List<String> kept = new ArrayList<>();
        for (String part : spec.split(",")) {
            if (!part.trim().startsWith("shift")) {
                kept.add(part.trim());
            }
        }
        return String.join(",", kept);
    }

    private DataSetIterator rawIterator(GraftModel model, DataSource source) {
        return new RawIterator(model, source, batchSize);
    }

    /** Evaluates a model on raw data (its card's normalization applied). */
    public static Evaluation evaluate(GraftModel model, DataSource data) {
        Evaluation eval = new Evaluation(data.labels(), 1);
        DataSetIterator it = data.iterator(64);
        while (it.hasNext()) {
            DataSet ds = it.next();
            eval.eval(ds.getLabels(), model.predict(ds.getFeatures()));
        }
        return eval;
    }

    /**
     * Sets one layer's learning rate by changing its updater configuration in place. DL4J's own
     * {@code setLearningRate} fails with a NullPointerException in {@code NetworkUtils.rebuildUpdaterStateArray}
     * once a network with frozen layers has updater state; the updater reads its configuration object every step,
     * so an in-place change takes effect at the next iteration. Layers that share an updater block must get the
     * same rate (Graft only changes rates per layer before training starts, and scales all alike after).
     */
    static void setRate(Model net, String layer, double rate) {
        org.deeplearning4j.nn.api.Layer l = Cut.layerOf(net, layer);
        if (l == null || !(l.conf().getLayer() instanceof BaseLayer)) {
            return;
        }
        BaseLayer b = (BaseLayer) l.conf().getLayer();
        if (b.getIUpdater() != null && b.getIUpdater().hasLearningRate()) {
            b.getIUpdater().setLrAndSchedule(rate, null);
        }
        if (b.getBiasUpdater() != null && b.getBiasUpdater().hasLearningRate()) {
            b.getBiasUpdater().setLrAndSchedule(rate, null);
        }
    }

    private static double baseRate(Model net, Cut cut) {
        for (String n : cut.topLayers()) {
            org.deeplearning4j.nn.api.Layer l = Cut.layerOf(net, n);
            if (l != null && l.conf().getLayer() instanceof BaseLayer) {
                IUpdater u = ((BaseLayer) l.conf().getLayer()).getIUpdater();
                if (u != null && u.hasLearningRate()) {
                    return u.getLearningRate(0, 0);
                }
            }
        }
        return 1e-3;
    }

    private static double currentRate(Model net, List<String> topLayers, double fallback) {
        for (String n : topLayers) {
            org.deeplearning4j.nn.api.Layer l = Cut.layerOf(net, n);
            if (l != null && l.conf().getLayer() instanceof BaseLayer) {
                IUpdater u = ((BaseLayer) l.conf().getLayer()).getIUpdater();
                if (u != null && u.hasLearningRate()) {
                    int iter = net instanceof MultiLayerNetwork ? ((MultiLayerNetwork) net).getIterationCount()
                            : ((ComputationGraph) net).getIterationCount();
                    int ep = net instanceof MultiLayerNetwork ? ((MultiLayerNetwork) net).getEpochCount()
                            : ((ComputationGraph) net).getEpochCount();
                    return u.getLearningRate(iter, ep);
                }
            }
        }
        return fallback;
    }

    /** Collects the training loss of each iteration. */

    /** Settings of a fine-tune; {@link #build()} checks them. */
    public static final class Builder {
        private final GraftModel planned;
        private DataSource train;
        private DataSource validation;
        private Path cacheDirectory;
        private Preset preset;
        private EngineSettings engine;
        private int epochs = 10;
        private int batchSize = 32;
        private long seed = 42;
        private boolean shuffle = true;
        private Integer patience;
        private Double learningRate;
        private boolean oneCycle;
        private boolean lrFind;
        private UnfreezeSchedule unfreeze = UnfreezeSchedule.none();
        private boolean trainThrough;
        private final java.util.Map<String, Double> groupRates = new java.util.LinkedHashMap<>();
        private boolean restoreBest = true;
        private Precision precision = Precision.FLOAT32;
        private Progress progress = Progress.none();
        private Consumer<String> log = s -> { };
        private Trainer.EpochStep headStep = Trainer.LOCAL;

        private Builder(GraftModel planned) {
            this.planned = Objects.requireNonNull(planned, "planned");
        }

        /** Training data (raw examples, as the model card expects them). Required. */
        public Builder train(DataSource data) {
            this.train = data;
            return this;
        }

        /** Validation data for early stopping and the evaluation. */
        public Builder validation(DataSource data) {
            this.validation = data;
            return this;
        }

        /** Keep feature caches under this folder ({@code train/}, {@code val/}) and reuse them next time; default a temp folder. */
        public Builder cacheDirectory(Path dir) {
            this.cacheDirectory = dir;
            return this;
        }

        /**
         * How DL4J runs for this fine-tune (helpers, threads, Graft's Adam...); null (the default) keeps the settings
         * in force ({@link Engine#settings()}).
         */
        public Builder engine(EngineSettings settings) {
            this.engine = settings;
            return this;
        }

        /** Training choices by preset (see {@link Presets}). */
        public Builder preset(Preset p) {
            this.preset = p;
            return this;
        }

        /** Epochs of head training (default 10). */
        public Builder epochs(int n) {
            this.epochs = n;
            return this;
        }

        /** Mini-batch size (default 32). */
        public Builder batchSize(int n) {
            this.batchSize = n;
            return this;
        }

        /** Seed for shuffling and augmentation (default 42). */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** Reshuffle cached rows every epoch (default true); false keeps the source order. */
        public Builder shuffle(boolean s) {
            this.shuffle = s;
            return this;
        }

        /** Stop a stage after this many epochs without improvement; the best weights are restored either way. */
        public Builder patience(int epochs) {
            this.patience = epochs;
            return this;
        }

        /** Learning rate of the trainable layers (overrides the preset's and the plan's). */
        public Builder learningRate(double lr) {
            this.learningRate = lr;
            return this;
        }

        /** One-cycle schedule peaking at the learning rate (given, found, or the updater's). */
        public Builder oneCycle(boolean on) {
            this.oneCycle = on;
            return this;
        }

        /** Run the LR range test first and train at its suggested rate. */
        public Builder lrFind(boolean on) {
            this.lrFind = on;
            return this;
        }

        /** Gradual unfreezing after the head stage. */
        public Builder unfreeze(UnfreezeSchedule s) {
            this.unfreeze = Objects.requireNonNull(s, "schedule");
            return this;
        }

        /**
         * Per-layer-group learning rates: this trainable layer learns at {@code factor} × the base rate (for
         * example a new hidden layer at 1, a kept layer above the cut at 0.1). Unfreeze stages set their own.
         */
        public Builder layerRate(String layer, double factor) {
            if (!(factor > 0)) {
                throw new IllegalArgumentException("learning-rate factor of layer '" + layer + "' must be positive, got " + factor);
            }
            groupRates.put(Objects.requireNonNull(layer, "layer"), factor);
            return this;
        }

        /** Keep the best epoch's weights (default true); false keeps the last epoch's. */
        public Builder restoreBest(boolean on) {
            this.restoreBest = on;
            return this;
        }

        /** Train the head through the frozen layers on raw data instead of from a cache (for comparison). */
        public Builder trainThrough(boolean on) {
            this.trainThrough = on;
            return this;
        }

        /** Storage precision of the cache (default float32). */
        public Builder precision(Precision p) {
            this.precision = Objects.requireNonNull(p, "precision");
            return this;
        }

        /** Progress display for featurizing. */
        public Builder progress(Progress p) {
            this.progress = Objects.requireNonNull(p, "progress");
            return this;
        }

        /**
         * How an epoch of the head stage (from the cache) runs; default {@link Trainer#LOCAL}. The spark module
         * passes a step that runs it as a Spark job; unfreeze stages and training through run locally.
         */
        public Builder headStep(Trainer.EpochStep step) {
            this.headStep = Objects.requireNonNull(step, "step");
            return this;
        }

        /** Receives one line per epoch and per cache build. */
        public Builder log(Consumer<String> log) {
            this.log = Objects.requireNonNull(log, "log");
            return this;
        }

        /**
         * Checks the settings.
         *
         * @throws IllegalArgumentException on missing training data, non-positive epochs/batch size, labels that
         *                                  differ between training and validation data, a model without a frozen base,
         *                                  or an unfreeze stage asking for more layers than are frozen
         */
        public FineTuner build() {
            if (train == null) {
                throw new IllegalArgumentException("a fine-tune needs training data: call train(...)");
            }
            if (epochs <= 0 || batchSize <= 0) {
                throw new IllegalArgumentException("epochs and batch size must be positive, got " + epochs + " and " + batchSize);
            }
            if (patience != null && patience <= 0) {
                throw new IllegalArgumentException("patience must be positive, got " + patience);
            }
            if (learningRate != null && !(learningRate > 0)) {
                throw new IllegalArgumentException("learning rate must be positive, got " + learningRate);
            }
            if (validation != null && !validation.labels().equals(train.labels())) {
                throw new IllegalArgumentException("training labels " + train.labels() + " differ from validation labels " + validation.labels());
            }
            Cut.of(planned.network());
            requireUnfreezableLayers();
            return new FineTuner(this);
        }

        /** An unfreeze stage may not ask for more layers than the base has frozen (counting layers with parameters). */
        private void requireUnfreezableLayers() {
            int most = unfreeze.stages().stream().mapToInt(UnfreezeSchedule.Stage::layers).max().orElse(0);
            if (most == 0) {
                return;
            }
            List<String> withParams = new ArrayList<>();
            for (String name : dev.graft.transfer.Networks.frozenLayers(planned.network())) {
                org.deeplearning4j.nn.api.Layer l = Cut.layerOf(planned.network(), name);
                if (l != null && l.numParams() > 0) {
                    withParams.add(name);
                }
            }
            if (most > withParams.size()) {
                throw new IllegalArgumentException("unfreeze schedule " + unfreeze + " unfreezes " + most
                        + " layers, but the base has only " + withParams.size() + " frozen layer"
                        + (withParams.size() == 1 ? "" : "s") + " with parameters" + (withParams.isEmpty() ? ""
                        : " (" + String.join(", ", withParams) + ")") + "; unfreeze at most " + withParams.size()
                        + " or freeze through a higher layer (--cut)");
            }
        }
    }
}
