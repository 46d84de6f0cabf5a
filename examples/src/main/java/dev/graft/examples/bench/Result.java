package dev.graft.examples.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * One benchmark's repetitions: one value per run (a throughput, or a wall time), with median, min and max.
 *
 * @param workload short id, e.g. {@code featurize-resnet50}
 * @param unit unit of the values, e.g. {@code img/s}, or {@code s} for wall times
 * @param values one value per measured run (warm-up runs excluded)
 * @param note how it was measured (batch, rows, threads), shown beside the numbers
 */
public record Result(String workload, String unit, double[] values, String note) {

    /** Median of the runs. */
    public double median() {
        double[] v = sorted();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** Smallest value. */
    public double min() {
        return sorted()[0];
    }

    /** Largest value. */
    public double max() {
        double[] v = sorted();
        return v[v.length - 1];
    }

    private double[] sorted() {
        if (values.length == 0) {
            throw new IllegalStateException("no runs measured for " + workload);
        }
        double[] v = values.clone();
        Arrays.sort(v);
        return v;
    }

    /** A Markdown table row: workload, unit, median, min, max, runs, note. */
    public String markdownRow() {
        return String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %d | %s |", workload, unit, fmt(median()),
                fmt(min()), fmt(max()), values.length, note);
    }

    /** One JSON object (no nesting), for tools/bench/compare.py. */
    public String json() {
        StringBuilder runs = new StringBuilder();
        for (double d : values) {
            runs.append(runs.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.6g", d));
        }
        return String.format(Locale.ROOT,
                "{\"workload\": \"%s\", \"unit\": \"%s\", \"median\": %.6g, \"min\": %.6g, \"max\": %.6g, "
                        + "\"runs\": [%s], \"note\": \"%s\"}",
                workload, unit, median(), min(), max(), runs, note.replace("\"", "'"));
    }

    static String fmt(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3g", v);
    }
}
