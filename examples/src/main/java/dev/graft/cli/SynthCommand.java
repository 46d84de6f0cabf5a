package dev.graft.cli;

import dev.graft.transfer.data.SyntheticData;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code graft data synth OUT.csv}: writes a synthetic labelled tabular set of any size ({@link SyntheticData}). */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = {"Write a synthetic labelled CSV (Gaussian clusters, one per class; a header line, then features and",
            "the label), streamed to disk: read it back with csv:OUT.csv. OUT.csv.gz is compressed. The size is estimated",
            "first: more than --max-bytes (default 10G) is refused, saying how large it would be. Progress goes to stderr.",
            "Example: graft data synth big.csv.gz --rows 1000000 --features 32 --classes 4"})
final class SynthCommand implements Callable<Integer> {
    /** Default --max-bytes: 10 GB (10^10 bytes). */
    static final String DEFAULT_MAX = "10G";
    /** Seconds between two progress lines. */
    private static final long PROGRESS_SECONDS = 5;

    @Parameters(index = "0", paramLabel = "OUT.csv", description = "file to write (.csv or .csv.gz; a csv: prefix is dropped)")
    String out;

    @Option(names = "--rows", defaultValue = "10000", description = "rows (default ${DEFAULT-VALUE})")
    long rows;

    @Option(names = "--features", defaultValue = "16", description = "feature columns (default ${DEFAULT-VALUE})")
    int features;

    @Option(names = "--classes", defaultValue = "3", description = "classes, balanced; at most --rows (default ${DEFAULT-VALUE})")
    int classes;

    @Option(names = "--separation", defaultValue = "1.0", description = "spread of the class centres against the unit noise; "
            + "larger is easier (default ${DEFAULT-VALUE})")
    double separation;

    @Option(names = "--seed", defaultValue = "0", description = "seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--max-bytes", defaultValue = DEFAULT_MAX, paramLabel = "SIZE", description = "refuse to write a file "
            + "estimated larger than this: bytes, or with k, M, G, T (powers of 1000) (default ${DEFAULT-VALUE})")
    String maxBytes;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String name = out.startsWith("csv:") ? out.substring(4) : out; // the spec it will be read with, given as a file name
        if (name.isBlank()) {
            throw new IllegalArgumentException("graft data synth needs a file name, got '" + out + "'; e.g. graft data synth out/big.csv");
        }
        Path file = Path.of(name);
        String n = file.getFileName().toString();
        if (!n.endsWith(".csv") && !n.endsWith(".csv.gz")) {
            throw new IllegalArgumentException("graft data synth writes CSV: name a .csv or .csv.gz file, got " + out);
        }
        long limit = parseSize(maxBytes);
        boolean gzip = n.endsWith(".gz");
        long estimate = SyntheticData.estimateBytes(rows, features, classes, separation, seed, gzip);
        if (estimate > limit) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%d rows of %d features would write about %s to %s "
                    + "(%s a row%s), more than --max-bytes %s; write fewer --rows, or give --max-bytes %s to write it anyway",
                    rows, features, SyntheticData.humanBytes(estimate), file, SyntheticData.humanBytes(Math.max(1, estimate / rows)),
                    gzip ? ", compressed" : "", maxBytes, sizeArgument(estimate)));
        }
        java.io.PrintWriter err = spec.commandLine().getErr();
        long start = System.nanoTime();
        long[] next = {start + PROGRESS_SECONDS * 1_000_000_000L};
        SyntheticData.writeCsv(file, rows, features, classes, separation, seed, (done, bytes) -> {
            long now = System.nanoTime();
            if (now >= next[0] && done < rows) {
                next[0] = now + PROGRESS_SECONDS * 1_000_000_000L;
                double s = (now - start) / 1e9;
                double left = s * (rows - done) / done;
                err.printf(Locale.ROOT, "synth: %d of %d rows (%.1f%%), %s written of about %s, %.0f s; about %s left%n", done, rows,
                        100.0 * done / rows, SyntheticData.humanBytes(bytes), SyntheticData.humanBytes(estimate), s, duration(left));
                err.flush();
            }
        });
        spec.commandLine().getOut().println("wrote " + rows + " rows of " + features + " features, " + classes + " classes to "
                + file + "; use it as csv:" + file);
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** Bytes from {@code 123}, {@code 500k}, {@code 10G}, {@code 1.5T} (powers of 1000; a trailing B is allowed). */
    static long parseSize(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.endsWith("B")) {
            t = t.substring(0, t.length() - 1);
        }
        long unit = 1;
        if (!t.isEmpty() && "KMGTP".indexOf(t.charAt(t.length() - 1)) >= 0) {
            unit = (long) Math.pow(1000, "KMGTP".indexOf(t.charAt(t.length() - 1)) + 1);
            t = t.substring(0, t.length() - 1);
        }
        double v;
        try {
            v = Double.parseDouble(t);
        } catch (NumberFormatException e) {
            v = Double.NaN;
        }
        if (!(v > 0) || Double.isInfinite(v) || !t.matches("[0-9.]+")) {
            throw new IllegalArgumentException("--max-bytes must be a positive size such as 500M, 10G or 2T, got '" + text + "'");
        }
        double b = v * unit;
        return b >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) Math.ceil(b);
    }

    /** A --max-bytes value just above {@code bytes}, in the largest unit that keeps it an integer of a few digits. */
    static String sizeArgument(long bytes) {
        String[] units = {"", "k", "M", "G", "T", "P"};
        int u = 0;
        double v = bytes;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return (long) Math.ceil(v * 1.05) + units[u];
    }

    private static String duration(double seconds) {
        if (seconds < 90) {
            return String.format(Locale.ROOT, "%.0f s", seconds);
        }
        if (seconds < 5400) {
            return String.format(Locale.ROOT, "%.0f min", seconds / 60);
        }
        return String.format(Locale.ROOT, "%.1f h", seconds / 3600);
    }
}
