package dev.graft.examples;

import dev.graft.pretrain.BaseNet;
import dev.graft.pretrain.CorruptionTask;
import dev.graft.pretrain.LayerwiseAutoencoders;
import dev.graft.pretrain.MarginRanking;
import dev.graft.pretrain.PairTask;
import dev.graft.pretrain.Pretrained;
import dev.graft.transfer.tune.FineTuneConfig;
import dev.graft.pretrain.corrupt.Corruptors;
import dev.graft.pretrain.text.MailData;
import dev.graft.pretrain.text.SpamAssassin;
import dev.graft.pretrain.text.Vocabulary;
import dev.graft.transfer.data.DataSource;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongFunction;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Does pretraining on unlabelled data help when labels are scarce? For each seed: pretrain a base with each
 * method on the unlabelled pool, put a fresh softmax head on it, fine-tune everything on k labelled
 * examples per class, and measure test accuracy; "scratch" trains the same architecture from random weights
 * with the same budget. Prints a markdown table of mean ± std over the seeds.
 *
 * <p>Digits: pool = all 1797 digits without labels; labelled few and test from a stratified 70/30 split per
 * seed. Text (SpamAssassin, fetched by the pretrain build): word-replacement corruption pretraining on
 * message sentences, then ham/spam with few labelled messages.
 * <pre>
 * OMP_NUM_THREADS=1 java -cp examples/target/graft-cli.jar dev.graft.examples.PretrainComparison \
 *     [--seeds 5] [--pretrain-epochs 30] [--finetune-steps 200] [--text-epochs 3] [--text-sentences 10000] [--no-digits] [--no-text]
 * </pre>
 */
public final class PretrainComparison {
    private static final double PROBE_LR = 1e-2;
    private static final Normalization DIGITS_SCALE = Normalization.scale(1 / DataSpec.DIGITS_MAX);

    private final int seeds;
    private final int pretrainEpochs;
    private final int fineTuneSteps;
    private final double fineTuneLr;

    PretrainComparison(int seeds, int pretrainEpochs, int fineTuneSteps, double fineTuneLr) {
        this.seeds = seeds;
        this.pretrainEpochs = pretrainEpochs;
        this.fineTuneSteps = fineTuneSteps;
        this.fineTuneLr = fineTuneLr;
    }

    /** Entry point; see the class comment for the options. */
    public static void main(String[] args) throws Exception {
        int seeds = intArg(args, "--seeds", 5);
        PretrainComparison cmp = new PretrainComparison(seeds, intArg(args, "--pretrain-epochs", 30),
                intArg(args, "--finetune-steps", 200), 3e-3);
        long t0 = System.nanoTime();
        if (!List.of(args).contains("--no-digits")) {
            System.out.println(cmp.digitsTable(new int[] {2, 5, 10}));
        }
        if (!List.of(args).contains("--no-text")) {
            String dir = stringArg(args, "--spam", SpamAssassin.DEFAULT_DIR);
            System.out.println(cmp.textTable(Path.of(dir), new int[] {5, 20}, intArg(args, "--text-epochs", 3),
                    intArg(args, "--text-sentences", 10000)));
        }
        System.out.printf(Locale.ROOT, "total %.0f s%n", (System.nanoTime() - t0) / 1e9);
    }

    /** The digits table: methods by labels per class. */
    String digitsTable(int[] perClass) {
        LabeledData digits = DataSpec.load("digits");
        BaseNet base = BaseNet.mlp(64, Activation.RELU, 128, 64);
        Map<String, LongFunction<Pretrained>> methods = new LinkedHashMap<>();
        methods.put("scratch", null);
        methods.put("autoencoders (denoising, mask 0.2)", s -> LayerwiseAutoencoders.builder(64).widths(128, 64)
                .corruptor(Corruptors.mask(0.2)).normalization(DIGITS_SCALE).training(pretraining(s)).build().pretrain(digits));
        methods.put("corruption good/bad (patch shuffle 4x4)", s -> CorruptionTask.builder(base)
                .corruptor(Corruptors.patchShuffle(1, 8, 8, 4)).normalization(DIGITS_SCALE).training(pretraining(s)).build()
                .pretrain(digits));
        methods.put("corruption good/bad (mask 0.3)", s -> CorruptionTask.builder(base)
                .corruptor(Corruptors.mask(0.3)).normalization(DIGITS_SCALE).training(pretraining(s)).build().pretrain(digits));
        methods.put("margin ranking (mask 0.3, margin 1)", s -> MarginRanking.builder(base).margin(1.0)
                .corruptor(Corruptors.mask(0.3)).normalization(DIGITS_SCALE).training(pretraining(s)).build().pretrain(digits));
        methods.put("pairs same/different (views, gaussian 0.3)", s -> PairTask.builder(base)
                .pairing(PairTask.Pairing.SAME_EXAMPLE).corruptor(Corruptors.gaussian(0.3)).normalization(DIGITS_SCALE)
                .training(pretraining(s)).build().pretrain(digits));
        Function<Long, GraftModel> scratch = s -> scratchBase(base, DIGITS_SCALE, s);
        return table("Digits (pool: all 1797 digits unlabelled; test: 30% stratified split)", methods, scratch, perClass,
                s -> digits.split(0.3, s));
    }

    /** The text table: scratch vs word-corruption pretraining on sentences. */
    String textTable(Path corpus, int[] perClass, int textEpochs, int maxSentences) throws Exception {
        List<SpamAssassin.Message> mail = SpamAssassin.load(corpus, -1);
        Vocabulary vocab = Vocabulary.build(mail.stream().map(SpamAssassin.Message::body).toList(), 5000);
        int length = 64;
        LabeledData messages = MailData.messages(mail, vocab, length, "spamassassin");
        LabeledData sentences = MailData.sentences(mail, vocab, length, 6, maxSentences, "spamassassin");
        BaseNet base = BaseNet.textCnn(vocab.size(), length, 32, 64, 3, 64);
        Map<String, LongFunction<Pretrained>> methods = new LinkedHashMap<>();
        methods.put("scratch", null);
        methods.put("corruption good/bad (words 0.2) on " + sentences.size() + " sentences", s -> CorruptionTask.builder(base)
                .corruptor(Corruptors.words(0.2, vocab.size())).training(FineTuneConfig.builder().epochs(textEpochs).batchSize(64)
                        .learningRate(2e-3).seed(s).build()).build().pretrain(sentences));
        methods.put("margin ranking (words 0.2, margin 1)", s -> MarginRanking.builder(base).margin(1.0)
                .corruptor(Corruptors.words(0.2, vocab.size())).training(FineTuneConfig.builder().epochs(textEpochs).batchSize(64)
                        .learningRate(2e-3).seed(s).build()).build().pretrain(sentences));
        return table("SpamAssassin ham/spam (" + messages.size() + " messages, vocabulary " + vocab.size() + ", first "
                + length + " words; test: 30% stratified split)", methods, s -> scratchBase(base, Normalization.identity(), s),
                perClass, s -> messages.split(0.3, s));
    }

    private FineTuneConfig pretraining(long seed) {
        return FineTuneConfig.builder().epochs(pretrainEpochs).batchSize(64).learningRate(1e-3).seed(seed).build();
    }

    private static GraftModel scratchBase(BaseNet base, Normalization norm, long seed) {
        MultiLayerNetwork net = base.newNetwork(seed);
        return GraftModel.of(net, ModelCard.builder("scratch").architecture(base.describe()).input(base.layout(), base.inputShape())
                .normalization(norm).build());
    }

    private String table(String title, Map<String, LongFunction<Pretrained>> methods, Function<Long, GraftModel> scratch,
                         int[] perClass, Function<Long, DataSource.Split<LabeledData>> splits) {
        int cols = perClass.length * 2;
        Map<String, double[][]> acc = new LinkedHashMap<>();
        Map<String, Double> seconds = new LinkedHashMap<>();
        for (String m : methods.keySet()) {
            acc.put(m, new double[cols][seeds]);
            seconds.put(m, 0.0);
        }
        for (int s = 0; s < seeds; s++) {
            long seed = s + 1;
            DataSource.Split<LabeledData> split = splits.apply(seed);
            for (Map.Entry<String, LongFunction<Pretrained>> e : methods.entrySet()) {
                long t0 = System.nanoTime();
                GraftModel base = e.getValue() == null ? scratch.apply(seed) : e.getValue().apply(seed).base();
                seconds.merge(e.getKey(), (System.nanoTime() - t0) / 1e9, Double::sum);
                for (int k = 0; k < perClass.length; k++) {
                    LabeledData few = split.train().samplePerClass(perClass[k], seed);
                    acc.get(e.getKey())[2 * k][s] = fineTuneAndTest(base, few, split.test(), seed, true);
                    acc.get(e.getKey())[2 * k + 1][s] = fineTuneAndTest(base, few, split.test(), seed, false);
                }
                System.err.printf(Locale.ROOT, "seed %d %-45s %s%n", seed, e.getKey(),
                        java.util.Arrays.toString(column(acc.get(e.getKey()), s)));
            }
        }
        StringBuilder sb = new StringBuilder("### " + title + "\n\nTest accuracy, mean ± std over " + seeds
                + " seeds (in brackets: difference to scratch). *probe*: base frozen, only the new head trains; "
                + "*fine-tune*: every layer trains.\n\n| method |");
        for (int k : perClass) {
            sb.append(' ').append(k).append("/class probe | ").append(k).append("/class fine-tune |");
        }
        sb.append(" pretraining s/seed |\n|---|");
        for (int c = 0; c < cols; c++) {
            sb.append("---|");
        }
        sb.append("---|\n");
        double[][] base = acc.get("scratch");
        for (String m : methods.keySet()) {
            sb.append("| ").append(m).append(" |");
            for (int k = 0; k < cols; k++) {
                double[] a = acc.get(m)[k];
                sb.append(String.format(Locale.ROOT, " %.3f ± %.3f", mean(a), std(a)));
                if (!m.equals("scratch")) {
                    sb.append(String.format(Locale.ROOT, " (%+.3f)", mean(a) - mean(base[k])));
                }
                sb.append(" |");
            }
            sb.append(String.format(Locale.ROOT, " %.1f |%n", seconds.get(m) / seeds));
        }
        return sb.toString();
    }

    private double fineTuneAndTest(GraftModel base, LabeledData few, LabeledData test, long seed, boolean probe) {
        MultiLayerNetwork clf = Pretrained.withHead(base, few.labels(), probe ? PROBE_LR : fineTuneLr, seed, probe);
        INDArray x = base.preprocess(few.features());
        INDArray y = few.oneHotLabels();
        for (int i = 0; i < fineTuneSteps; i++) {
            clf.fit(x, y);
        }
        INDArray pred = clf.output(base.preprocess(test.features()), false).argMax(1);
        int[] truth = test.labelIndices();
        int right = 0;
        for (int i = 0; i < truth.length; i++) {
            if (pred.getInt(i) == truth[i]) {
                right++;
            }
        }
        return right / (double) truth.length;
    }

    private static double[] column(double[][] a, int s) {
        double[] c = new double[a.length];
        for (int k = 0; k < a.length; k++) {
            c[k] = Math.round(a[k][s] * 1000) / 1000.0;
        }
        return c;
    }

    static double mean(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v;
        }
        return s / a.length;
    }

    static double std(double[] a) {
        double m = mean(a);
        double s = 0;
        for (double v : a) {
            s += (v - m) * (v - m);
        }
        return a.length < 2 ? 0 : Math.sqrt(s / (a.length - 1));
    }

    private static int intArg(String[] args, String name, int dflt) {
        String v = stringArg(args, name, null);
        return v == null ? dflt : Integer.parseInt(v);
    }

    private static String stringArg(String[] args, String name, String dflt) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return dflt;
    }
}
