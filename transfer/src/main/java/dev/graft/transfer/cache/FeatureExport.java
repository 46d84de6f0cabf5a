package dev.graft.transfer.cache;

import dev.graft.transfer.data.DataSource;
import java.io.BufferedWriter;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes a built feature cache as a file other tools read: NumPy {@code .npz} or CSV — for feeding the features to
 * another classifier (an SVM, scikit-learn, a notebook).
 *
 * <p>{@code .npz} (a zip of {@code .npy} arrays, readable by {@code np.load} without pickle): {@code features}
 * little-endian float32 {@code [rows, ...featureShape]} in C order (float16 caches widened exactly), {@code labels}
 * int32 {@code [rows]} (class index), {@code label_names} and {@code ids} unicode strings ({@code <U}); with augmented
 * views also {@code views} int32 {@code [rows]}. Rows are in the cache's stored order: the source's examples, each
 * example's views together. Ids are image paths for {@code images:DIR}, else the example index.
 * <br>{@code .csv}: a header {@code id,label,f0,f1,...} then one row per cached row (features flattened, C order).
 * <pre>{@code
 * FeatureExport.write(cache, Path.of("features.npz"));   // >>> d = np.load("features.npz"); d["features"].shape
 * }</pre>
 */
public final class FeatureExport {
    private FeatureExport() {
    }

    /**
     * Writes the cache to {@code file}, whose name ends in {@code .npz} or {@code .csv}; atomically (a temp file
     * beside it, then renamed), so an interrupted export leaves no partial file.
     *
     * @return the number of rows written
     * @throws IllegalArgumentException for another file name ending
     * @throws IOException if the cache cannot be read or the file written
     */
    public static long write(FeatureCache cache, Path file) throws IOException {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean npz = n.endsWith(".npz");
        if (!npz && !n.endsWith(".csv")) {
            throw new IllegalArgumentException("--export must name a .npz or .csv file, got " + file);
        }
        Path target = file.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + System.nanoTime() + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                if (npz) {
                    writeNpz(cache, out);
                } else {
                    writeCsv(cache, out);
                }
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return cache.size();
    }

    /** Example ids, one per example of the cache's source: image paths, else the index. */
    static List<String> ids(DataSource source) {
        List<String> ids = new ArrayList<>(source.size());
        if (!source.files().isEmpty()) {
            source.files().forEach(p -> ids.add(p.toString()));
        } else {
            for (int i = 0; i < source.size(); i++) {
                ids.add(Integer.toString(i));
            }
        }
        return ids;
    }

    private static void writeNpz(FeatureCache cache, OutputStream raw) throws IOException {
        long rows = cache.size();
        long[] fshape = cache.featureShape();
        long[] shape = new long[fshape.length + 1];
        shape[0] = rows;
        System.arraycopy(fshape, 0, shape, 1, fshape.length);
        int views = cache.viewsPerExample();
        List<String> ids = ids(cache.source());
        ZipOutputStream zip = new ZipOutputStream(raw);
        zip.setLevel(Deflater.BEST_SPEED);
        int[] labels = new int[(int) rows];
        zip.putNextEntry(new ZipEntry("features.npy"));
        DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(zip, 1 << 16));
        out.write(npyHeader("<f4", shape));
        int[] row = {0};
        ByteBuffer buf = ByteBuffer.allocate(0);
        final ByteBuffer[] holder = {buf};
        cache.forEachBatch(Math.max(1, cache.batchSize()), -1, ds -> {
            INDArray f = ds.getFeatures().castTo(DataType.FLOAT);
            float[] v = f.dup('c').data().asFloat();
            if (holder[0].capacity() < v.length * 4) {
                holder[0] = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            }
            ByteBuffer b = holder[0];
            b.clear();
            b.asFloatBuffer().put(v);
            try {
                out.write(b.array(), 0, v.length * 4);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            INDArray y = ds.getLabels();
            for (int r = 0; r < y.rows(); r++) {
                labels[row[0]++] = y.getRow(r).argMax().getInt(0);
            }
        });
        out.flush();
        if (row[0] != rows) {
            throw new IOException("feature cache " + cache.directory() + " gave " + row[0] + " rows, its key says " + rows
                    + "; rebuild it (graft featurize ... again)");
        }
        zip.closeEntry();
        ByteBuffer lb = ByteBuffer.allocate(labels.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        lb.asIntBuffer().put(labels);
        entry(zip, "labels.npy", npyHeader("<i4", new long[] {rows}), lb.array());
        List<String> rowIds = new ArrayList<>((int) rows);
        int[] view = new int[(int) rows];
        for (int i = 0; i < rows; i++) {
            rowIds.add(ids.get(i / views));
            view[i] = i % views;
        }
        entry(zip, "ids.npy", unicode(rowIds));
        entry(zip, "label_names.npy", unicode(cache.labels()));
        if (views > 1) {
            ByteBuffer vb = ByteBuffer.allocate(view.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            vb.asIntBuffer().put(view);
            entry(zip, "views.npy", npyHeader("<i4", new long[] {rows}), vb.array());
        }
        zip.finish();
    }

    private static void entry(ZipOutputStream zip, String name, byte[]... parts) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        for (byte[] p : parts) {
            zip.write(p);
        }
        zip.closeEntry();
    }

    /** A 1-d NumPy unicode array ({@code <U<width>}, UTF-32LE, NUL-padded) with its .npy header. */
    private static byte[] unicode(List<String> values) {
        int width = Math.max(1, values.stream().mapToInt(s -> s.codePointCount(0, s.length())).max().orElse(1));
        byte[] header = npyHeader("<U" + width, new long[] {values.size()});
        ByteBuffer b = ByteBuffer.allocate(header.length + values.size() * width * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put(header);
        for (String s : values) {
            int[] cps = s.codePoints().toArray();
            for (int i = 0; i < width; i++) {
                b.putInt(i < cps.length ? cps[i] : 0);
            }
        }
        return b.array();
    }

    /** A version 1.0 .npy header for a C-ordered array, padded so the data starts at a multiple of 64 bytes. */
    static byte[] npyHeader(String descr, long[] shape) {
        StringBuilder s = new StringBuilder("(");
        for (long d : shape) {
            s.append(d).append(", ");
        }
        String dims = shape.length == 1 ? s.substring(0, s.length() - 1) + ")" : s.substring(0, Math.max(1, s.length() - 2)) + ")";
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + dims + ", }";
        int unpadded = 10 + dict.length() + 1;
        int total = (unpadded + 63) / 64 * 64;
        String header = dict + " ".repeat(total - unpadded) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length()).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        b.putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.ISO_8859_1));
        return b.array();
    }

    private static void writeCsv(FeatureCache cache, OutputStream raw) throws IOException {
        long width = Arrays.stream(cache.featureShape()).reduce(1, (a, b) -> a * b);
        List<String> ids = ids(cache.source());
        List<String> labels = cache.labels();
        int views = cache.viewsPerExample();
        BufferedWriter w = new BufferedWriter(new java.io.OutputStreamWriter(raw, StandardCharsets.UTF_8), 1 << 16);
        StringBuilder h = new StringBuilder(views > 1 ? "id,view,label" : "id,label");
        for (long j = 0; j < width; j++) {
            h.append(",f").append(j);
        }
        w.write(h.append('\n').toString());
        int[] row = {0};
        cache.forEachBatch(Math.max(1, cache.batchSize()), -1, ds -> {
            INDArray f = ds.getFeatures().castTo(DataType.FLOAT).reshape('c', ds.getFeatures().size(0), width);
            INDArray y = ds.getLabels();
            try {
                for (int r = 0; r < f.rows(); r++, row[0]++) {
                    StringBuilder s = new StringBuilder(csvField(ids.get(row[0] / views)));
                    if (views > 1) {
                        s.append(',').append(row[0] % views);
                    }
                    s.append(',').append(csvField(labels.get(y.getRow(r).argMax().getInt(0))));
                    for (long j = 0; j < width; j++) {
                        s.append(',').append(Float.toString(f.getFloat(r, j)));
                    }
                    w.write(s.append('\n').toString());
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        w.flush();
    }

    private static String csvField(String v) {
        return v.matches("(?s).*[,\"\\r\\n].*") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }
}
