package dev.graft.transfer.data;

import java.io.BufferedWriter;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * A synthetic labelled tabular set of any size, written as CSV ({@code csv:FILE} reads it): {@code classes} Gaussian
 * clusters in {@code features} dimensions, centres drawn once from N(0, separation²) per coordinate, each row a centre
 * plus N(0, 1) noise; labels 0..classes-1 in turn (balanced). Rows are streamed, so the file can be larger than memory;
 * the same arguments always write the same file. {@link #estimateBytes} says how large it will be before writing it.
 * <pre>{@code
 * SyntheticData.writeCsv(Path.of("big.csv.gz"), 1_000_000, 32, 4, 1.0, 7);   // graft data synth big.csv.gz --rows 1000000
 * }</pre>
 */
public final class SyntheticData {
    /** Rows written (and compressed, for {@code .gz}) to estimate a file's size. */
    private static final int SAMPLE_ROWS = 2000;
    /** Rows between two progress calls. */
    private static final long PROGRESS_EVERY = 1 << 14;

    private SyntheticData() {
    }

    /** Told how far a write has got, every few thousand rows and once at the end. */
    @FunctionalInterface
    public interface Progress {
        /**
         * @param rowsWritten rows written so far
         * @param bytesWritten bytes of the file written so far (compressed bytes for {@code .gz})
         */
        void written(long rowsWritten, long bytesWritten);
    }

    /**
     * Writes the set (gzip-compressed when the name ends in {@code .gz}); atomically, via a temp file beside it.
     *
     * @throws IllegalArgumentException for non-positive sizes, fewer than 2 classes, more classes than rows, or a
     *     negative separation
     * @throws IOException if the file cannot be written, or its estimated size is more than its disk has free
     */
    public static void writeCsv(Path file, long rows, int features, int classes, double separation, long seed) throws IOException {
        writeCsv(file, rows, features, classes, separation, seed, (r, b) -> { });
    }

    /**
     * Writes the set as {@link #writeCsv(Path, long, int, int, double, long)} does, telling {@code progress} how far it
     * has got. The temp file is deleted if writing fails, and also if the JVM is stopped meanwhile (Ctrl-C, SIGTERM):
     * nothing is left but the finished file. Folders it had to create are removed again on failure.
     *
     * @throws IllegalArgumentException for non-positive sizes, fewer than 2 classes, more classes than rows, or a
     *     negative separation
     * @throws IOException if the file cannot be written, or its estimated size is more than its disk has free
     */
    public static void writeCsv(Path file, long rows, int features, int classes, double separation, long seed, Progress progress)
            throws IOException {
        boolean gzip = file.toString().endsWith(".gz");
        long estimate = estimateBytes(rows, features, classes, separation, seed, gzip);
        Path target = file.toAbsolutePath();
        Path parent = target.getParent();
        List<Path> created = new ArrayList<>();
        for (Path p = parent; p != null && !Files.exists(p); p = p.getParent()) {
            created.add(p);
        }
        Files.createDirectories(parent);
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + System.nanoTime() + ".tmp");
        Thread cleanup = new Thread(() -> {
            try {
                Files.deleteIfExists(tmp);
                for (Path p : created) { // innermost first, only while empty
                    Files.deleteIfExists(p);
                }
            } catch (IOException ignored) {
                // the JVM is stopping (or a folder it made is not empty): nothing else to do
            }
        }, "graft-synth-cleanup");
        boolean done = false;
        try {
            long free = Files.getFileStore(parent).getUsableSpace();
            if (estimate > free) {
                throw new IOException("writing " + file + " would take about " + humanBytes(estimate) + " but " + parent
                        + " has only " + humanBytes(free) + " free; write fewer rows or features, or .csv.gz"
                        + (gzip ? " to a disk with more room" : " (smaller)"));
            }
            Runtime.getRuntime().addShutdownHook(cleanup);
            Generator g = new Generator(features, classes, separation, seed);
            try (Counting raw = new Counting(Files.newOutputStream(tmp));
                 OutputStream out = gzip ? new GZIPOutputStream(raw, 1 << 16) : raw;
                 BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16)) {
                w.write(g.header());
                StringBuilder s = new StringBuilder();
                for (long i = 0; i < rows; i++) {
                    s.setLength(0);
                    g.row(i, s);
                    w.write(s.toString());
                    if ((i + 1) % PROGRESS_EVERY == 0) {
                        progress.written(i + 1, raw.count);
                    }
                }
                w.flush();
                if (out instanceof GZIPOutputStream z) {
                    z.finish();
                }
                progress.written(rows, raw.count);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            done = true;
        } finally {
            Files.deleteIfExists(tmp);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException stopping) {
                // the JVM is shutting down: the hook runs anyway
            }
            if (!done) {
                for (Path p : created) { // innermost first; only the folders this call made, and only if still empty
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException notEmpty) {
                        break;
                    }
                }
            }
        }
    }

    /**
     * The size in bytes {@link #writeCsv} will write for these arguments, estimated from its first rows (written, and
     * for {@code gzip} compressed, in memory) scaled to {@code rows}; within a few percent for more than a few thousand
     * rows. Saturates at {@link Long#MAX_VALUE}.
     *
     * @throws IllegalArgumentException for the arguments {@link #writeCsv} refuses
     */
    public static long estimateBytes(long rows, int features, int classes, double separation, long seed, boolean gzip) {
        checkArguments(rows, features, classes, separation);
        Generator g = new Generator(features, classes, separation, seed);
        long sample = Math.min(rows, SAMPLE_ROWS);
        try (Counting c = new Counting(OutputStream.nullOutputStream());
             OutputStream out = gzip ? new GZIPOutputStream(c, 1 << 16) : c) {
            byte[] header = g.header().getBytes(StandardCharsets.UTF_8);
            out.write(header);
            out.flush();
            long headerBytes = c.count;
            StringBuilder s = new StringBuilder();
            for (long i = 0; i < sample; i++) {
                s.setLength(0);
                g.row(i, s);
                out.write(s.toString().getBytes(StandardCharsets.UTF_8));
            }
            if (out instanceof GZIPOutputStream z) {
                z.finish();
            }
            double perRow = (double) (c.count - headerBytes) / sample;
            double total = headerBytes + perRow * rows;
            return total >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) Math.ceil(total);
        } catch (IOException e) {
            throw new IllegalStateException("cannot estimate the synthetic file's size: " + e.getMessage(), e);
        }
    }

    private static void checkArguments(long rows, int features, int classes, double separation) {
        if (rows <= 0 || features <= 0) {
            throw new IllegalArgumentException("rows and features must be positive, got " + rows + " rows of " + features + " features");
        }
        if (classes < 2) {
            throw new IllegalArgumentException("a labelled set needs at least 2 classes, got " + classes);
        }
        if (classes > rows) {
            throw new IllegalArgumentException(classes + " classes need at least " + classes + " rows (one each), got " + rows
                    + "; write more rows or fewer classes");
        }
        if (!(separation >= 0) || Double.isInfinite(separation)) {
            throw new IllegalArgumentException("separation must be a finite number >= 0, got " + separation);
        }
    }

    /** A byte count as {@code 1.2 GB} (powers of 1000), or {@code 512 bytes}. */
    public static String humanBytes(long bytes) {
        if (bytes < 1000) {
            return bytes + " bytes";
        }
        String[] units = {"kB", "MB", "GB", "TB", "PB", "EB"};
        double v = bytes;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, v < 10 ? "%.1f %s" : "%.0f %s", v, units[u]);
    }

    /** The rows, in order: the centres are drawn first, then each row's noise, from one seeded generator. */
    private static final class Generator {
        private final Random r;
        private final double[][] centres;
        private final int features;
        private final int classes;

        Generator(int features, int classes, double separation, long seed) {
            this.features = features;
            this.classes = classes;
            r = new Random(seed);
            centres = new double[classes][features];
            for (double[] c : centres) {
                for (int j = 0; j < features; j++) {
                    c[j] = r.nextGaussian() * separation;
                }
            }
        }

        String header() {
            StringBuilder h = new StringBuilder();
            for (int j = 0; j < features; j++) {
                h.append('x').append(j).append(',');
            }
            return h.append("label\n").toString();
        }

        void row(long i, StringBuilder s) {
            int label = (int) (i % classes);
            for (int j = 0; j < features; j++) {
                s.append((float) (centres[label][j] + r.nextGaussian())).append(',');
            }
            s.append(label).append('\n');
        }
    }

    /** Counts the bytes that pass through. */
    private static final class Counting extends FilterOutputStream {
        long count;

        Counting(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
