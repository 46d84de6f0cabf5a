package dev.graft.cli;

import dev.graft.transfer.cache.FeaturizingParity;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.Normalization;
import dev.graft.zoo.keras.KerasImporter;
import dev.graft.zoo.keras.ParityCheck;
import dev.graft.zoo.keras.ParityReport;
import dev.graft.zoo.keras.PreflightReport;
import dev.graft.zoo.keras.Tolerance;
import dev.graft.zoo.onnx.CutPoint;
import dev.graft.zoo.onnx.OnnxGraph;
import dev.graft.zoo.onnx.OnnxImporter;
import dev.graft.zoo.onnx.OnnxModel;
import java.io.PrintWriter;
import java.util.Arrays;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code graft import FILE --out MODEL.zip [--verify REF.npz]}: a Keras 2 or Keras 3 model, or an ONNX model (e.g.
 * exported from PyTorch), as a Graft model. For Keras the preflight runs first; with {@code --verify} the import is
 * compared with outputs the source framework wrote and nothing is saved when it differs by more than the tolerance.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Import a Keras or an ONNX model as a Graft model (a zip with its model card).",
            "Keras: .keras, Keras 2 or 3 .h5, or a JSON config with --weights. Every layer",
            "  that cannot be imported is listed before any work (--preflight: only that);",
            "  --verify compares with Keras' outputs through the plain network and the",
            "  featurizing path (at the output and at the last cut point).",
            "ONNX: .onnx, e.g. from torch.onnx.export, run by ONNX Runtime; one float32",
            "  NCHW image input (a batch fixed by the export works: a note says how it",
            "  runs); normalization and labels from the options or the file's",
            "  metadata_props; --verify compares ONNX Runtime's output with the reference",
            "  (any batch size) before and after saving.",
            "Both: --out --verify --atol --rtol --name --scale --mean --std --labels.",
            "Keras only: --weights --preflight. ONNX only: --input-shape --license --origin."})
final class ImportCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = "a Keras model (.keras, .h5, or a JSON config with "
            + "--weights) or an ONNX model (.onnx, self-contained, one float32 NCHW input)")
    Path file;

    @Option(names = "--out", paramLabel = "MODEL.zip", description = "where to save the Graft model (+ .card.json)")
    Path out;

    @Option(names = "--weights", paramLabel = "W.h5", description = "weights file, when FILE is a JSON config")
    Path weights;

    @Option(names = "--verify", paramLabel = "REF.npz",
            description = "arrays 'input' and 'output' written by the source framework, e.g. Keras: np.savez(f, input=x, "
                    + "output=model.predict(x)); PyTorch: np.savez(f, input=x.numpy(), output=model(x).numpy()) "
                    + "(input already normalized, as the model sees it)")
    Path verify;

    @Option(names = {"--atol", "--tolerance"}, defaultValue = "1e-4", paramLabel = "A",
            description = "--verify passes where |got - ref| <= A + R * |ref| for every value (default: ${DEFAULT-VALUE})")
    double atol;

    @Option(names = "--rtol", defaultValue = "1e-3", paramLabel = "R",
            description = "relative part of the --verify bound, see --atol (default: ${DEFAULT-VALUE})")
    double rtol;

    @Option(names = "--preflight", description = "only check which layers can be imported; build and save nothing")
    boolean preflightOnly;

    @Option(names = "--name", description = "model name for the card (default: the Keras model's name, or the "
            + ".onnx file's name)")
    String name;

    @Option(names = "--scale", defaultValue = "1", description = "input preprocessing: multiply by this first")
    double scale;

    @Option(names = "--mean", split = ",", paramLabel = "M", description = "per-channel mean subtracted after --scale")
    double[] mean;

    @Option(names = "--std", split = ",", paramLabel = "S", description = "per-channel std divided by after --mean")
    double[] std;

    @Option(names = "--labels", split = ",", description = "class labels in output order (ONNX: one per output value)")
    List<String> labels;

    @Option(names = "--input-shape", split = ",", paramLabel = "C,H,W",
            description = "ONNX only: one example's shape (NCHW) when the graph leaves height/width dynamic")
    long[] inputShape;

    @Option(names = "--license", description = "ONNX only: license of the weights, for the card")
    String license;

    @Option(names = "--origin", description = "ONNX only: where the weights came from, for the card")
    String origin;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private static void deleteSaved(Path out) {
        try {
            java.nio.file.Files.deleteIfExists(out);
            java.nio.file.Files.deleteIfExists(dev.graft.zoo.ModelCard.besides(out));
        } catch (java.io.IOException e) {
            // reported by the caller's message; the file may stay
        }
    }

    private Integer importOnnx(PrintWriter o, Tolerance tolerance, Normalization norm) throws Exception {
        if (preflightOnly || weights != null) {
            throw new IllegalArgumentException((preflightOnly ? "--preflight" : "--weights") + " is for Keras files; "
                    + file.getFileName() + " is an ONNX model (its weights are inside)");
        }
        boolean normGiven = spec.commandLine().getParseResult().hasMatchedOption("--scale") || mean != null
                || std != null;
        OnnxImporter.Builder b = OnnxImporter.builder(file).name(name).labels(labels).license(license).origin(origin)
                .inputShape(inputShape);
        if (normGiven) {
            b.normalization(norm);
        }
        OnnxModel m = b.build().importModel();
        String noNorm = normGiven ? null : OnnxCli.noNormalizationWarning(m, file);
        if (noNorm != null) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("warning: " + noNorm);
            err.flush();
        }
        OnnxGraph g = m.graph();
        long fixedBatch = g.input().shape()[0];
        if (fixedBatch > 0) {
            Models.note(spec, file.getFileName() + " has its batch fixed at " + fixedBatch + " (exported without "
                    + "dynamic_axes): Graft feeds it " + fixedBatch + " example(s) at a time, padding the last group, so "
                    + "any --batch works; re-export with dynamic_axes={'" + g.input().name() + "': {0: 'batch'}} to "
                    + "run whole batches at once");
        }
        o.printf("read %s: ONNX %s, opset %d, %d nodes, %,d parameters; input %s %s, %s%n", file.getFileName(),
                g.producer(), g.opset(), g.nodeCount(), g.parameterCount(), Arrays.toString(m.card().inputShape()),
                m.card().layout(), m.card().normalization());
        if (verify != null) {
            ParityReport p = OnnxCli.verify(m, verify, tolerance, "onnx runtime");
            o.println("verify: " + p);
            o.flush();
            p.requirePassed();
        }
        OnnxModel saved = m.save(out);
        if (verify != null) {
            ParityReport reloaded;
            try {
                reloaded = OnnxCli.verify(OnnxModel.load(out), verify, tolerance, "saved file");
            } catch (RuntimeException e) {
                deleteSaved(out);
                throw new IllegalStateException("the saved model " + out + " does not run the reference input after "
                        + "loading (" + e.getMessage() + "); it was deleted", e);
            }
            o.println("verify saved file: " + reloaded);
            if (!reloaded.passed()) {
                deleteSaved(out);
                throw new IllegalStateException("the model reproduced the reference before saving but not after "
                        + "loading " + out + " (" + reloaded + "); it was deleted");
            }
        }
        long shown = g.cutPoints().stream().filter(c -> c.role() != CutPoint.Role.INNER).count();
        o.printf("saved %s and %s (source %s); %d cut points: graft inspect %s%n", out,
                dev.graft.zoo.ModelCard.besides(out).getFileName(), saved.card().source(), shown, out);
        return 0;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        if (!preflightOnly && out == null) {
            throw new IllegalArgumentException("--out MODEL.zip is required (or --preflight to only check the file)");
        }
        Tolerance tolerance;
        try {
            tolerance = new Tolerance(atol, rtol);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--atol/--rtol: " + e.getMessage());
        }
        Normalization norm = mean == null && std == null ? Normalization.scale(scale)
                : Normalization.of(scale, mean == null ? new double[0] : mean, std == null ? new double[0] : std);
        if (OnnxCli.isOnnx(file)) {
            return importOnnx(o, tolerance, norm);
        }
        KerasImporter.Builder b = KerasImporter.builder(file).weights(weights).normalization(norm);
        if (name != null) {
            b.name(name);
        }
        if (labels != null) {
            b.labels(labels);
        }
        KerasImporter importer = b.build();

        PreflightReport pre = importer.preflight();
        o.printf("read %s: %s written by Keras %s, model '%s', %d layers%n", file.getFileName(), pre.format(),
                pre.kerasVersion(), pre.modelName(), pre.layerCount());
        if (!pre.importable()) {
            pre.unsupported().forEach(u -> o.println("  cannot import " + u));
            o.flush();
            pre.requireImportable();
        }
        o.println("preflight: all " + pre.layerCount() + " layers can be imported");
        if (preflightOnly) {
            return 0;
        }
        GraftModel m = importer.importModel();
        o.printf("imported: %s, %,d parameters, input %s %s%n", m.isGraph() ? "ComputationGraph" : "MultiLayerNetwork",
                m.network().numParams(), java.util.Arrays.toString(m.card().inputShape()), m.card().layout());
        if (verify != null) {
            ParityReport p = ParityCheck.of(m, verify, tolerance);
            o.println("verify: " + p);
            o.flush();
            p.requirePassed();
            List<ParityReport> paths;
            try {
                paths = FeaturizingParity.check(m, ParityCheck.reference(verify), tolerance);
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new IllegalStateException("the imported model reproduces the reference on the plain network "
                        + "but fails on the featurizing path that featurize and finetune run (" + e.getMessage()
                        + "); the model was not saved -- report the model to Graft's maintainers", e);
            }
            for (ParityReport f : paths) {
                o.println("verify " + f.path() + ": " + f);
                o.flush();
                f.requirePassed();
            }
        }
        GraftModel saved = m.save(out);
        if (verify != null) {
            // what the user gets is the file: a model that changed on the way through save and load (DL4J's
            // serialization dropped a layer's setting once) must not pass as verified
            ParityReport reloaded;
            try {
                reloaded = ParityCheck.of(GraftModel.load(out), verify, tolerance);
            } catch (RuntimeException e) {
                deleteSaved(out);
                throw new IllegalStateException("the saved model " + out + " does not run the reference input after "
                        + "loading (" + e.getMessage() + "); it was deleted -- report the model to Graft's "
                        + "maintainers", e);
            }
            o.println("verify saved file: " + reloaded);
            if (!reloaded.passed()) {
                deleteSaved(out);
                throw new IllegalStateException("the model reproduced the reference before saving but not after "
                        + "loading " + out + " (" + reloaded + "); it was deleted -- report the model to Graft's "
                        + "maintainers");
            }
        }
        o.printf("saved %s and %s (source %s)%n", out, dev.graft.zoo.ModelCard.besides(out).getFileName(),
                saved.card().source());
        return 0;
    }
}
