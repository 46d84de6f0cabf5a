package dev.graft.cli;

import dev.graft.transfer.TransferPlan;
import dev.graft.transfer.data.DataSource;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.ImageFolderData;
import dev.graft.transfer.data.LabeledData;
import dev.graft.transfer.report.TrainingReport;
import dev.graft.transfer.tune.FineTuneResult;
import dev.graft.transfer.tune.FineTuner;
import dev.graft.transfer.tune.OnnxFineTuner;
import dev.graft.transfer.tune.OnnxTop;
import dev.graft.zoo.onnx.OnnxModel;
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
        description = {"Freeze MODEL through --cut, put a new head for the data's classes on top, train it from a feature cache,",
            "optionally unfreeze the top frozen layers gradually, and save one model that predicts from raw input.",
            "Writes OUT.zip, its model card, and a report folder (curves as PNG, index.html)."})
final class FinetuneCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    InputShapeOption input;

    @Parameters(index = "0", paramLabel = "MODEL", description = "Graft/DL4J model zip, or an ONNX model ('graft import' zip or .onnx)")
    Path model;

    @Option(names = "--cut", required = true, paramLabel = "LAYER", description = "freeze through this layer (name or index; for ONNX a tensor from 'graft inspect'); the new top trains above it")
    String cut;

    @Option(names = "--data", required = true, paramLabel = "SPEC", description = "digits[:CLASSES], csv:FILE[#CLASSES] or images:DIR")
    String data;

    @Option(names = "--out", required = true, paramLabel = "OUT.zip", description = "where to save the fine-tuned model")
    Path out;

    @Option(names = "--cache", paramLabel = "DIR", description = "keep the feature caches here and reuse them (default: a temp folder)")
    Path cache;

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

    @Option(names = "--epochs", defaultValue = "10", description = "epochs of head training (default ${DEFAULT-VALUE})")
    int epochs;

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

    @Option(names = "--list-presets", description = "list the presets and exit")
    boolean listPresets;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        if (listPresets) {
            Presets.all().values().forEach(p -> o.printf(Locale.ROOT, "%-12s %s%n", p.name(), p.description()));
            o.flush();
            return 0;
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
        Preset chosen = preset == null ? null : Presets.get(preset);
        UnfreezeSchedule schedule = UnfreezeSchedule.parse(unfreeze);
        GraftModel base;
        DataSource all;
        OnnxTop onnxTop = null;
        String cut = this.cut;
        if (OnnxCli.isOnnx(model)) {
            if (unfreeze == null) {
                return finetuneOnnx(o, reportDir);
            }
            // the pretrained top becomes DL4J layers above a boundary; below it, ONNX Runtime (OnnxTop)
            OnnxModel m = OnnxCli.open(model);
            int layers = schedule.stages().stream().mapToInt(UnfreezeSchedule.Stage::layers).max().orElse(0);
            all = DataSpec.source(data, m.card());
            requireFits(all, m);
            cut = m.graph().cutPoint(cut.trim()).tensor();
            onnxTop = OnnxTop.split(m, cut, layers, OnnxCli.threads());
            o.println("ONNX Runtime up to '" + onnxTop.boundary().tensor() + "' (frozen), DL4J layers with the ONNX "
                    + "weights above it (" + onnxTop.top().network().numParams() + " parameters; --unfreeze reaches them)");
            base = onnxTop.top();
        } else {
            base = Models.load(model, spec, input);
            if (base.onnxBase().isPresent()) {
                throw new IllegalArgumentException("model " + model + " already has a fine-tuned head on a frozen ONNX "
                        + "part; fine-tune the imported ONNX model ('graft import x.onnx') again instead");
            }
            all = DataSpec.source(data, base.card());
            Models.requireDataFits(base, model, all, data);
        }
        if (all.numClasses() < 2) {
            throw new IllegalArgumentException("data " + data + " has only one class (" + String.join(",", all.labels())
                    + "); a classifier needs at least two — add examples of another class or select more classes");
        }
        if (hidden != null) {
            if (hidden <= 0) {
                throw new IllegalArgumentException("--hidden must be positive, got " + hidden);
            }
            long features = 1;
            for (long d : dev.graft.transfer.cache.Featurizers.cut(base, cut).featureShape()) {
                features = dev.graft.zoo.ParamBudget.times(features, d);
            }
            dev.graft.zoo.ParamBudget.require(dev.graft.zoo.ParamBudget.denseStack(features, hidden, all.numClasses()),
                    "--hidden " + hidden + " on " + features + " features at --cut " + cut, "use a narrower hidden layer");
        }
        DataSource[] parts = split(all);
        DataSource train = parts[0];
        DataSource val = parts[1];
        if (onnxTop != null) {
            train = onnxTop.through(train);
            val = val == null ? null : onnxTop.through(val);
        }
        o.printf(Locale.ROOT, "data: %s -> %d train, %d validation, classes %s%n", all.describe(), train.size(), val == null ? 0 : val.size(),
                String.join(",", all.labels()));
        TransferPlan.Builder plan = TransferPlan.builder().freezeThrough(cut).seed(seed).labels(all.labels());
        if (hidden != null) {
            plan.dropTop(1);
            (chosen != null ? chosen : Presets.get("relu")).addHidden(plan, "graft_hidden", hidden);
        }
        plan.replaceHead(all.numClasses(), Activation.SOFTMAX, LossFunction.MCXENT);
        GraftModel planned = plan.build().apply(base);
        FineTuner.Builder ft = FineTuner.builder(planned).train(train).validation(val).cacheDirectory(cache).preset(chosen)
                .epochs(epochs).batchSize(batch).seed(seed).unfreeze(schedule).lrFind(lrFind).oneCycle(oneCycle)
                .log(line -> {
                    o.println(line);
                    o.flush();
                });
        if (lr != null) {
            ft.learningRate(lr);
        }
        if (patience != null) {
            ft.patience(patience);
        }
        FineTuneResult r = ft.build().run();
        GraftModel tuned = onnxTop == null ? r.model() : onnxTop.reassemble(r.model(), all.labels());
        GraftModel saved = tuned.withCard(tuned.card().toBuilder().origin("graft finetune " + model.getFileName() + " --cut " + cut
                + " --data " + data + (unfreeze != null ? " --unfreeze " + unfreeze : "")).build()).save(out);
        if (onnxTop != null) {
            onnxTop.close();
        }
        return finish(o, r, saved, reportDir);
    }

    /** Train and validation parts of the data (validation null when the data cannot be split). */
    private DataSource[] split(DataSource all) {
        if (all instanceof LabeledData) {
            LabeledData.Split split = ((LabeledData) all).stratifiedSplit(valFraction, seed);
            return new DataSource[] {split.train(), split.test()};
        } else if (all instanceof ImageFolderData) {
            return ((ImageFolderData) all).stratifiedSplit(valFraction, seed);
        }
        return new DataSource[] {all, null};
    }

    /**
     * An imported ONNX model: the graph up to --cut runs frozen on ONNX Runtime into the feature cache, a new DL4J
     * head trains on it, and the saved model holds both (OnnxFineTuner).
     */
    private Integer finetuneOnnx(PrintWriter o, Path reportDir) throws Exception {
        for (String[] opt : new String[][] {{"--preset", preset}, {"--lr-find", lrFind ? "" : null},
                {"--one-cycle", oneCycle ? "" : null}, {"--input-shape", input.shape}}) {
            if (opt[1] != null) {
                throw new IllegalArgumentException(opt[0] + " is not available for ONNX models without --unfreeze (the "
                        + "head trains with Adam at --lr, early stopping with --patience); drop " + opt[0] + ", or add "
                        + "--unfreeze to fine-tune through DL4J layers made from the ONNX top");
            }
        }
        OnnxModel m = OnnxCli.open(model);
        DataSource all = DataSpec.source(data, m.card());
        requireFits(all, m);
        DataSource[] parts = split(all);
        o.printf(Locale.ROOT, "data: %s -> %d train, %d validation, classes %s%n", all.describe(), parts[0].size(),
                parts[1] == null ? 0 : parts[1].size(), String.join(",", all.labels()));
        OnnxFineTuner.Builder ft = OnnxFineTuner.builder(m, cut).train(parts[0]).validation(parts[1])
                .cacheDirectory(cache).epochs(epochs).batchSize(batch).seed(seed).hidden(hidden).log(line -> {
                    o.println(line);
                    o.flush();
                });
        if (lr != null) {
            ft.learningRate(lr);
        }
        if (patience != null) {
            ft.patience(patience);
        }
        FineTuneResult r = ft.build().run();
        GraftModel saved = r.model().withCard(r.model().card().toBuilder().origin("graft finetune "
                + model.getFileName() + " --cut " + cut + " --data " + data).build()).save(out);
        return finish(o, r, saved, reportDir);
    }

    private void requireFits(DataSource all, OnnxModel m) {
        if (!java.util.Arrays.equals(all.exampleShape(), m.card().inputShape())) {
            throw new IllegalArgumentException("data " + data + " has examples of shape "
                    + java.util.Arrays.toString(all.exampleShape()) + " but model " + model + " takes "
                    + java.util.Arrays.toString(m.card().inputShape()) + " (" + m.card().layout() + ")");
        }
    }

    private Integer finish(PrintWriter o, FineTuneResult r, GraftModel saved, Path reportDir) throws Exception {
        TrainingReport.Files files;
        try {
            files = TrainingReport.write(r, reportDir, saved.card().name() + ": fine-tuned on " + data);
        } catch (java.io.IOException e) {
            throw new java.io.IOException("the model was saved to " + out + ", but its report could not be written in "
                    + reportDir + " (" + dev.graft.zoo.InputFiles.describe(e) + "); free space there or choose another "
                    + "folder with --report DIR", e);
        }
        if (r.evaluation() != null) {
            o.printf(Locale.ROOT, "validation accuracy %.4f (epoch %d kept)%n", r.evaluation().accuracy(), r.bestEpoch());
        }
        o.printf("saved %s%nreport %s%n", out, files.html());
        o.flush();
        return 0;
    }
}
