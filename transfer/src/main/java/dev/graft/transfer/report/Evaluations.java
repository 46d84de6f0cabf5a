package dev.graft.transfer.report;

import dev.graft.transfer.data.DataSource;
import dev.graft.zoo.GraftModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.nd4j.evaluation.classification.ConfusionMatrix;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Scores a model on labelled data and writes the result as text: accuracy, per-class precision/recall/F1 and the
 * confusion matrix (rows: actual class, columns: predicted). Used for the held-out test split of {@code finetune}
 * and for {@code predict} on labelled data.
 * <pre>{@code
 * Evaluation e = Evaluations.evaluate(model, testData, 64);
 * System.out.print(Evaluations.text(e));
 * }</pre>
 */
public final class Evaluations {
    private Evaluations() {
    }

    /**
     * Predicts every example of {@code data} (raw input; the model applies its card's normalization) and compares
     * with its labels. The data's classes must be the model's, in the model's order.
     *
     * @throws IllegalArgumentException if the data's classes differ from the model card's labels
     */
    public static Evaluation evaluate(GraftModel model, DataSource data, int batchSize) {
        List<String> labels = model.card().labels();
        if (!labels.isEmpty() && !labels.equals(data.labels())) {
            throw new IllegalArgumentException("data " + data.describe() + " has classes " + data.labels()
                    + " but model '" + model.card().name() + "' predicts " + labels);
        }
        Evaluation e = new Evaluation(new ArrayList<>(data.labels()));
        DataSetIterator it = data.iterator(batchSize);
        while (it.hasNext()) {
            DataSet ds = it.next();
            e.eval(ds.getLabels(), model.predict(ds.getFeatures()));
        }
        return e;
    }

    /** Labels of an evaluation's classes, in index order. */
    static List<String> labels(Evaluation e) {
        List<String> out = new ArrayList<>();
        int n = e.getNumRowCounter() > 0 && e.getConfusionMatrix() != null ? e.getConfusionMatrix().getClasses().size() : 0;
        for (int i = 0; i < n; i++) {
            String name = e.getClassLabel(i);
            out.add(name == null ? Integer.toString(i) : name);
        }
        return out;
    }

    /**
     * Per-class precision, recall, F1 and support, then the confusion matrix, as aligned text lines (each ends with a
     * newline; empty for an empty evaluation).
     */
    public static String text(Evaluation e) {
        List<String> labels = labels(e);
        if (labels.isEmpty()) {
            return "";
        }
        int w = Math.max(5, labels.stream().mapToInt(String::length).max().orElse(5));
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "  %-" + w + "s  precision  recall     f1  support%n", "class"));
        ConfusionMatrix<Integer> cm = e.getConfusionMatrix();
        for (int i = 0; i < labels.size(); i++) {
            s.append(String.format(Locale.ROOT, "  %-" + w + "s  %9.3f  %6.3f  %5.3f  %7d%n", labels.get(i), e.precision(i),
                    e.recall(i), e.f1(i), cm.getActualTotal(i)));
        }
        s.append("  confusion matrix (rows: actual, columns: predicted)\n");
        int cw = Math.max(4, labels.stream().mapToInt(String::length).max().orElse(4));
        s.append(String.format(Locale.ROOT, "  %-" + w + "s", ""));
        labels.forEach(l -> s.append(String.format(Locale.ROOT, " %" + cw + "s", l)));
        s.append('\n');
        for (int a = 0; a < labels.size(); a++) {
            s.append(String.format(Locale.ROOT, "  %-" + w + "s", labels.get(a)));
            for (int p = 0; p < labels.size(); p++) {
                s.append(String.format(Locale.ROOT, " %" + cw + "d", cm.getCount(a, p)));
            }
            s.append('\n');
        }
        return s.toString();
    }
}
