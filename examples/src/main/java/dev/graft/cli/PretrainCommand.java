package dev.graft.cli;

import dev.graft.pretrain.BaseNet;
import dev.graft.pretrain.CorruptionTask;
import dev.graft.pretrain.LayerwiseAutoencoders;
import dev.graft.pretrain.MarginRanking;
import dev.graft.pretrain.PairTask;
import dev.graft.pretrain.Pretrained;
import dev.graft.transfer.tune.FineTuneConfig;
import dev.graft.pretrain.corrupt.Corruptor;
import dev.graft.pretrain.corrupt.Corruptors;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.Normalization;
import dev.graft.zoo.Progress;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.activations.Activation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code graft pretrain autoencoder|corruption|margin|pairs}: make a base from unlabelled data and save it
 * as a Graft model (zip + card) that {@code transfer} can reuse.
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Make a base network from unlabelled data (layer-wise autoencoders or an auxiliary task).",
        subcommands = {PretrainCommand.Autoencoder.class, PretrainCommand.Corruption.class,
            PretrainCommand.Margin.class, PretrainCommand.Pairs.class})
final class PretrainCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.out);
        return 0;
    }

    /** Options every pretraining verb takes. */
    static final class Common {
        @Option(names = "--data", required = true, paramLabel = "SPEC",
                description = "Unlabelled data: digits, digits:0-4, csv:FILE[#CLASSES] (labels are ignored except by pairs --pairing same-class).")
        String data;

        @Option(names = "--out", required = true, paramLabel = "BASE.zip", description = "Where to save the base (a card is written beside it).")
        Path out;

        @Option(names = "--widths", split = ",", defaultValue = "128,64", paramLabel = "W1,W2,...",
                description = "Hidden layer widths of the base, bottom first (default: ${DEFAULT-VALUE}).")
        int[] widths;

        @Option(names = "--activation", defaultValue = "relu", description = "Activation of the base's layers (default: ${DEFAULT-VALUE}).")
        String activation;

        @Option(names = "--epochs", defaultValue = "20", description = "Epochs (per layer for autoencoders; default: ${DEFAULT-VALUE}).")
        int epochs;

        @Option(names = "--batch", defaultValue = "64", description = "Minibatch size (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--lr", defaultValue = "0.001", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
        double lr;

        @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--scale", paramLabel = "S",
                description = "Multiply raw inputs by S (recorded in the card). Default: 1/16 for digits, 1 otherwise.")
        Double scale;

        @Option(names = "--standardize",
                description = "Tabular data: standardize each feature with the data's mean and std (recorded in the card; finetune's "
                        + "--standardize later replaces them with its training split's).")
        boolean standardize;

        @Option(names = "--quiet", description = "No progress bars.")
        boolean quiet;

        private LabeledData loaded;

        LabeledData load() {
            if (loaded == null) {
                loaded = DataSpec.source(data, null).inMemory();
                loaded.notes().forEach(n -> System.err.println("note: " + n));
            }
            return loaded;
        }

        Normalization normalization() {
            double s = scale != null ? scale : data.trim().startsWith("digits") ? 1 / DataSpec.DIGITS_MAX : 1.0;
            return standardize ? dev.graft.transfer.data.Standardization.fit(load(), Normalization.scale(s)) : Normalization.scale(s);
        }

        Activation activation() {
            try {
                return Activation.valueOf(activation.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown activation '" + activation + "'; use e.g. relu, tanh, sigmoid, leakyrelu");
            }
        }

        BaseNet base(LabeledData d) {
            long[] shape = d.exampleShape();
            if (shape.length != 1) {
                throw new IllegalArgumentException("the CLI's MLP base needs flat examples, got shape " + java.util.Arrays.toString(shape));
            }
            requireWidthsFit(shape[0]);
            return BaseNet.mlp((int) shape[0], activation(), widths);
        }

        /**
         * Checks --widths before anything is allocated: positive, and a base (with a decoder or task head of about
         * the same size) that fits in memory.
         */
        void requireWidthsFit(long inputs) {
            if (widths.length == 0) {
                throw new IllegalArgumentException("--widths needs at least one width, e.g. --widths 128,64");
            }
            for (int w : widths) {
                if (w <= 0) {
                    throw new IllegalArgumentException("--widths must be positive, got " + w + " in --widths "
                            + java.util.Arrays.toString(widths).replaceAll("[\\[\\] ]", ""));
                }
            }
            dev.graft.zoo.ParamBudget.require(dev.graft.zoo.ParamBudget.times(2, dev.graft.zoo.ParamBudget.denseStack(inputs, widths)),
                    "--widths " + java.util.Arrays.toString(widths).replaceAll("[\\[\\] ]", "") + " on " + inputs + " inputs",
                    "use narrower layers");
        }

        FineTuneConfig training() {
            return FineTuneConfig.builder().epochs(epochs).batchSize(batch).learningRate(lr).seed(seed)
                    .progress(quiet ? Progress.none() : Progress.console()).build();
        }

        Integer save(Pretrained p, String task) throws java.io.IOException {
            String diverged = p.divergence();
            if (diverged != null) {
                throw new IllegalStateException("pretraining " + task + " diverged: " + diverged + " on " + data
                        + "; nothing was saved to " + out + " — lower --lr (now " + lr + ") or rescale the data (--scale)");
            }
            GraftModel saved = p.save(out);
            System.out.println("saved " + task + " base '" + saved.card().name() + "' (" + saved.card().architecture() + ") to "
                    + out + " with card " + dev.graft.zoo.ModelCard.besides(out));
            for (int k = 0; k < p.losses().size(); k++) {
                double[] l = p.losses().get(k);
                System.out.printf(Locale.ROOT, "  %s loss: %.4f (epoch 1) -> %.4f (epoch %d)%n",
                        p.losses().size() > 1 ? "layer " + (k + 1) : task, l[0], l[l.length - 1], l.length);
            }
            return 0;
        }
    }

    static Corruptor corruptor(String spec, LabeledData d) {
        return spec == null ? null : Corruptors.parse(spec, d.exampleShape());
    }

    @Command(name = "autoencoder", mixinStandardHelpOptions = true,
            description = "Greedy layer-wise (denoising) autoencoders; each layer's codes are cached with the feature cache.")
    static final class Autoencoder implements Callable<Integer> {
        @Mixin
        Common c;

        @Option(names = "--corrupt", paramLabel = "SPEC", description = "Denoising corruption of each layer's input, e.g. mask:0.2 or gaussian:0.1 (default: none).")
        String corrupt;

        @Option(names = "--cache", paramLabel = "DIR", description = "Keep each layer's cached codes in DIR (default: a temporary folder).")
        Path cache;

        @Override
        public Integer call() throws Exception {
            LabeledData d = c.load();
            long[] shape = d.exampleShape();
            if (shape.length != 1) {
                throw new IllegalArgumentException("autoencoders need flat examples, got shape " + java.util.Arrays.toString(shape));
            }
            c.requireWidthsFit(shape[0]);
            Pretrained p = LayerwiseAutoencoders.builder((int) shape[0]).widths(c.widths).activation(c.activation())
                    .corruptor(corruptor(corrupt, d)).normalization(c.normalization()).training(c.training()).cacheDir(cache)
                    .name(stem(c.out)).build().pretrain(d);
            return c.save(p, "autoencoder");
        }
    }

    @Command(name = "corruption", mixinStandardHelpOptions = true,
            description = "Good/bad task: real examples vs corrupted copies; keeps the classifier's lower layers.")
    static final class Corruption implements Callable<Integer> {
        @Mixin
        Common c;

        @Option(names = "--corrupt", defaultValue = "mask:0.3", paramLabel = "SPEC",
                description = "gaussian:SIGMA, mask:FRACTION, patch:SIDE or words:FRACTION:VOCAB (default: ${DEFAULT-VALUE}).")
        String corrupt;

        @Option(names = "--copies", defaultValue = "1", description = "Bad copies per real example (default: ${DEFAULT-VALUE}).")
        int copies;

        @Override
        public Integer call() throws Exception {
            LabeledData d = c.load();
            Pretrained p = CorruptionTask.builder(c.base(d)).corruptor(corruptor(corrupt, d)).copies(copies)
                    .normalization(c.normalization()).training(c.training()).name(stem(c.out)).build().pretrain(d);
            return c.save(p, "corruption");
        }
    }

    @Command(name = "margin", mixinStandardHelpOptions = true,
            description = "Max-margin scorer: score(good) >= score(bad) + margin; keeps the scorer's lower layers.")
    static final class Margin implements Callable<Integer> {
        @Mixin
        Common c;

        @Option(names = "--corrupt", defaultValue = "mask:0.3", paramLabel = "SPEC", description = "How bad examples are made (default: ${DEFAULT-VALUE}).")
        String corrupt;

        @Option(names = "--margin", defaultValue = "1.0", description = "Ranking margin, > 0 (default: ${DEFAULT-VALUE}).")
        double margin;

        @Override
        public Integer call() throws Exception {
            LabeledData d = c.load();
            Pretrained p = MarginRanking.builder(c.base(d)).margin(margin).corruptor(corruptor(corrupt, d))
                    .normalization(c.normalization()).training(c.training()).name(stem(c.out)).build().pretrain(d);
            return c.save(p, "margin");
        }
    }

    @Command(name = "pairs", mixinStandardHelpOptions = true,
            description = "Same/different pairs through one shared base; keeps the base.")
    static final class Pairs implements Callable<Integer> {
        @Mixin
        Common c;

        @Option(names = "--pairing", defaultValue = "same-class",
                description = "same-class (uses the data's labels) or same-example (two corrupted views; no labels) (default: ${DEFAULT-VALUE}).")
        String pairing;

        @Option(names = "--corrupt", paramLabel = "SPEC", description = "Corruption of both members of a pair (required for same-example).")
        String corrupt;

        @Override
        public Integer call() throws Exception {
            LabeledData d = c.load();
            PairTask.Pairing mode;
            switch (pairing) {
                case "same-class" -> mode = PairTask.Pairing.SAME_CLASS;
                case "same-example" -> mode = PairTask.Pairing.SAME_EXAMPLE;
                default -> throw new IllegalArgumentException("unknown pairing '" + pairing + "'; use same-class or same-example");
            }
            Pretrained p = PairTask.builder(c.base(d)).pairing(mode).corruptor(corruptor(corrupt, d))
                    .normalization(c.normalization()).training(c.training()).name(stem(c.out)).build().pretrain(d);
            return c.save(p, "pairs");
        }
    }

    static String stem(Path out) {
        return out.getFileName().toString().replaceFirst("\\.zip$", "");
    }
}
