package dev.graft.transfer.tune;

import dev.graft.engine.Engine;
import dev.graft.engine.EngineSettings;
import dev.graft.transfer.Networks;
import dev.graft.transfer.TransferPlan;
import dev.graft.transfer.cache.Precision;
import dev.graft.transfer.data.DataSource;
import dev.graft.zoo.GraftModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Fine-tunes a transferred model the way the recipe reads: cache the frozen part's outputs, train the new head from
 * the cache, unfreeze the top frozen layers stage by stage at lower rates, and reassemble one model that predicts
 * from raw input. How training runs (epochs, rate, schedule, early stopping, unfreezing...) is a {@link FineTuneConfig}.
 * The frozen part is DL4J layers below a {@link Cut}, or the ONNX base of a model made by {@link OnnxHead#plan}
 * (its head trains from the cache; ONNX layers are not unfrozen).
 *
 * <pre>{@code
 * GraftModel planned = TransferPlan.builder().freezeThrough("fc1").newClassifier(trainSet.labels()).build()
 *     .apply(base);
 * FineTuneResult r = FineTuner.builder(planned).train(trainSet).validation(valSet).cacheDirectory(Path.of("cache"))
 *     .config(Presets.get("practical").training(FineTuneConfig.builder().epochs(20)).build()).build().run();
 * r.model().save(Path.of("tuned.zip"));
 * }</pre>
 *
 * <p>The head (every layer above the cut, see {@link Cut}) trains as a network of its own on cached features, so an
 * epoch costs no forward pass through the base. Every stage runs through {@link Trainer#fit}; the best epoch's
 * weights are kept (validation loss, training loss without validation data). The planned model is never changed,
 * and listeners on its network hear every stage.
 */
public final class FineTuner {
    private final Builder b;
    private final FineTuneConfig config;

    private FineTuner(Builder b) {
        this.b = b;
        this.config = b.config;
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
        boolean temp = b.cacheDirectory == null && !b.trainThrough;
        Path dir = temp ? Files.createTempDirectory("graft-features") : b.cacheDirectory;
        try (Engine.Scope s = Engine.use(b.engine)) {
            return recipe(dir);
        } finally {
            if (temp) {
                HeadFeatures.deleteTree(dir);
            }
        }
    }

    private FineTuneResult recipe(Path dir) throws IOException {
        // 1. Cache the frozen part's outputs (unless the head trains through it).
        HeadFeatures features = b.trainThrough ? null
                : HeadFeatures.build(b.planned, b.train, b.validation, dir, config, b.precision, b.log);
        // 2. The learning rate: the config's, the LR range test's suggestion, or the plan's.
        Double rate = config.learningRate();
        LrFinder.Result found = null;
        if (config.lrFind()) {
            found = findRate(features);
            rate = found.suggested();
            b.log.accept(String.format(Locale.ROOT, "LR finder: suggested learning rate %.2e", rate));
        }
        Model full = TrainableLayers.configured(b.planned.network(), config, rate);
        HeadSplit cut = HeadSplit.of(b.planned, full);
        double base = rate != null ? rate : TrainableLayers.rate(full, cut.topLayers(), 1e-3);
        setLayerRates(full, cut, base);
        // 3. Train the head from the cache (or through the frozen layers).
        RunHistory run = new RunHistory(config, b.log);
        if (features == null) {
            trainThrough(run, full, "head (through)", config.epochs(), cut, base, oneCycle(cut, base, b.train.size()));
        } else {
            Model top = cut.buildTop();
            trainHead(run, top, features, cut, base);
            cut.copyFrom(top);
            run.keep(full, true);
        }
        // 4. Unfreeze the top frozen layers, stage by stage, through the raw data.
        Model current = full;
        List<String> frozen = Networks.frozenLayers(full);
        for (UnfreezeSchedule.Stage st : config.unfreeze().stages()) {
            if (config.restoreBest()) {
                current.setParams(run.bestParams);
            }
            Set<String> unfreeze = TrainableLayers.topFrozen(current, frozen, st.layers());
            current = TrainableLayers.unfrozen(current, unfreeze, config, n -> config.layerRates().containsKey(n)
                    ? base * config.layerRates().get(n) : unfreeze.contains(n) ? base * st.factor() : base);
            trainThrough(run, current, "unfreeze " + st.layers() + " @" + st.factor(), st.epochs(), cut, base, null);
        }
        // 5. Reassemble: the kept weights in one model that predicts from raw input.
        Model kept = current;
        if (config.restoreBest()) {
            run.bestModel.setParams(run.bestParams);
            kept = run.bestModel;
        } else {
            run.bestEpoch = run.epoch;
        }
        run.noteUnfreezeKept(config);
        GraftModel result = cut.reassemble(kept, HeadSplit.withDataLabels(b.planned.card(), b.train.labels(), b.log));
        Evaluation eval = b.validation == null ? null : evaluate(result, b.validation);
        return new FineTuneResult(result, cut.layer(), List.copyOf(run.epochs), run.bestEpoch, eval, found,
                features == null ? List.of() : features.reports);
    }

    /** The LR range test on the head (from the cache) or on the whole network (through the frozen layers). */
    private LrFinder.Result findRate(HeadFeatures features) {
        Model probe = TrainableLayers.configured(b.planned.network(), config, config.learningRate());
        return features != null ? LrFinder.standard().run(HeadSplit.of(b.planned, probe).buildTop(), features.train(config.batchSize(),
                config.seed())) : LrFinder.standard().run(probe, raw(b.train));
    }

    /** Per-layer rate factors of the config, on layers above the cut. */
    private void setLayerRates(Model full, HeadSplit cut, double base) {
        config.layerRates().forEach((layer, factor) -> {
            if (!cut.topLayers().contains(layer)) {
                throw new IllegalArgumentException("layer '" + layer + "' has no learning rate of its own here: it is "
                        + "not above the cut; trainable layers are: " + String.join(", ", cut.topLayers()));
            }
            TrainableLayers.setRate(full, layer, base * factor);
        });
    }

    /** The config's one-cycle over a head stage on {@code rows} rows, on the head's layers without a factor; or null. */
    private OneCycle oneCycle(HeadSplit cut, double max, long rows) {
        if (!config.oneCycle()) {
            return null;
        }
        int batches = (int) ((rows + config.batchSize() - 1) / config.batchSize());
        List<String> layers = cut.topLayers().stream().filter(l -> !config.layerRates().containsKey(l)).toList();
        return new OneCycle(OneCycleSchedule.of(max, Math.max(1, config.epochs() * batches)), layers);
    }

    /** The head stage, from the cache. */
    private void trainHead(RunHistory run, Model top, HeadFeatures features, HeadSplit cut, double base) {
        DataSetIterator it = features.train(config.batchSize(), config.shuffle() ? config.seed() : -1);
        DataSetIterator val = features.validation(config.batchSize()); // score() resets it
        List<Trainer.Callback> callbacks = new ArrayList<>(run.forStage(top, cut.topLayers(), base, false));
        if (config.oneCycle()) {
            callbacks.add(0, oneCycle(cut, base, features.train.size()));
        }
        run.epoch += Trainer.fit(top, "head (cache)", run.epoch + 1, config.epochs(), () -> {
            it.reset();
            return it;
        }, val == null ? null : () -> val, callbacks, userListeners(), b.headStep);
    }

    /** A stage trained through the whole network on raw data (frozen layers stay frozen). */
    private void trainThrough(RunHistory run, Model net, String stage, int epochs, HeadSplit cut, double base, OneCycle cycle) {
        List<Trainer.Callback> callbacks = new ArrayList<>(run.forStage(net, cut.topLayers(), base, true));
        if (cycle != null) {
            callbacks.add(0, cycle);
        }
        run.epoch += Trainer.fit(net, stage, run.epoch + 1, epochs, () -> raw(b.train),
                b.validation == null ? null : () -> raw(b.validation), callbacks, userListeners());
        run.keep(net, false);
    }

    /** The listeners the user attached to the planned model's network: they hear every stage. */
    private List<TrainingListener> userListeners() {
        return Trainer.listenersOf(b.planned.network());
    }

    private DataSetIterator raw(DataSource source) {
        return new RawIterator(b.planned, source, config.batchSize());
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

    /** What to fine-tune, on which data, how ({@link #config}); {@link #build()} checks it. */
    public static final class Builder {
        private final GraftModel planned;
        private DataSource train;
        private DataSource validation;
        private Path cacheDirectory;
        private FineTuneConfig config = FineTuneConfig.defaults();
        private EngineSettings engine;
        private boolean trainThrough;
        private Precision precision = Precision.FLOAT32;
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

        /** Keep feature caches under this folder ({@code train/}, {@code val/}) and reuse them; default a temp folder. */
        public Builder cacheDirectory(Path dir) {
            this.cacheDirectory = dir;
            return this;
        }

        /** How training runs (default {@link FineTuneConfig#defaults()}). */
        public Builder config(FineTuneConfig c) {
            this.config = Objects.requireNonNull(c, "config");
            return this;
        }

        /** How DL4J runs for this fine-tune; null (the default) keeps the settings in force ({@link Engine#settings()}). */
        public Builder engine(EngineSettings settings) {
            this.engine = settings;
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
         * @throws IllegalArgumentException on missing training data, labels that differ between training and
         *     validation data, a model without a frozen base, an unfreeze stage asking for more layers than are frozen,
         *     or unfreezing / training through an ONNX base
         */
        public FineTuner build() {
            if (train == null) {
                throw new IllegalArgumentException("a fine-tune needs training data: call train(...)");
            }
            if (validation != null && !validation.labels().equals(train.labels())) {
                throw new IllegalArgumentException("training labels " + train.labels() + " differ from validation labels " + validation.labels());
            }
            HeadSplit.require(planned, config, trainThrough);
            HeadSplit.requireOutputs(planned, train);
            return new FineTuner(this);
        }
    }
}
