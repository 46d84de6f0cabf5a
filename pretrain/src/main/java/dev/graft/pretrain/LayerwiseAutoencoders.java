package dev.graft.pretrain;

import dev.graft.transfer.tune.FineTuneConfig;
import dev.graft.pretrain.corrupt.Corruptor;
import dev.graft.transfer.data.DataSource;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.Normalization;
import dev.graft.zoo.Progress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Greedy layer-wise (denoising) autoencoders: layer 1 learns to reconstruct the (clean) input from a
 * corrupted copy; it is then frozen, its codes for the whole data set are computed once and cached, and
 * layer 2 learns to reconstruct those codes; and so on. The stacked encoders are the base: put a head on
 * it ({@link Pretrained#withHead}) and fine-tune on the few labelled examples there are.
 * <pre>{@code
 * Pretrained p = LayerwiseAutoencoders.builder(64).widths(128, 64).activation(Activation.RELU)
 *     .corruptor(Corruptors.mask(0.2)).normalization(Normalization.scale(1 / 16.0))
 *     .training(FineTuneConfig.builder().epochs(20).build()).build().pretrain(DataSpec.load("digits"));
 * double[] layer1Loss = p.losses().get(0);   // reconstruction loss per epoch
 * }</pre>
 */
public final class LayerwiseAutoencoders {

    /** Called after each layer is trained, with the (frozen) encoders trained so far. */
    @FunctionalInterface
    public interface LayerListener {
        /**
         * @param layer    index of the layer just trained (0 = bottom)
         * @param encoders the encoders 0..layer stacked; do not modify
         */
        void layerTrained(int layer, MultiLayerNetwork encoders);
    }

    private final int inputs;
    private final int[] widths;
    private final Activation activation;
    private final Corruptor corruptor;
    private final Normalization normalization;
    private final FineTuneConfig training;
    private final Path cacheDir;
    private final String name;
    private final LayerListener listener;

    private LayerwiseAutoencoders(Builder b) {
        this.inputs = b.inputs;
        this.widths = b.widths.clone();
        this.activation = b.activation;
        this.corruptor = b.corruptor;
        this.normalization = b.normalization;
        this.training = b.training;
        this.cacheDir = b.cacheDir;
        this.name = b.name;
        this.listener = b.listener;
    }

    /** Starts autoencoders for flat examples of {@code inputs} values. */
    public static Builder builder(int inputs) {
        return new Builder(inputs);
    }

    /** The base the stacked encoders form. */
    public BaseNet baseNet() {
        return BaseNet.mlp(inputs, activation, widths);
    }

    /**
     * Trains the layers one after another on {@code unlabelled} (labels ignored) and returns the stacked encoders.
     *
     * @throws IllegalArgumentException if the data is empty or its examples are not {@code inputs} values
     */
    public Pretrained pretrain(DataSource unlabelled) {
        if (unlabelled.size() == 0) {
            throw new IllegalArgumentException("no examples in " + unlabelled.describe() + "; pretraining needs unlabelled examples");
        }
        BaseNet base = baseNet();
        base.requireInput(unlabelled.exampleShape());
        Path dir = cacheDir;
        boolean temporary = dir == null;
        try {
            if (temporary) {
                dir = Files.createTempDirectory("graft-autoencoders");
            }
            List<double[]> losses = new ArrayList<>();
            MultiLayerNetwork encoders = null;
            long in = inputs;
            for (int k = 0; k < widths.length; k++) {
                EncoderFeaturizer f = new EncoderFeaturizer(encoders, normalization, inputs);
                LayerCodes codes = LayerCodes.build(f, unlabelled, dir.resolve("layer" + k), training.batchSize(), Progress.none());
                MultiLayerNetwork ae = autoencoder(k, in);
                losses.add(trainLayer(k, ae, codes));
                encoders = stack(encoders, ae, k);
                if (listener != null) {
                    listener.layerTrained(k, encoders);
                }
                in = widths[k];
            }
            MultiLayerNetwork net = Nets.baseWithHead(base, training);
            for (int k = 0; k < widths.length; k++) {
                net.getLayer(k).setParams(encoders.getLayer(k).params().dup());
            }
            StringBuilder notes = new StringBuilder("reconstruction loss (first -> last epoch) per layer:");
            for (int k = 0; k < losses.size(); k++) {
                double[] l = losses.get(k);
                notes.append(String.format(Locale.ROOT, " %d: %.4f -> %.4f;", k + 1, l[0], l[l.length - 1]));
            }
            String origin = "graft pretrain autoencoder: greedy layer-wise " + (corruptor == null ? "" : "denoising ")
                    + "autoencoders " + Arrays.toString(widths) + " on " + unlabelled.describe()
                    + (corruptor == null ? "" : ", corruptor " + corruptor.describe()) + ", " + Nets.describe(training) + " per layer";
            GraftModel model = Nets.card(net, base, normalization, name, origin, notes.toString());
            return new Pretrained(model, losses);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use cache directory " + dir + ": " + e.getMessage(), e);
        } finally {
            if (temporary && dir != null) {
                deleteQuietly(dir);
            }
        }
    }

    /** Encoder (in → width, the chosen activation) and decoder (width → in, linear, MSE) of layer {@code k}. */
    private MultiLayerNetwork autoencoder(int k, long in) {
        MultiLayerNetwork ae = new MultiLayerNetwork(Nets.config(training.toBuilder().seed(training.seed() + k).build()).list()
                .layer(new DenseLayer.Builder().nIn(in).nOut(widths[k]).activation(activation).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(widths[k]).nOut(in)
                        .activation(Activation.IDENTITY).build())
                .build());
        ae.init();
        return ae;
    }

    private double[] trainLayer(int k, MultiLayerNetwork ae, LayerCodes codes) {
        String task = String.format(Locale.ROOT, "autoencoder layer %d/%d (%d -> %d)", k + 1, widths.length,
                ae.getLayer(0).getParam("W").size(0), widths[k]);
        int[] epoch = {0};
        return Nets.epochs(ae, training, task, "reconstruction", () -> {
            int e = epoch[0]++;
            DataSetIterator it = codes.iterator(training.batchSize(), training.seed() * 31 + e);
            return new Nets.MadeBatches(training.batchSize(), from -> it.hasNext(), (from, num, b) -> {
                INDArray clean = it.next().getFeatures().castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
                INDArray noisy = corruptor == null ? clean
                        : corruptor.corrupt(clean, Nets.batchSeed(training.seed() + k, e, b));
                return new DataSet(noisy, clean);
            });
        });
    }

    /** The encoders so far plus the encoder of {@code ae}, as a new network (copies of the weights). */
    private MultiLayerNetwork stack(MultiLayerNetwork below, MultiLayerNetwork ae, int k) {
        NeuralNetConfiguration.ListBuilder lb = Nets.config(training).list();
        long in = inputs;
        for (int i = 0; i <= k; i++) {
            lb.layer(new DenseLayer.Builder().nIn(in).nOut(widths[i]).activation(activation).build());
            in = widths[i];
        }
        MultiLayerNetwork net = new MultiLayerNetwork(lb.build());
        net.init();
        for (int i = 0; i < k; i++) {
            net.getLayer(i).setParams(below.getLayer(i).params().dup());
        }
        net.getLayer(k).setParams(ae.getLayer(0).params().dup());
        return net;
    }

    private static void deleteQuietly(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }

    /**
     * Builder of {@link LayerwiseAutoencoders}; validates in {@link #build()}. The optional corruptor makes the
     * autoencoders denoising: it corrupts each layer's input, so it must accept every layer's codes, e.g.
     * {@code Corruptors.mask(0.2)} or {@code Corruptors.gaussian(0.1)} (default none: plain autoencoders).
     * Training epochs are per layer.
     */
    public static final class Builder extends TaskBuilder<Builder> {
        private final int inputs;
        private int[] widths = {128, 64};
        private Activation activation = Activation.RELU;
        private Path cacheDir;
        private LayerListener listener;

        private Builder(int inputs) {
            super("autoencoder-base");
            this.inputs = inputs;
        }

        /** Widths of the encoder layers, bottom first (default 128, 64). */
        public Builder widths(int... widths) {
            this.widths = widths == null ? new int[0] : widths.clone();
            return this;
        }

        /** Activation of every encoder (default ReLU); decoders are linear with MSE loss. */
        public Builder activation(Activation activation) {
            this.activation = Objects.requireNonNull(activation, "activation");
            return this;
        }

        /** Where each layer's codes are cached (default: a temporary directory, deleted afterwards). */
        public Builder cacheDir(Path cacheDir) {
            this.cacheDir = cacheDir;
            return this;
        }

        /** Called after each layer is trained. */
        public Builder onLayerTrained(LayerListener listener) {
            this.listener = listener;
            return this;
        }

        /** @throws IllegalArgumentException on a non-positive input size, no widths or a non-positive width */
        public LayerwiseAutoencoders build() {
            if (inputs <= 0) {
                throw new IllegalArgumentException("autoencoders need a positive input size, got " + inputs);
            }
            if (widths.length == 0) {
                throw new IllegalArgumentException("autoencoders need at least one layer width");
            }
            for (int w : widths) {
                if (w <= 0) {
                    throw new IllegalArgumentException("layer widths must be positive, got " + Arrays.toString(widths));
                }
            }
            return new LayerwiseAutoencoders(this);
        }
    }
}
