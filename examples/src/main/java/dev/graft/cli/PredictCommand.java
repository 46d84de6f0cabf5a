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
        GraftModel m = GraftModel.load(model);
        List<String> labels = m.card().labels();
        for (String in : inputs) {
            if (in.matches("^(digits|csv:|images:).*")) {
                DataSource src = DataSpec.source(in, m.card());
                DataSetIterator it = src.iterator(64);
                int i = 0;
                int correct = 0;
                while (it.hasNext()) {
                    DataSet ds = it.next();
                    INDArray p = m.predict(ds.getFeatures());
                    for (int r = 0; r < p.rows(); r++, i++) {
                        int truth = ds.getLabels().getRow(r).argMax().getInt(0);
                        int best = p.getRow(r).argMax().getInt(0);
                        String t = truth < src.labels().size() ? src.labels().get(truth) : Integer.toString(truth);
                        correct += name(labels, best).equals(t) ? 1 : 0;
                        o.println(in + "#" + i + "\t" + format(p.getRow(r), labels) + "\t(label " + t + ")");
                    }
                }
                o.printf(Locale.ROOT, "%s: accuracy %.4f on %d examples%n", in, i == 0 ? 0.0 : correct / (double) i, i);
            } else {
                Path file = Path.of(in);
                if (!java.nio.file.Files.isRegularFile(file)) {
                    throw new java.io.FileNotFoundException("input " + in + " is neither a file nor a data spec (digits, csv:FILE, images:DIR)");
                }
                INDArray p = m.predict(ImageFolderData.readImage(file, m.card()));
                o.println(in + "\t" + format(p.getRow(0), labels));
            }
        }
        o.flush();
        return 0;
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
