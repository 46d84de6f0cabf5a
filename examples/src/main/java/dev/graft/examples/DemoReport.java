package dev.graft.examples;

import dev.graft.examples.DigitsTransferDemo.Outcome;
import dev.graft.examples.DigitsTransferDemo.SeedResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** Results of {@link DigitsTransferDemo}: per-seed numbers and the table the CLI prints (mean ± std over seeds). */
public final class DemoReport {
    static final String[] METHODS = {"frozen base + new head", "top 2 unfrozen", "from scratch"};

    private final DemoSettings settings;
    private final List<SeedResult> seeds;
    private final String dataDescription;

    DemoReport(DemoSettings settings, List<SeedResult> seeds, String dataDescription) {
        this.settings = settings;
        this.seeds = List.copyOf(seeds);
        this.dataDescription = dataDescription;
    }

    /** Per-seed results, in seed order. */
    List<SeedResult> seeds() {
        return seeds;
    }

    /** Mean test accuracy of method {@code m} (0 frozen head, 1 top two unfrozen, 2 scratch) at {@code perClass}. */
    public double meanAccuracy(int m, int perClass) {
        return stats(s -> s.curve.get(perClass)[m].accuracy())[0];
    }

    /** Mean source-network test accuracy on digits 0-4. */
    public double meanSourceAccuracy() {
        return stats(s -> s.sourceAccuracy)[0];
    }

    /** True if every seed's frozen layers were bit-identical after head training. */
    public boolean frozenLayersUnchanged() {
        return seeds.stream().allMatch(s -> s.frozenUnchanged);
    }

    /** Largest difference, over seeds, between the cache-trained head and the head trained through frozen layers. */
    public double maxCacheVsThroughDifference() {
        return seeds.stream().mapToDouble(s -> s.cacheVsThroughMaxDiff).max().orElse(Double.NaN);
    }

    /** True if every seed's saved-and-loaded source model gave identical outputs. */
    public boolean reloadIdentical() {
        return seeds.stream().allMatch(s -> s.reloadIdentical);
    }

    /** Mean seconds of head training from the cache and through the frozen layers. */
    public double[] headSeconds() {
        return new double[] {stats(s -> s.headFromCacheSeconds)[0], stats(s -> s.headThroughFrozenSeconds)[0]};
    }

    private double[] stats(ToDoubleFunction<SeedResult> f) {
        double[] v = seeds.stream().mapToDouble(f).toArray();
        double mean = 0;
        for (double x : v) {
            mean += x;
        }
        mean /= v.length;
        double ss = 0;
        for (double x : v) {
            ss += (x - mean) * (x - mean);
        }
        double std = v.length > 1 ? Math.sqrt(ss / (v.length - 1)) : 0;
        return new double[] {mean, std};
    }

    private String acc(ToDoubleFunction<SeedResult> f) {
        double[] s = stats(f);
        return seeds.size() > 1 ? fmt("%.3f ± %.3f", s[0], s[1]) : fmt("%.3f", s[0]);
    }

    private String secs(ToDoubleFunction<SeedResult> f) {
        return fmt("%.2f s", stats(f)[0]);
    }

    private static String fmt(String f, Object... args) {
        return String.format(Locale.ROOT, f, args);
    }

    /** The table printed by {@code graft demo}. */
    public String render() {
        int n = settings.labelsPerClass();
        int k = n * 5;
        StringBuilder out = new StringBuilder();
        String seedText = seeds.size() == 1 ? "seed " + seeds.get(0).seed
                : seeds.size() + " seeds (" + seeds.get(0).seed + ".." + seeds.get(seeds.size() - 1).seed
                + "), mean ± std";
        out.append(fmt("Graft demo: reuse a digits 0-4 network for digits 5-9 with %d labels per class%n", n));
        out.append(fmt("data: %s; %s; ND4J threads: %s%n%n", dataDescription, seedText,
                java.util.Objects.requireNonNullElse(dev.graft.engine.Settings.ofProcess().foreignEnvironment("OMP_NUM_THREADS"), "default")));
        String row = "%-48s %-18s %s%n";
        out.append(fmt(row, "step", "test accuracy", "wall time (mean)"));
        out.append(fmt(row, "1 source net on 0-4 (5x100 ELU, He, Adam, early stop)", acc(s -> s.sourceAccuracy),
                secs(s -> s.sourceSeconds) + fmt("  (best epoch %.0f of %.0f)", stats(s -> s.sourceBestEpoch)[0],
                        stats(s -> s.sourceEpochs)[0])));
        out.append(fmt(row, "2 save as Graft model (zip + card), load back",
                reloadIdentical() ? "outputs identical" : "OUTPUTS DIFFER", secs(s -> s.saveLoadSeconds)));
        out.append(fmt(row, "3 frozen hidden layers, new head from disk cache", acc(s -> s.curve.get(n)[0].accuracy()),
                secs(s -> s.curve.get(n)[0].seconds())));
        double[] head = headSeconds();
        out.append(fmt(row, "    head training: from cache", "", fmt("%.2f s  (featurize once: %.3f s)", head[0],
                stats(s -> s.featurizeSeconds)[0])));
        out.append(fmt(row, "    head training: through the frozen layers", "", fmt("%.2f s  (cache is %.1fx faster)",
                head[1], head[1] / head[0])));
        out.append(fmt(row, fmt("4 top 2 hidden layers unfrozen, lr %.0e", settings.fineTuneLearningRate()),
                acc(s -> s.curve.get(n)[1].accuracy()), secs(s -> s.curve.get(n)[1].seconds())));
        out.append(fmt(row, fmt("5 from scratch on the same %d examples", k), acc(s -> s.curve.get(n)[2].accuracy()),
                secs(s -> s.curve.get(n)[2].seconds())));

        out.append(fmt("%nTest accuracy on digits 5-9 by labelled examples per class:%n"));
        String crow = "%-18s %-24s %-24s %s%n";
        out.append(fmt(crow, "labels per class", METHODS[0], METHODS[1], METHODS[2]));
        for (int c : settings.curve()) {
            out.append(fmt(crow, c, acc(s -> s.curve.get(c)[0].accuracy()), acc(s -> s.curve.get(c)[1].accuracy()),
                    acc(s -> s.curve.get(c)[2].accuracy())));
        }
        out.append(fmt("%n%s%n", verdict()));

        out.append(fmt("%nChecks:%n"));
        out.append(fmt("  frozen layers bit-identical after head training: %s%n", frozenLayersUnchanged() ? "yes" : "NO"));
        double diff = maxCacheVsThroughDifference();
        out.append(fmt("  head from cache vs through frozen layers (same init, same batches): %s%n",
                diff == 0 ? "bit-identical" : fmt("max |diff| = %.3g (bit-identical with GRAFT_DENSE_HEAD_TRAINER=off, DL4J's fit "
                        + "on both paths: Graft's leaner dense-head step from the cache rounds some values differently)", diff)));
        SeedResult last = seeds.get(seeds.size() - 1);
        out.append(fmt("%nFiles (seed %d):%n", last.seed));
        out.append(fmt("  source model    %s (+ %s)%n", last.sourceFile,
                dev.graft.zoo.ModelCard.besides(last.sourceFile).getFileName()));
        out.append(fmt("  transfer model  %s (+ card)%n", last.transferFile));
        out.append(fmt("  feature cache   %s%s%n", last.cacheDir, last.cacheReused ? " (reused from an earlier run)" : ""));
        return out.toString();
    }

    /** One sentence, computed from the numbers, on whether transfer beat training from scratch. */
    String verdict() {
        int n = settings.labelsPerClass();
        double transfer = Math.max(meanAccuracy(0, n), meanAccuracy(1, n));
        double scratch = meanAccuracy(2, n);
        List<Integer> wins = new ArrayList<>();
        for (int c : settings.curve()) {
            if (Math.max(meanAccuracy(0, c), meanAccuracy(1, c)) > meanAccuracy(2, c)) {
                wins.add(c);
            }
        }
        String main = transfer > scratch
                ? fmt("At %d labels/class transfer wins (%.3f vs %.3f from scratch).", n, transfer, scratch)
                : fmt("At %d labels/class training from scratch wins (%.3f vs %.3f for the best transfer) on these "
                        + "tiny 8x8 images.", n, scratch, transfer);
        String curve = wins.isEmpty() ? " Transfer beats scratch at none of the label counts measured."
                : " Transfer beats scratch at " + wins + " labels/class.";
        return main + curve;
    }
}
