package dev.graft.cli;

import dev.graft.transfer.data.DataSource;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.ImageFolderData;
import dev.graft.zoo.GraftModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code graft predict}: class predictions of a model for images or the examples of a data spec. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Predict with MODEL: each INPUT is an image file (resized per the model card) or a data spec",
            "(digits:5-9, csv:FILE, images:DIR) whose examples are all predicted. Prints input, top classes and probabilities;",
            "for labelled specs also the accuracy."})
final class PredictCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    InputShapeOption input;

    @Parameters(index = "0", paramLabel = "MODEL", description = "Graft model zip")
    Path model;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "INPUT", description = "image files or data specs")
    List<String> inputs = new ArrayList<>();

    @Option(names = "--top", defaultValue = "1", description = "classes to show per input (default ${DEFAULT-VALUE})")
    int top;

    @Override
    public Integer call() throws Exception {
        if (top <= 0) {
            throw new IllegalArgumentException("--top must be positive, got " + top);
        }
        PrintWriter o = spec.commandLine().getOut();
        GraftModel m = Models.load(model, spec, input);
        List<String> labels = m.card().labels();
        for (String in : inputs) {
            if (in.matches("^(digits|csv:|images:).*")) {
                DataSource src = DataSpec.source(in, m.card());
                Models.requireDataFits(m, model, src, in);
                List<String> known = new ArrayList<>();
                List<String> unknown = new ArrayList<>();
                for (String l : src.labels()) {
                    (labels.contains(l) || (labels.isEmpty() && l.matches("\\d+")) ? known : unknown).add(l);
                }
                boolean scored = !known.isEmpty();
                if (!scored) {
                    Models.warn(spec, "none of " + in + "'s labels (" + abbreviate(src.labels()) + ") is a label of model "
                            + model + " (" + (labels.isEmpty() ? "outputs 0.." + (outputs(m) - 1) : abbreviate(labels))
                            + "); accuracy is not computed — check that the data belongs to this model");
                } else if (!unknown.isEmpty()) {
                    Models.warn(spec, in + " has labels that model " + model + " cannot predict (" + abbreviate(unknown)
                            + "); their examples count as wrong in the accuracy");
                }
                DataSetIterator it = src.iterator(64);
                int i = 0;
                int correct = 0;
                while (it.hasNext()) {
                    DataSet ds = it.next();
                    INDArray p = m.predict(ds.getFeatures());
                    requireProbabilities(p, in + "#" + i);
                    for (int r = 0; r < p.rows(); r++, i++) {
                        int truth = ds.getLabels().getRow(r).argMax().getInt(0);
                        int best = p.getRow(r).argMax().getInt(0);
                        String t = truth < src.labels().size() ? src.labels().get(truth) : Integer.toString(truth);
                        correct += name(labels, best).equals(t) ? 1 : 0;
                        o.println(in + "#" + i + "\t" + format(p.getRow(r), labels) + "\t(label " + t + ")");
                    }
                }
                if (scored) {
                    o.printf(Locale.ROOT, "%s: accuracy %.4f on %d examples%n", in, i == 0 ? 0.0 : correct / (double) i, i);
                } else {
                    o.printf(Locale.ROOT, "%s: %d examples predicted; no accuracy (none of its labels is the model's)%n", in, i);
                }
            } else {
                Path file = Path.of(in);
                if (!java.nio.file.Files.exists(file)) {
                    throw new java.io.FileNotFoundException("input " + in + " is neither a file nor a data spec (digits, csv:FILE, images:DIR)");
                }
                dev.graft.zoo.InputFiles.requireReadableFile(file, "input image");
                INDArray p = m.predict(ImageFolderData.readImage(file, m.card()));
                requireProbabilities(p, in);
                o.println(in + "\t" + format(p.getRow(0), labels));
            }
        }
        o.flush();
        return 0;
    }

    /**
     * Refuses an output that is not one probability distribution per row: NaN or infinite values (broken weights or
     * input), or scores outside [0, 1] / not summing to 1 (a base without a softmax classifier head).
     */
    private void requireProbabilities(INDArray p, String firstInput) {
        for (int r = 0; r < p.rows(); r++) {
            double sum = 0;
            for (int c = 0; c < p.columns(); c++) {
                double v = p.getDouble(r, c);
                if (!Double.isFinite(v)) {
                    throw new IllegalStateException("model " + model + " gives " + v + " for " + rowName(firstInput, r)
                            + "; its weights or this input are broken (non-finite output) — check the model and the input");
                }
                if (v < -1e-6 || v > 1 + 1e-6) {
                    throw notDistribution("a score of " + String.format(Locale.ROOT, "%.4g", v), firstInput, r);
                }
                sum += v;
            }
            if (Math.abs(sum - 1) > 1e-3) {
                throw notDistribution(String.format(Locale.ROOT, "scores summing to %.4g", sum), firstInput, r);
            }
        }
    }

    private IllegalStateException notDistribution(String what, String firstInput, int r) {
        return new IllegalStateException("model " + model + " does not output class probabilities (" + what + " for "
                + rowName(firstInput, r) + "): it has no softmax classifier head; put one on it first with "
                + "graft finetune " + model + " --cut LAYER --data SPEC --out OUT.zip");
    }

    private static String rowName(String firstInput, int r) {
        int hash = firstInput.lastIndexOf('#');
        if (hash < 0 || !firstInput.substring(hash + 1).matches("\\d+")) {
            return firstInput;
        }
        return firstInput.substring(0, hash) + "#" + (Integer.parseInt(firstInput.substring(hash + 1)) + r);
    }

    private static long outputs(GraftModel m) {
        return m.outputSize();
    }

    private static String abbreviate(List<String> l) {
        return l.size() <= 8 ? String.join(", ", l) : String.join(", ", l.subList(0, 8)) + ", ... (" + l.size() + ")";
    }

    private String format(INDArray probs, List<String> labels) {
        List<String> parts = new ArrayList<>();
        INDArray p = probs.dup();
        for (int k = 0; k < Math.min(top, p.length()); k++) {
            int best = p.argMax().getInt(0);
            parts.add(String.format(Locale.ROOT, "%s %.4f", name(labels, best), p.getDouble(best)));
            p.putScalar(best, Double.NEGATIVE_INFINITY);
        }
        return String.join("\t", parts);
    }

    private static String name(List<String> labels, int i) {
        return i < labels.size() ? labels.get(i) : Integer.toString(i);
    }
}
