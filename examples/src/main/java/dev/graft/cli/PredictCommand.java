package dev.graft.cli;

import dev.graft.transfer.data.DataSource;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.report.Evaluations;
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
        description = {"Predict classes with MODEL for image files and data specs (digits:5-9, csv:FILE, images:DIR), printing "
                + "each input's top classes and probabilities.",
            "Inputs are named by file name for images, SPEC#ROW for data rows.",
            "A CSV with as many columns as the model has inputs has no label column and is scored as is (or say so with "
                + "--no-labels); for labelled input the accuracy, per-class precision/recall and confusion matrix follow.",
            "--output FILE.csv writes one row per input: input, label (empty when unknown), predicted class, and the "
                + "probability of every class."})
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

    @Option(names = "--output", paramLabel = "FILE.csv", description = "also write the predictions as CSV: input, label, predicted, "
            + "one probability column per class")
    Path output;

    @Option(names = "--no-labels", description = "csv:FILE has no label column: every column is a feature (detected when the "
            + "column count equals the model's inputs)")
    boolean noLabels;

    @Option(names = "--strict", description = "images:DIR: refuse a folder with unreadable files instead of skipping them")
    boolean strict;

    /** One predicted example: its name, true label (null if unknown) and the class probabilities. */
    private record Row(String input, String label, INDArray probs) {
    }

    @Override
    public Integer call() throws Exception {
        if (top <= 0) {
            throw new IllegalArgumentException("--top must be positive, got " + top);
        }
        if (output != null && !output.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")) {
            throw new IllegalArgumentException("--output must name a .csv file, got " + output);
        }
        PrintWriter o = spec.commandLine().getOut();
        GraftModel m = Models.load(model, spec, input);
        List<String> labels = m.card().labels();
        List<Row> all = new ArrayList<>();
        for (String in : inputs) {
            List<Row> rows = new ArrayList<>();
            if (in.startsWith("csv:") && unlabelledCsv(m, in)) {
                Path file = Path.of(in.substring(4));
                DataSpec.UnlabelledRows u = DataSpec.unlabelledRows(file, (int) flatInputs(m));
                u.notes().forEach(n -> Models.note(spec, n));
                INDArray p = m.predict(u.features());
                requireProbabilities(p, in + "#0");
                for (int r = 0; r < p.rows(); r++) {
                    rows.add(new Row(in + "#" + r, null, p.getRow(r).dup()));
                    o.println(in + "#" + r + "\t" + format(p.getRow(r), labels));
                }
                o.printf(Locale.ROOT, "%s: %d rows predicted (no label column)%n", in, rows.size());
            } else if (in.matches("^(digits|csv:|images:).*")) {
                if (noLabels) {
                    throw new IllegalArgumentException("--no-labels applies to csv:FILE inputs, not " + in);
                }
                DataSource src = DataSpec.source(in, m.card(), DataSpec.Options.DEFAULTS.withStrict(strict));
                Models.printNotes(spec, src);
                List<String> known = new ArrayList<>();
                List<String> unknown = new ArrayList<>();
                long outputCount = labels.isEmpty() ? outputs(m) : labels.size();
                for (String l : src.labels()) {
                    // a model without labels names its outputs 0..n-1: a data label is one of them only if below n
                    boolean output = labels.isEmpty() && l.matches("\\d{1,9}") && Integer.parseInt(l) < outputCount;
                    (labels.contains(l) || output ? known : unknown).add(l);
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
                List<Path> files = src.files().isEmpty() ? null : src.files();
                DataSetIterator it = src.iterator(64);
                int i = 0;
                int correct = 0;
                while (it.hasNext()) {
                    DataSet ds = it.next();
                    INDArray p = m.predict(ds.getFeatures());
                    String first = files != null ? files.get(i).toString() : in + "#" + i;
                    requireProbabilities(p, first);
                    for (int r = 0; r < p.rows(); r++, i++) {
                        int truth = ds.getLabels().getRow(r).argMax().getInt(0);
                        int best = p.getRow(r).argMax().getInt(0);
                        String t = truth < src.labels().size() ? src.labels().get(truth) : Integer.toString(truth);
                        correct += name(labels, best).equals(t) ? 1 : 0;
                        String id = files != null ? files.get(i).toString() : in + "#" + i;
                        rows.add(new Row(id, t, p.getRow(r).dup()));
                        o.println(id + "\t" + format(p.getRow(r), labels) + "\t(label " + t + ")");
                    }
                }
                if (scored) {
                    o.printf(Locale.ROOT, "%s: accuracy %.4f on %d examples%n", in, i == 0 ? 0.0 : correct / (double) i, i);
                    if (unknown.isEmpty() && !labels.isEmpty() && i > 0) {
                        o.print(Evaluations.text(evaluation(rows, labels)));
                    }
                } else {
                    o.printf(Locale.ROOT, "%s: %d examples predicted; no accuracy (none of its labels is the model's)%n", in, i);
                }
            } else {
                if (noLabels) {
                    throw new IllegalArgumentException("--no-labels applies to csv:FILE inputs, not the image file " + in);
                }
                Path file = Path.of(in);
                if (!java.nio.file.Files.exists(file)) {
                    throw new java.io.FileNotFoundException("input " + in + " is neither a file nor a data spec (digits, csv:FILE, images:DIR)");
                }
                dev.graft.zoo.InputFiles.requireReadableFile(file, "input image");
                INDArray p = m.predict(DataSpec.readImage(file, m.card()));
                requireProbabilities(p, in);
                rows.add(new Row(in, null, p.getRow(0).dup()));
                o.println(in + "\t" + format(p.getRow(0), labels));
            }
            all.addAll(rows);
        }
        if (output != null) {
            writeCsv(all, labels, (int) outputs(m));
            o.printf(Locale.ROOT, "wrote %d predictions to %s%n", all.size(), output);
        }
        o.flush();
        return 0;
    }

    /** Whether a csv: input is to be read without a label column: --no-labels, or as many columns as the model's inputs. */
    private boolean unlabelledCsv(GraftModel m, String in) {
        String rest = in.substring(4);
        if (noLabels && rest.contains("#")) {
            throw new IllegalArgumentException("--no-labels reads " + in + " without labels, so it cannot select classes (#...)");
        }
        if (noLabels) {
            if (flatInputs(m) < 0) {
                throw new IllegalArgumentException("--no-labels needs a model that takes flat feature vectors; model " + model
                        + " takes " + java.util.Arrays.toString(m.card().inputShape()) + " " + m.card().layout());
            }
            return true;
        }
        if (rest.contains("#") || flatInputs(m) < 0) {
            return false;
        }
        Path file = Path.of(rest);
        if (!java.nio.file.Files.isRegularFile(file)) {
            return false; // the labelled reader names the problem
        }
        return DataSpec.csvColumns(file) == flatInputs(m);
    }

    /** The model's feature count when it takes flat vectors ({@code [F]}), else -1. */
    private static long flatInputs(GraftModel m) {
        long[] s = m.card().inputShape();
        return s.length == 1 && m.card().layout() == dev.graft.zoo.InputLayout.FLAT ? s[0] : -1;
    }

    /** The evaluation of labelled rows whose labels are all the model's. */
    private static org.nd4j.evaluation.classification.Evaluation evaluation(List<Row> rows, List<String> labels) {
        org.nd4j.evaluation.classification.Evaluation e = new org.nd4j.evaluation.classification.Evaluation(new ArrayList<>(labels));
        INDArray truth = org.nd4j.linalg.factory.Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, rows.size(), labels.size());
        INDArray probs = org.nd4j.linalg.factory.Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, rows.size(), labels.size());
        for (int r = 0; r < rows.size(); r++) {
            truth.putScalar(r, labels.indexOf(rows.get(r).label()), 1f);
            probs.putRow(r, rows.get(r).probs().reshape(1, labels.size()).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT));
        }
        e.eval(truth, probs);
        return e;
    }

    /** Writes the rows as CSV (atomically: a temp file beside it, then moved). */
    private void writeCsv(List<Row> rows, List<String> labels, int classes) throws java.io.IOException {
        Path target = output.toAbsolutePath();
        java.nio.file.Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + System.nanoTime() + ".tmp");
        try {
            try (java.io.BufferedWriter w = java.nio.file.Files.newBufferedWriter(tmp, java.nio.charset.StandardCharsets.UTF_8)) {
                StringBuilder h = new StringBuilder("input,label,predicted");
                for (int c = 0; c < classes; c++) {
                    h.append(",p_").append(csv(name(labels, c)));
                }
                w.write(h.append('\n').toString());
                for (Row r : rows) {
                    StringBuilder s = new StringBuilder(csv(r.input())).append(',').append(r.label() == null ? "" : csv(r.label()))
                            .append(',').append(csv(name(labels, r.probs().argMax().getInt(0))));
                    for (int c = 0; c < classes; c++) {
                        s.append(',').append(String.format(Locale.ROOT, "%.6g", r.probs().getDouble(c)));
                    }
                    w.write(s.append('\n').toString());
                }
            }
            java.nio.file.Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            java.nio.file.Files.deleteIfExists(tmp);
        }
    }

    /** A CSV field, quoted when it holds a comma, quote or line break. */
    private static String csv(String v) {
        return v.matches("(?s).*[,\"\r\n].*") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
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
