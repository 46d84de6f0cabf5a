package dev.graft.transfer.data;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * A synthetic labelled tabular set of any size, written as CSV ({@code csv:FILE} reads it): {@code classes} Gaussian
 * clusters in {@code features} dimensions, centres drawn once from N(0, separation²) per coordinate, each row a centre
 * plus N(0, 1) noise; labels 0..classes-1 in turn (balanced). Rows are streamed, so the file can be larger than memory;
 * the same arguments always write the same file.
 * <pre>{@code
 * SyntheticData.writeCsv(Path.of("big.csv.gz"), 1_000_000, 32, 4, 1.0, 7);   // graft data synth big.csv.gz --rows 1000000
 * }</pre>
 */
public final class SyntheticData {
    private SyntheticData() {
    }

    /**
     * Writes the set (gzip-compressed when the name ends in {@code .gz}); atomically, via a temp file beside it.
     *
     * @throws IllegalArgumentException for non-positive sizes, fewer than 2 classes or a negative separation
     * @throws IOException if the file cannot be written
     */
    public static void writeCsv(Path file, long rows, int features, int classes, double separation, long seed) throws IOException {
        if (rows <= 0 || features <= 0) {
            throw new IllegalArgumentException("rows and features must be positive, got " + rows + " rows of " + features + " features");
        }
        if (classes < 2) {
            throw new IllegalArgumentException("a labelled set needs at least 2 classes, got " + classes);
        }
        if (!(separation >= 0) || Double.isInfinite(separation)) {
            throw new IllegalArgumentException("separation must be a finite number >= 0, got " + separation);
        }
        Random r = new Random(seed);
        double[][] centres = new double[classes][features];
        for (double[] c : centres) {
            for (int j = 0; j < features; j++) {
                c[j] = r.nextGaussian() * separation;
            }
        }
        Path target = file.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + System.nanoTime() + ".tmp");
        try {
            try (OutputStream raw = Files.newOutputStream(tmp);
                 OutputStream out = file.toString().endsWith(".gz") ? new GZIPOutputStream(raw, 1 << 16) : raw;
                 BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16)) {
                StringBuilder h = new StringBuilder();
                for (int j = 0; j < features; j++) {
                    h.append('x').append(j).append(',');
                }
                w.write(h.append("label\n").toString());
                StringBuilder s = new StringBuilder();
                for (long i = 0; i < rows; i++) {
                    int label = (int) (i % classes);
                    s.setLength(0);
                    for (int j = 0; j < features; j++) {
                        s.append((float) (centres[label][j] + r.nextGaussian())).append(',');
                    }
                    w.write(s.append(label).append('\n').toString());
                }
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
