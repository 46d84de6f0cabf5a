package dev.graft.examples.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One benchmark's repetitions: one value per run (a throughput, or a wall time), with median, min and max.
 *
 * @param workload short id, e.g. {@code featurize-resnet50}
 * @param unit unit of the values, e.g. {@code img/s}, or {@code s} for wall times
 * @param values one value per measured run (warm-up runs excluded)
 * @param note how it was measured (batch, rows, threads), shown beside the numbers
 */
public record Result(String workload, String unit, double[] values, String note) {
    private static final ObjectMapper JSON = new ObjectMapper();

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

    /** One JSON object on one line (workload, unit, median, min, max, runs, note), as bench_compare.py reads it. */
    public String json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workload", workload);
        m.put("unit", unit);
        m.put("median", median());
        m.put("min", min());
        m.put("max", max());
        m.put("runs", values);
        m.put("note", note);
        return toJson(m);
    }

    /** {@code map} as one line of JSON (the JSON-lines files {@code graft bench --json} writes). */
    public static String toJson(Map<String, Object> map) {
        try {
            return JSON.writeValueAsString(map);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write benchmark result as JSON: " + e.getMessage(), e);
        }
    }

    static String fmt(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3g", v);
    }
}
