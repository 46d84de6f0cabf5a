package dev.graft.examples;

import dev.graft.transfer.cache.CacheReport;
import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.Featurizer;
import dev.graft.transfer.cache.Precision;
import dev.graft.transfer.cache.SyntheticSource;
import dev.graft.transfer.data.LabeledData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Measures the feature cache's own cost: writing (build with an identity featurizer, so no network time is
 * counted), reading in stored and in shuffled order, against a plain sequential read of the same shard bytes.
 * <pre>
 *   java -Xmx3g -cp examples/target/graft-cli.jar dev.graft.examples.FeatureCacheBenchmark [ROWS] [WIDTH] [RUNS] [DIR]
 * </pre>
 * Prints one Markdown table row per measurement (medians over RUNS).
 */
public final class FeatureCacheBenchmark {
    private FeatureCacheBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 16384;
        int width = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Path dir = args.length > 3 ? Path.of(args[3]) : Files.createTempDirectory("graft-cache-bench");
        // The rows are generated once and held in memory, so the source costs a copy, not a computation.
        DataSet all = new SyntheticSource(rows, new long[] {width}, 10, 1, 1.0).iterator(rows).next();
        LabeledData data = new LabeledData(all.getFeatures(), argMax(all.getLabels()), labels(10), "synthetic");
        System.out.printf(Locale.ROOT, "rows %d, width %d, runs %d, folder %s, OMP_NUM_THREADS=%s%n%n", rows, width,
                runs, dir, System.getenv("OMP_NUM_THREADS"));
        System.out.println("| precision | operation | MB/s | rows/s |");
        System.out.println("|---|---|---:|---:|");
        for (Precision p : Precision.values()) {
            Path d = dir.resolve(p.name().toLowerCase(Locale.ROOT));
            List<double[]> write = new ArrayList<>();
            List<double[]> seq = new ArrayList<>();
            List<double[]> shuffled = new ArrayList<>();
            List<double[]> plain = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                deleteTree(d);
                FeatureCache cache = FeatureCache.builder(d).featurizer(new Identity(width)).source(data)
                        .precision(p).batchSize(256).build();
                long t0 = System.nanoTime();
                CacheReport report = cache.build();
                double s = (System.nanoTime() - t0) / 1e9;
                long bytes = report.bytesWritten();
                write.add(new double[] {bytes / 1e6 / s, rows / s});
                seq.add(read(cache.iterator(256, -1), bytes, rows));
                shuffled.add(read(cache.iterator(256, 7), bytes, rows));
                plain.add(plainRead(d, rows));
            }
            row(p, "write (build, identity featurizer, sha256 + fsync)", write);
            row(p, "read, stored order, iterator(256, -1)", seq);
            row(p, "read, shuffled across shards, iterator(256, 7)", shuffled);
            row(p, "plain sequential read of the shard files (FileChannel, 1 MiB buffer)", plain);
        }
        deleteTree(dir);
    }

    private static double[] read(DataSetIterator it, long bytes, int rows) {
        long t0 = System.nanoTime();
        long n = 0;
        double sink = 0;
        while (it.hasNext()) {
            DataSet ds = it.next();
            n += ds.numExamples();
            sink += ds.getFeatures().getDouble(0);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        if (n != rows || Double.isNaN(sink)) {
            throw new IllegalStateException("read " + n + " rows, expected " + rows);
        }
        return new double[] {bytes / 1e6 / s, rows / s};
    }

    private static double[] plainRead(Path dir, int rows) throws IOException {
        long t0 = System.nanoTime();
        long bytes = 0;
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "shard-*.bin")) {
            for (Path p : ds) {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                    for (int n; (n = ch.read(buf.clear())) > 0; ) {
                        bytes += n;
                    }
                }
            }
        }
        double s = (System.nanoTime() - t0) / 1e9;
        return new double[] {bytes / 1e6 / s, rows / s};
    }

    private static void row(Precision p, String what, List<double[]> results) {
        System.out.printf(Locale.ROOT, "| %s | %s | %.0f | %.0f |%n", p.name().toLowerCase(Locale.ROOT), what,
                median(results, 0), median(results, 1));
    }

    private static double median(List<double[]> results, int column) {
        double[] v = results.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static int[] argMax(INDArray oneHot) {
        int[] out = new int[(int) oneHot.size(0)];
        for (int i = 0; i < out.length; i++) {
            out[i] = oneHot.getRow(i).argMax().getInt(0);
        }
        return out;
    }

    private static List<String> labels(int n) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add("c" + i);
        }
        return l;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    /** Features = raw input: isolates the cache's own write cost. */
    private static final class Identity implements Featurizer {
        private final int width;

        Identity(int width) {
            this.width = width;
        }

        @Override
        public INDArray featurize(INDArray rawBatch) {
            return rawBatch;
        }

        @Override
        public long[] featureShape() {
            return new long[] {width};
        }

        @Override
        public String fingerprint() {
            return "identity " + width;
        }

        @Override
        public String describe() {
            return "identity " + Arrays.toString(featureShape());
        }
    }
}
