package dev.graft.transfer.tune;

import dev.graft.transfer.cache.CacheReport;
import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.OnnxFeaturizer;
import dev.graft.transfer.data.DataSource;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.onnx.CutPoint;
import dev.graft.zoo.onnx.OnnxModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * Fine-tunes a new classifier head on an imported ONNX model: the graph up to the cut runs frozen on ONNX Runtime
 * into a {@link FeatureCache} (same shards, manifest and keys as for DL4J bases; the ONNX bytes up to the cut in the
 * key), a DL4J head (optionally one hidden ReLU layer, then softmax) trains on the cache with Adam and early stopping
 * on the validation loss, and the result is one {@link GraftModel} that predicts from raw input: the cut ONNX graph
 * (bytes unchanged) below the trained head ({@link GraftModel#withOnnxBase}).
 *
 * <p>The nodes above the cut are not carried over: the new head replaces them. To fine-tune pretrained layers too,
 * use {@link OnnxTop} (they become DL4J layers) with {@link FineTuner} — what {@code graft finetune --unfreeze} does.
 * <pre>{@code
 * FineTuneResult r = OnnxFineTuner.builder(OnnxModel.load(Path.of("resnet18.zip")), "/Flatten_output_0")
 *     .train(train).validation(val).epochs(10).build().run();
 * r.model().save(Path.of("tuned.zip"));
 * }</pre>
 */
public final class OnnxFineTuner {
    private final Builder b;

    private OnnxFineTuner(Builder b) {
        this.b = b;
    }

    /** Starts a fine-tune of a head above the tensor {@code cut} of {@code model} (a cut point). */
    public static Builder builder(OnnxModel model, String cut) {
        return new Builder(model, cut);
    }

    /**
     * Builds the feature caches, trains the head, keeps the epoch with the lowest validation loss (the training loss
     * without validation data) and evaluates the result on the validation data through the whole model.
     *
     * @throws IOException if a cache cannot be written or read
     * @throws IllegalArgumentException if the cut is not a cut point, or its features are neither a vector nor a
     *     pooled {@code [C, 1, 1]} map (the message lists the cuts that are)
     */
    public FineTuneResult run() throws IOException {
        Path dir = b.cacheDirectory;
        boolean temp = dir == null;
        if (temp) {
            dir = Files.createTempDirectory("graft-onnx-features");
        }
        try (OnnxFeaturizer f = OnnxFeaturizer.cut(b.model, b.cut)) {
            long[] fs = f.featureShape();
            if (!isFeatureVector(fs)) {
                throw new IllegalArgumentException("the features at '" + f.tensor() + "' have shape "
                        + Arrays.toString(fs) + "; a head on an ONNX base trains on a feature vector ([C], or a "
                        + "pooled [C, 1, 1]) — cut at the pooled features: " + String.join(", ",
                        vectorCuts(b.model)));
            }
            List<CacheReport> reports = new ArrayList<>();
            FeatureCache trainCache = FeatureCache.builder(dir.resolve("train")).featurizer(f).source(b.train)
                    .batchSize(b.batchSize).build();
            reports.add(trainCache.build());
            b.log.accept(reports.get(reports.size() - 1).summary());
            FeatureCache valCache = null;
            if (b.validation != null) {
                valCache = FeatureCache.builder(dir.resolve("val")).featurizer(f).source(b.validation)
                        .batchSize(b.batchSize).build();
                reports.add(valCache.build());
                b.log.accept(reports.get(reports.size() - 1).summary());
            }
            MultiLayerNetwork head = head(fs, b.train.numClasses());
            List<EpochRecord> history = new ArrayList<>();
            int[] bestEpoch = {0};
            double[] best = {Double.POSITIVE_INFINITY};
            int[] shuffle = {0};
            FeatureCache trainFeatures = trainCache;
            DataSetIterator val = valCache == null ? null : valCache.iterator(b.batchSize, -1); // score() resets it
            Trainer.fit(head, "head (cache)", 1, b.epochs, () -> {
                try {
                    return trainFeatures.iterator(b.batchSize, b.seed + ++shuffle[0]); // another order each epoch
                } catch (IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
                }
            }, val == null ? null : () -> val, List.<Trainer.Callback>of(e -> {
                history.add(new EpochRecord(e.epoch(), e.stage(), e.trainLoss(), e.valLoss(), e.valAccuracy(),
                        b.learningRate, e.seconds()));
                b.log.accept(String.format(Locale.ROOT, "epoch %d head (cache): train loss %.4f%s, %.2f s", e.epoch(),
                        e.trainLoss(), val == null ? "" : String.format(Locale.ROOT,
                                ", val loss %.4f, val accuracy %.4f", e.valLoss(), e.valAccuracy()), e.seconds()));
                if (e.metric() < best[0]) {
                    best[0] = e.metric();
                    bestEpoch[0] = e.epoch();
                }
            }, new Trainer.RestoreBest(), new Trainer.EarlyStopping(b.patience), e -> {
                if (e.stopReason() != null) {
                    b.log.accept(e.stopReason());
                }
            }), List.of());
            ModelCard card = b.model.card().toBuilder().labels(b.train.labels()).clearSha256().build();
            GraftModel result = GraftModel.withOnnxBase(f.base(), head, card);
            Evaluation eval = b.validation == null ? null : FineTuner.evaluate(result, b.validation);
            return new FineTuneResult(result, f.tensor(), List.copyOf(history), bestEpoch[0], eval, null,
                    List.copyOf(reports));
        } finally {
            if (temp) {
                try (Stream<Path> s = Files.walk(dir)) {
                    for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
    }

    /** Whether features of this shape (no batch) are a vector a dense head takes: [C], or a pooled [C, 1, 1]. */
    static boolean isFeatureVector(long[] shape) {
        return shape.length == 1 || (shape.length == 3 && shape[1] == 1 && shape[2] == 1);
    }

    /**
     * The pooled and logits-input cut points of {@code model} whose features are a {@link #isFeatureVector vector}
     * for one example of the card's input shape: the cuts a head on an ONNX base accepts.
     */
    public static List<String> vectorCuts(OnnxModel model) {
        List<String> named = model.graph().cutPoints().stream().filter(c -> c.role() == CutPoint.Role.POOLED
                || c.role() == CutPoint.Role.LOGITS_INPUT).map(CutPoint::tensor).toList();
        if (named.isEmpty()) {
            return named;
        }
        java.util.Map<String, long[]> shapes = dev.graft.zoo.onnx.OnnxRunner.shapes(model.graph(), named,
                model.card().inputShape(), 1);
        return named.stream().filter(t -> {
            long[] s = shapes.get(t);
            return isFeatureVector(Arrays.copyOfRange(s, 1, s.length));
        }).toList();
    }

    private MultiLayerNetwork head(long[] fs, int classes) {
        // a pooled [C, 1, 1] map goes in through a CNN-to-dense preprocessor (it flattens to [C])
        InputType in = fs.length == 3 ? InputType.convolutional(1, 1, fs[0]) : InputType.feedForward(fs[0]);
        NeuralNetConfiguration.ListBuilder l = new NeuralNetConfiguration.Builder().seed(b.seed)
                .updater(new Adam(b.learningRate)).weightInit(WeightInit.XAVIER).list();
        if (b.hidden != null) {
            l.layer(new DenseLayer.Builder().name("graft_hidden").nOut(b.hidden).activation(Activation.RELU).build());
        }
        l.layer(new OutputLayer.Builder(LossFunction.MCXENT).name("graft_head").nOut(classes)
                .activation(Activation.SOFTMAX).build());
        MultiLayerNetwork net = new MultiLayerNetwork(l.setInputType(in).build());
        net.init();
        return net;
    }


    /** Builds an {@link OnnxFineTuner}; {@link #build()} checks the values. */
    public static final class Builder {
        private final OnnxModel model;
        private final String cut;
        private DataSource train;
        private DataSource validation;
        private Path cacheDirectory;
        private int epochs = 10;
        private int batchSize = 32;
        private long seed = 42;
        private double learningRate = 1e-3;
        private Integer hidden;
        private int patience = Integer.MAX_VALUE;
        private Consumer<String> log = s -> { };

        private Builder(OnnxModel model, String cut) {
            this.model = Objects.requireNonNull(model, "model");
            this.cut = cut;
        }

        /** Training data (raw examples of the card's input shape). Required. */
        public Builder train(DataSource data) {
            this.train = data;
            return this;
        }

        /** Validation data, or null. */
        public Builder validation(DataSource data) {
            this.validation = data;
            return this;
        }

        /** Keep the feature caches here (reused when their key matches); default a temp folder, deleted after. */
        public Builder cacheDirectory(Path dir) {
            this.cacheDirectory = dir;
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

        /** Seed of the head's initialization and of the shuffling. */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** Adam's learning rate (default 1e-3). */
        public Builder learningRate(double lr) {
            this.learningRate = lr;
            return this;
        }

        /** A hidden ReLU layer of this width under the output layer, or null for none. */
        public Builder hidden(Integer units) {
            this.hidden = units;
            return this;
        }

        /** Stop after this many epochs without improvement (default: never). */
        public Builder patience(int epochs) {
            this.patience = epochs;
            return this;
        }

        /** Receives one line per cache and per epoch. */
        public Builder log(Consumer<String> log) {
            this.log = Objects.requireNonNull(log, "log");
            return this;
        }

        /**
         * Checks and builds.
         *
         * @throws IllegalArgumentException for missing training data, fewer than two classes, or non-positive sizes,
         *     rates or patience
         */
        public OnnxFineTuner build() {
            if (train == null) {
                throw new IllegalArgumentException("an ONNX fine-tune needs training data");
            }
            if (train.numClasses() < 2) {
                throw new IllegalArgumentException("training data has " + train.numClasses() + " class; a classifier "
                        + "needs at least two");
            }
            if (epochs < 1 || batchSize < 1 || patience < 1 || (hidden != null && hidden < 1)) {
                throw new IllegalArgumentException("epochs, batch size, patience and hidden units must be >= 1, got "
                        + epochs + ", " + batchSize + ", " + patience + ", " + hidden);
            }
            if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
                throw new IllegalArgumentException("learning rate must be a positive number, got " + learningRate);
            }
            return new OnnxFineTuner(this);
        }
    }
}
