package dev.graft.transfer.report;

import dev.graft.transfer.cache.CacheReport;
import dev.graft.transfer.tune.EpochRecord;
import dev.graft.transfer.tune.FineTuneResult;
import dev.graft.transfer.tune.LrFinder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.nd4j.evaluation.classification.ConfusionMatrix;
import org.nd4j.evaluation.classification.Evaluation;

/**
 * Writes what a fine-tune did as files a person can open: training curves as PNG (XChart) and an
 * {@code index.html} with accuracy, per-class precision/recall/F1, the confusion matrix, the epoch table and
 * what the feature caches did.
 * <pre>{@code
 * TrainingReport.Files files = TrainingReport.write(result, Path.of("report"), "digits 5-9 from digits 0-4");
 * }</pre>
 */
public final class TrainingReport {
    private TrainingReport() {
    }

    /** Paths of the written files; {@code lrFinder} is null when no LR range test ran. */
    public record Files(Path html, Path loss, Path accuracy, Path lrFinder) {
    }

    /**
     * Writes the report into {@code dir} (created if needed), replacing files of an earlier report.
     *
     * @throws IOException if the folder cannot be written (no temp file is left behind)
     */
    public static Files write(FineTuneResult result, Path dir, String title) throws IOException {
        return write(result, dir, title, null);
    }

    /**
     * Writes the report as {@link #write(FineTuneResult, Path, String)} does, with the evaluation of the saved model on
     * a held-out test split (never seen by training or early stopping) first, beside validation.
     *
     * @param test the test evaluation ({@link Evaluations#evaluate}), or null when no test split was held out
     * @throws IOException if the folder cannot be written (no temp file is left behind)
     */
    public static Files write(FineTuneResult result, Path dir, String title, Evaluation test) throws IOException {
        dev.graft.engine.Settings.defaultProperty("java.awt.headless", "true"); // charts render without a display
        java.nio.file.Files.createDirectories(dir);
        List<EpochRecord> h = result.history();
        double[] x = h.stream().mapToDouble(EpochRecord::epoch).toArray();
        Path loss = dir.resolve("loss.png");
        XYChart lc = chart("Loss", "epoch", "loss");
        if (x.length > 0) {
            lc.addSeries("train", x, h.stream().mapToDouble(EpochRecord::trainLoss).toArray()).setMarker(SeriesMarkers.CIRCLE);
            if (h.stream().anyMatch(e -> Double.isFinite(e.valLoss()))) {
                lc.addSeries("validation", x, h.stream().mapToDouble(e -> finite(e.valLoss())).toArray()).setMarker(SeriesMarkers.DIAMOND);
            }
        }
        save(lc, loss);
        Path acc = dir.resolve("accuracy.png");
        XYChart ac = chart("Validation accuracy", "epoch", "accuracy");
        if (x.length > 0) {
            ac.addSeries("validation", x, h.stream().mapToDouble(e -> finite(e.valAccuracy())).toArray()).setMarker(SeriesMarkers.CIRCLE);
        }
        save(ac, acc);
        Path lr = null;
        if (result.lrFinder() != null && result.lrFinder().rates().length > 1) {
            lr = dir.resolve("lr-finder.png");
            save(lrChart(result.lrFinder()), lr);
        }
        Path html = dir.resolve("index.html");
        Path tmp = java.nio.file.Files.createTempFile(dir, "index", ".tmp");
        try {
            java.nio.file.Files.writeString(tmp, html(result, title, lr != null, test), StandardCharsets.UTF_8);
            java.nio.file.Files.move(tmp, html, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            java.nio.file.Files.deleteIfExists(tmp);
        }
        return new Files(html, loss, acc, lr);
    }

    /** The LR range test as a chart: smoothed loss against the learning rate (log axis), the suggestion marked. */
    public static XYChart lrChart(LrFinder.Result r) {
        XYChart c = chart("Learning-rate range test", "learning rate", "smoothed loss");
        c.getStyler().setXAxisLogarithmic(true);
        c.addSeries("loss", r.rates(), r.losses()).setMarker(SeriesMarkers.NONE);
        double min = java.util.Arrays.stream(r.losses()).min().orElse(0);
        double max = java.util.Arrays.stream(r.losses()).max().orElse(1);
        c.addSeries(String.format(Locale.ROOT, "suggested %.2e", r.suggested()), new double[] {r.suggested(), r.suggested()},
                new double[] {min, max}).setMarker(SeriesMarkers.NONE);
        return c;
    }

    private static double finite(double v) {
        return Double.isFinite(v) ? v : 0;
    }

    private static XYChart chart(String title, String xTitle, String yTitle) {
        XYChart c = new XYChartBuilder().width(640).height(400).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        return c;
    }

    private static void save(XYChart c, Path png) throws IOException {
        Path tmp = java.nio.file.Files.createTempFile(png.getParent(), "chart", ".png");
        try {
            BitmapEncoder.saveBitmap(c, tmp.toString(), BitmapEncoder.BitmapFormat.PNG);
            java.nio.file.Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            java.nio.file.Files.deleteIfExists(tmp); // a full disk must not leave chart*.png behind
        }
    }

    static String html(FineTuneResult r, String title, boolean lrChart) {
        return html(r, title, lrChart, null);
    }

    static String html(FineTuneResult r, String title, boolean lrChart, Evaluation test) {
        StringBuilder s = new StringBuilder();
        s.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").append(esc(title)).append("</title>\n")
                .append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
                        + "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#eee}</style></head><body>\n");
        s.append("<h1>").append(esc(title)).append("</h1>\n<p>Model <b>").append(esc(r.model().card().name())).append("</b>, top trained above <b>")
                .append(esc(r.cut())).append("</b>; kept weights of epoch ").append(r.bestEpoch()).append(" of ").append(r.history().size()).append(".</p>\n");
        if (test != null) {
            evaluation(s, "Test (held out before validation)", test);
        }
        if (r.evaluation() != null) {
            evaluation(s, "Validation", r.evaluation());
        }
        s.append("<h2>Training</h2>\n<img src=\"loss.png\" alt=\"loss curves\"> <img src=\"accuracy.png\" alt=\"validation accuracy\">\n");
        if (lrChart) {
            s.append(String.format(Locale.ROOT, "<h2>Learning-rate range test</h2>%n<p>Suggested rate %.2e.</p><img src=\"lr-finder.png\" alt=\"LR finder\">%n",
                    r.lrFinder().suggested()));
        }
        s.append("<table><tr><th>epoch</th><th>stage</th><th>train loss</th><th>val loss</th><th>val acc</th><th>learning rate</th><th>seconds</th></tr>\n");
        for (EpochRecord h : r.history()) {
            s.append(String.format(Locale.ROOT, "<tr%s><td>%d</td><td>%s</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%.2e</td><td>%.2f</td></tr>%n",
                    h.epoch() == r.bestEpoch() ? " style=\"font-weight:bold\"" : "", h.epoch(), esc(h.stage()), h.trainLoss(), h.valLoss(),
                    h.valAccuracy(), h.learningRate(), h.seconds()));
        }
        s.append("</table>\n");
        if (!r.cacheReports().isEmpty()) {
            s.append("<h2>Feature caches</h2>\n<ul>\n");
            for (CacheReport c : r.cacheReports()) {
                s.append("<li>").append(esc(c.summary())).append("</li>\n");
            }
            s.append("</ul>\n");
        }
        return s.append("</body></html>\n").toString();
    }

    /** Accuracy, the per-class table and the confusion matrix of one evaluation, under a heading. */
    private static void evaluation(StringBuilder s, String heading, Evaluation e) {
        s.append("<h2>").append(esc(heading)).append("</h2>\n");
        s.append(String.format(Locale.ROOT, "<p>%s accuracy <b>%.4f</b> on %d examples.</p>%n", esc(heading.split(" ")[0]),
                e.accuracy(), (long) e.getNumRowCounter()));
        List<String> labels = Evaluations.labels(e);
        s.append("<h3>Per class</h3>\n<table><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>\n");
        for (int i = 0; i < labels.size(); i++) {
            int support = e.getConfusionMatrix() == null ? 0 : e.getConfusionMatrix().getActualTotal(i);
            s.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%d</td></tr>%n", esc(labels.get(i)),
                    e.precision(i), e.recall(i), e.f1(i), support));
        }
        s.append("</table>\n<h3>Confusion matrix</h3>\n<p>Rows: actual class; columns: predicted class.</p>\n<table><tr><th></th>");
        ConfusionMatrix<Integer> cm = e.getConfusionMatrix();
        labels.forEach(l -> s.append("<th>").append(esc(l)).append("</th>"));
        s.append("</tr>\n");
        for (int a = 0; a < labels.size(); a++) {
            s.append("<tr><th>").append(esc(labels.get(a))).append("</th>");
            for (int p = 0; p < labels.size(); p++) {
                s.append("<td>").append(cm == null ? 0 : cm.getCount(a, p)).append("</td>");
            }
            s.append("</tr>\n");
        }
        s.append("</table>\n");
    }

    private static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
