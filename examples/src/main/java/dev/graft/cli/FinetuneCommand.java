package dev.graft.cli;

import dev.graft.transfer.TransferPlan;
import dev.graft.transfer.data.DataSource;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.report.Evaluations;
import dev.graft.transfer.tune.OnnxHead;
import dev.graft.transfer.tune.OnnxTop;
import dev.graft.zoo.onnx.OnnxModel;
import dev.graft.transfer.report.TrainingReport;
import dev.graft.transfer.tune.FineTuneConfig;
import dev.graft.transfer.tune.FineTuneResult;
import dev.graft.transfer.tune.FineTuner;
import dev.graft.transfer.tune.Preset;
import dev.graft.transfer.tune.Presets;
import dev.graft.transfer.tune.UnfreezeSchedule;
import dev.graft.zoo.GraftModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code graft finetune}: freeze a model through a layer, train a new head on a data set, save the result. */
@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = {"Train a new head for the data's classes on MODEL frozen through --cut (from a feature cache), optionally "
                + "unfreeze the top frozen layers gradually, and save one model that predicts from raw input.",
            "With --test-fraction a stratified test share is held out first (never trained on, never used for early stopping) "
                + "and scored at the end: accuracy, per-class precision/recall and the confusion matrix.",
            "--standardize scales tabular features by the training split's mean and std, kept in the model card.",
            "Writes OUT.zip, its model card, and a report folder (curves as PNG, index.html).",
            "On Apache Spark (spark module): add --spark MASTER [--conf key=value]... and --cache DIR|URI: the caches are "
                + "built by the executors and the head's epochs run as Spark jobs; every other option works as on one "
                + "machine (presets, --unfreeze, --patience, --lr, validation)."})
final class FinetuneCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    InputShapeOption input;

    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL", description = "Graft/DL4J model zip (its model card inside or beside it; "
            + "a plain DL4J zip needs --input-shape), or an ONNX model ('graft import' zip or .onnx)")
    Path model;

    @Option(names = "--cut", paramLabel = "LAYER", description = "freeze through this layer (name or index; for ONNX a tensor from "
            + "'graft inspect'); the new top trains above it")
    String cut;

    @picocli.CommandLine.Mixin
    DataOptions in;

    @Option(names = "--out", paramLabel = "OUT.zip", description = "where to save the fine-tuned model")
    Path out;

    @picocli.CommandLine.Mixin
    CacheOption cacheOption;

    @picocli.CommandLine.Mixin
    SparkOptions spark;

    @picocli.CommandLine.Mixin
    SparkTrainingOptions sparkTraining;

    @Option(names = "--preset", paramLabel = "NAME[,NAME...]", description = "training presets, e.g. practical or adam,dropout; see --list-presets")
    String preset;

    @Option(names = "--unfreeze", paramLabel = "SCHEDULE", description = "gradual unfreezing after the head, EPOCHS:LAYERS@FACTOR,... e.g. 3:1@0.1,3:2@0.01")
    String unfreeze;

    @Option(names = "--lr-find", description = "run the learning-rate range test first and train at its suggestion")
    boolean lrFind;

    @Option(names = "--lr", paramLabel = "RATE", description = "learning rate of the new top")
    Double lr;

    @Option(names = "--one-cycle", description = "one-cycle learning-rate schedule peaking at the rate")
    boolean oneCycle;

    @Option(names = "--hidden", paramLabel = "UNITS", description = "add a hidden layer of this width under the new head (shaped by the preset)")
    Integer hidden;

    @Option(names = "--epochs", paramLabel = "N", description = "epochs of head training (default: 10; with --standardize, enough "
            + "for at least " + MIN_STEPS + " head updates, 10 to " + MAX_AUTO_EPOCHS + " epochs)")
    Integer epochs;

    @Option(names = "--test-fraction", paramLabel = "F", description = "share of each class held out as a test set before "
            + "the validation split, scored at the end (default: none)")
    Double testFraction;

    @Option(names = "--test", paramLabel = "SPEC", description = "a separate test set (same classes as --data), scored at the end "
            + "like --test-fraction's share")
    String testSpec;

    @Option(names = "--standardize", description = "tabular data: standardize each feature with the training split's mean "
            + "and std (stored in the model card, applied by predict); also the tabular defaults: --lr " + TABULAR_LR
            + " unless a rate is given, found or preset, and epochs as --epochs says")
    boolean standardize;

    @Option(names = "--batch", defaultValue = "32", description = "mini-batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--patience", paramLabel = "EPOCHS", description = "early stopping: stop a stage after this many epochs without improvement")
    Integer patience;

    @Option(names = "--val-fraction", defaultValue = "0.2", description = "share of each class held out for validation (default ${DEFAULT-VALUE})")
    double valFraction;

    @Option(names = "--seed", defaultValue = "42", description = "seed for the split, shuffling and initialization (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--report", paramLabel = "DIR", description = "report folder (default: OUT-report beside OUT.zip)")
    Path report;

    /** Fewest head updates the default epoch count gives with --standardize (small tabular sets need many epochs). */
    static final int MIN_STEPS = 3000;
    /** Most epochs that default gives. */
    static final int MAX_AUTO_EPOCHS = 1000;
    /** Learning rate of the new top with --standardize when none is given, found or preset. */
    static final double TABULAR_LR = 0.01;

    @Option(names = "--list-presets", description = "list the presets and exit (needs no other option)")
    boolean listPresets;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        if (listPresets) {
            Presets.all().values().forEach(p -> o.printf(Locale.ROOT, "%-12s %s%n", p.name(), p.description()));
            o.flush();
            return 0;
        }
        String data = in.data;
        boolean strict = in.strict;
        if (!spark.requested()) {
            spark.requireSparkFor(sparkTraining.given());
        } else {
            spark.provider().check(sparkTraining.settings(spark)); // before anything loads or starts
        }
        Path cache = spark.requested() ? null : cacheOption.folder();
        if (model == null || cut == null || data == null || out == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "graft finetune needs MODEL, --cut LAYER, --data SPEC and "
                    + "--out OUT.zip (missing: " + String.join(", ", missing()) + "); see graft finetune --help");
        }
        if (testFraction != null && testSpec != null) {
            throw new IllegalArgumentException("give either --test-fraction (a share of --data) or --test SPEC (a separate set), not both");
        }
        if (testFraction != null && !(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("--test-fraction must be between 0 and 1 (exclusive), got " + testFraction);
        }
        if (!(valFraction > 0 && valFraction < 1)) {
            throw new IllegalArgumentException("--val-fraction must be between 0 and 1 (exclusive), got " + valFraction);
        }
        if (!out.getFileName().toString().endsWith(".zip")) {
            throw new IllegalArgumentException("--out must name a .zip file, got " + out);
        }
        Path reportDir = report != null ? report : out.resolveSibling(out.getFileName().toString().replaceFirst("\\.zip$", "") + "-report");
        if (java.nio.file.Files.exists(reportDir) && !java.nio.file.Files.isDirectory(reportDir)) {
            throw new IllegalArgumentException("report folder " + reportDir + " is a file; name a folder with --report DIR "
                    + "(nothing was trained or saved)");
        }
        if (java.nio.file.Files.isRegularFile(out.toAbsolutePath().getParent())) {
            throw new IllegalArgumentException("--out " + out + " is inside a file, not a folder");
        }
        if (lr != null && lrFind) {
            throw new IllegalArgumentException("--lr " + lr + " and --lr-find both set the learning rate (the LR finder's "
                    + "suggestion would replace --lr); give one of them");
        }
        Preset chosen = preset == null ? null : Presets.get(preset);
        UnfreezeSchedule schedule = UnfreezeSchedule.parse(unfreeze);
        GraftModel base = null;
        DataSource all;
        OnnxModel onnx = null;
        if (OnnxCli.isOnnx(model)) {
            if (spark.requested()) {
                throw new IllegalArgumentException("--spark fine-tunes Graft and DL4J models, not ONNX models (" + model
                        + "); fine-tune it on one machine without --spark");
            }
            onnx = OnnxCli.open(model, input);
            all = DataSpec.source(data, onnx.card(), DataSpec.Options.DEFAULTS.withStrict(strict));
            Models.printNotes(spec, all);
        } else {
            base = Models.load(model, spec, input);
            if (base.onnxBase().isPresent()) {
                throw new IllegalArgumentException("model " + model + " already has a fine-tuned head on a frozen ONNX "
                        + "part; fine-tune the imported ONNX model ('graft import x.onnx') again instead");
            }
            all = DataSpec.source(data, base.card(), DataSpec.Options.DEFAULTS.withStrict(strict));
            Models.printNotes(spec, all);
        }
        if (all.numClasses() < 2) {
            throw new IllegalArgumentException("data " + data + " has only one class (" + String.join(",", all.labels())
                    + "); a classifier needs at least two — add examples of another class or select more classes");
        }
        if (hidden != null && hidden <= 0) {
            throw new IllegalArgumentException("--hidden must be positive, got " + hidden);
        }
        if (hidden != null && base != null) {
            long features = 1;
            for (long d : dev.graft.transfer.cache.Featurizers.cut(base, cut).featureShape()) {
                features = dev.graft.zoo.ParamBudget.times(features, d);
            }
            dev.graft.zoo.ParamBudget.require(dev.graft.zoo.ParamBudget.denseStack(features, hidden, all.numClasses()),
                    "--hidden " + hidden + " on " + features + " features at --cut " + cut, "use a narrower hidden layer");
        }
        DataSource test = null;
        DataSource rest = all;
        if (testFraction != null) {
            DataSource[] parts = split(all, testFraction, "--test-fraction");
            rest = parts[0];
            test = parts[1];
        } else if (testSpec != null) {
            test = DataSpec.source(testSpec, onnx != null ? onnx.card() : base.card(), DataSpec.Options.DEFAULTS.withStrict(strict));
            Models.printNotes(spec, test);
            if (!test.labels().equals(all.labels())) {
                throw new IllegalArgumentException("--test " + testSpec + " has classes " + String.join(",", test.labels())
                        + " but --data " + data + " has " + String.join(",", all.labels())
                        + "; give a test set with the same classes (or select them with #CLASSES)");
            }
        }
        DataSource[] tv = split(rest, valFraction, "--val-fraction");
        DataSource train = tv[0];
        DataSource val = tv[1];
        o.printf(Locale.ROOT, "data: %s -> %d train, %d validation%s, classes %s%n", all.describe(), train.size(), val == null ? 0 : val.size(),
                test == null ? "" : ", " + test.size() + " test", String.join(",", all.labels()));
        if (standardize) {
            if (train.exampleShape().length != 1 || onnx != null) {
                throw new IllegalArgumentException("--standardize is for tabular data (csv:FILE, digits); " + data
                        + " is read for the model's card, whose normalization applies");
            }
            dev.graft.zoo.Normalization n = dev.graft.transfer.data.Standardization.fit(train, base.card().normalization());
            boolean replaced = base.card().normalization().mean().length > 0;
            base = base.withCard(base.card().toBuilder().normalization(n).build());
            o.printf(Locale.ROOT, "standardized %d features with the training split's mean and std (kept in the model card%s)%n",
                    n.mean().length, replaced ? "; they replace the base card's" : "");
        }
        int epochCount = epochs != null ? epochs : standardize ? defaultEpochs(train.size(), batch) : 10;
        String cut = this.cut;
        OnnxTop onnxTop = null;
        GraftModel planned;
        if (onnx != null && unfreeze == null) {
            // the graph up to --cut runs frozen on ONNX Runtime into the cache; a new DL4J head trains on it
            planned = OnnxHead.plan(onnx, cut, all.labels(), hidden, seed);
        } else {
            if (onnx != null) {
                // the pretrained top becomes DL4J layers above a boundary; below it, ONNX Runtime (OnnxTop)
                int layers = schedule.stages().stream().mapToInt(UnfreezeSchedule.Stage::layers).max().orElse(0);
                cut = onnx.graph().cutPoint(cut.trim()).tensor();
                onnxTop = OnnxTop.split(onnx, cut, layers, OnnxCli.threads());
                o.println("ONNX Runtime up to '" + onnxTop.boundary().tensor() + "' (frozen), DL4J layers with the ONNX "
                        + "weights above it (" + onnxTop.top().network().numParams() + " parameters; --unfreeze reaches them)");
                base = onnxTop.top();
                train = onnxTop.through(train);
                val = val == null ? null : onnxTop.through(val);
            }
            TransferPlan.Builder plan = TransferPlan.builder().freezeThrough(cut).seed(seed).labels(all.labels());
            if (hidden != null) {
                plan.dropTop(1);
                (chosen != null ? chosen : Presets.get("relu")).addHidden(plan, "graft_hidden", hidden);
            }
            plan.replaceHead(all.numClasses(), Activation.SOFTMAX, LossFunction.MCXENT);
            planned = plan.build().apply(base);
        }
        FineTuneConfig.Builder config = (chosen != null ? chosen.training(FineTuneConfig.builder()) : FineTuneConfig.builder())
                .epochs(epochCount).batchSize(batch).seed(seed).unfreeze(schedule).lrFind(lrFind).oneCycle(oneCycle);
        if (lr != null) {
            config.learningRate(lr);
        } else if (standardize && !lrFind && (chosen == null || !chosen.setsLearningRate())) {
            config.learningRate(TABULAR_LR);
        }
        if (patience != null) {
            config.patience(patience);
        }
        FineTuner.Builder ft = FineTuner.builder(planned).train(train).validation(val).cacheDirectory(cache)
                .log(line -> {
                    o.println(line);
                    o.flush();
                });
        FineTuneResult r;
        String where = "";
        try (SparkFinetune onSpark = spark.requested()
                ? SparkFinetune.start(spark, sparkTraining, cacheOption, chosen, oneCycle, o) : null) {
            if (onSpark != null) {
                onSpark.prepare(ft, config, planned, train, val, epochCount, batch, seed);
                where = " --spark " + onSpark.master();
            }
            r = ft.config(config.build()).build().run();
            if (onSpark != null) {
                onSpark.report(r);
            }
        }
        GraftModel tuned = onnxTop == null ? r.model() : onnxTop.reassemble(r.model(), all.labels());
        GraftModel saved = tuned.withCard(tuned.card().toBuilder().origin("graft finetune" + where + " " + model.getFileName()
                + " --cut " + cut + " --data " + data + (unfreeze != null ? " --unfreeze " + unfreeze : "")).build()).save(out);
        if (onnxTop != null) {
            onnxTop.close();
        }
        return finish(o, r, saved, reportDir, test);
    }

    /** Scores the test set if any, writes the report and prints the closing lines. */
    private Integer finish(PrintWriter o, FineTuneResult r, GraftModel saved, Path reportDir, DataSource test)
            throws Exception {
        org.nd4j.evaluation.classification.Evaluation testEval = test == null ? null : Evaluations.evaluate(saved, test, 64);
        TrainingReport.Files files;
        try {
            files = TrainingReport.write(r, reportDir, saved.card().name() + ": fine-tuned on " + in.data, testEval);
        } catch (java.io.IOException e) {
            throw new java.io.IOException("the model was saved to " + out + ", but its report could not be written in "
                    + reportDir + " (" + dev.graft.zoo.InputFiles.describe(e) + "); free space there or choose another "
                    + "folder with --report DIR", e);
        }
        if (testEval != null) {
            o.printf(Locale.ROOT, "test: %d held-out examples%n%s", test.size(), Evaluations.text(testEval));
        }
        if (r.evaluation() != null) {
            o.printf(Locale.ROOT, "validation accuracy %.4f (epoch %d kept)%s%n", r.evaluation().accuracy(), r.bestEpoch(),
                    testEval == null ? "" : String.format(Locale.ROOT, "; test accuracy %.4f on %d examples", testEval.accuracy(), test.size()));
        }
        o.printf("saved %s%nreport %s%n", out, files.html());
        o.flush();
        return 0;
    }

    private java.util.List<String> missing() {
        java.util.List<String> m = new java.util.ArrayList<>();
        if (model == null) {
            m.add("MODEL");
        }
        if (cut == null) {
            m.add("--cut");
        }
        if (in.data == null) {
            m.add("--data");
        }
        if (out == null) {
            m.add("--out");
        }
        return m;
    }

    /** A stratified split by {@code fraction}, seeded; {@code [rest, held out]}; a refusal names {@code option}. */
    private DataSource[] split(DataSource d, double fraction, String option) {
        DataSource.Split<? extends DataSource> s = d.split(fraction, seed, option);
        return new DataSource[] {s.train(), s.test()};
    }

    /** Epochs with --standardize when none are given: enough for {@link #MIN_STEPS} updates, 10 to {@link #MAX_AUTO_EPOCHS}. */
    static int defaultEpochs(int trainExamples, int batch) {
        long perEpoch = Math.max(1, (trainExamples + (long) batch - 1) / batch);
        return (int) Math.max(10, Math.min(MAX_AUTO_EPOCHS, (MIN_STEPS + perEpoch - 1) / perEpoch));
    }
}
