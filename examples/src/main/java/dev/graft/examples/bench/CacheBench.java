package dev.graft.examples.bench;

import dev.graft.transfer.cache.CacheReport;
import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.Precision;
import dev.graft.transfer.data.LabeledData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.apache.commons.io.file.PathUtils;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The feature cache's own cost, without any network: writing (identity featurizer; sha256 and fsync included),
 * reading in stored and in shuffled order (a new batch per {@code next()}, and through {@code forEachBatch}, which
 * refills one set of arrays as Graft's head training does), and a plain sequential read of the same shard files as
 * the ceiling.
 * Each run rebuilds the cache; the reads follow the write, so all of them read from the page cache.
 */
final class CacheBench {
    static final int WIDTH = 2048;

    private CacheBench() {
    }

    static List<Result> run(int rows, Timer timer, Path scratch) throws Exception {
        LabeledData data = HeadBench.randomRows(rows, WIDTH, 13);
        List<Result> out = new ArrayList<>();
        for (Precision p : Precision.values()) {
            String name = p.name().toLowerCase(Locale.ROOT);
            Path dir = scratch.resolve("cache-" + name);
            List<double[]> write = new ArrayList<>();
            List<double[]> stored = new ArrayList<>();
            List<double[]> shuffled = new ArrayList<>();
            List<double[]> storedReused = new ArrayList<>();
            List<double[]> shuffledReused = new ArrayList<>();
            List<double[]> plain = new ArrayList<>();
            // The timer's warm-up and repetition counts, applied to the whole write-then-read cycle.
            timer.measure(() -> {
                if (Files.exists(dir)) {
                    PathUtils.deleteDirectory(dir);
                }
                FeatureCache cache = FeatureCache.builder(dir).featurizer(new IdentityFeaturizer(WIDTH))
                        .source(data).precision(p).batchSize(256).build();
                long t0 = System.nanoTime();
                CacheReport report = cache.build();
                double s = (System.nanoTime() - t0) / 1e9;
                long bytes = report.bytesWritten();
                write.add(new double[] {bytes / 1e6 / s, rows / s});
                stored.add(read(cache.iterator(256, -1)::forEachRemaining, bytes, rows));
                shuffled.add(read(cache.iterator(256, 7)::forEachRemaining, bytes, rows));
                storedReused.add(read(action -> cache.forEachBatch(256, -1, action), bytes, rows));
                shuffledReused.add(read(action -> cache.forEachBatch(256, 7, action), bytes, rows));
                plain.add(plainRead(dir, bytes, rows));
                return 1;
            });
            int keep = timer.runs();
            String note = rows + " rows x " + WIDTH + " " + name;
            out.add(result("cache-write-" + name, write, keep, note + ", build() with identity featurizer"));
            out.add(result("cache-read-" + name, stored, keep, note + ", iterator(256, stored order)"));
            out.add(result("cache-read-shuffled-" + name, shuffled, keep, note + ", iterator(256, shuffled)"));
            out.add(result("cache-read-reused-" + name, storedReused, keep,
                    note + ", forEachBatch(256, stored order): one set of arrays for all batches"));
            out.add(result("cache-read-shuffled-reused-" + name, shuffledReused, keep,
                    note + ", forEachBatch(256, shuffled): one set of arrays for all batches"));
            out.add(result("plain-read-" + name, plain, keep, note + ", FileChannel 1 MiB reads of the shard files"));
        }
        return out;
    }

    /** MB/s of the last {@code keep} cycles (the earlier ones were warm-up). */
    private static Result result(String id, List<double[]> cycles, int keep, String note) {
        List<double[]> measured = cycles.subList(cycles.size() - keep, cycles.size());
        double[] mbs = measured.stream().mapToDouble(r -> r[0]).toArray();
        double rowsPerSecond = measured.stream().mapToDouble(r -> r[1]).sorted().toArray()[keep / 2];
        return new Result(id, "MB/s", mbs, note + String.format(Locale.ROOT, " (median ~%.0f rows/s)", rowsPerSecond));
    }

    /** MB/s and rows/s of one pass over the cache; {@code pass} hands every batch to the consumer it is given. */
    private static double[] read(Pass pass, long bytes, int rows) throws IOException {
        long t0 = System.nanoTime();
        long[] n = {0};
        double[] sink = {0};
        pass.run(ds -> {
            n[0] += ds.numExamples();
            sink[0] += ds.getFeatures().getDouble(0);
        });
        double s = (System.nanoTime() - t0) / 1e9;
        if (n[0] != rows || Double.isNaN(sink[0])) {
            throw new IllegalStateException("read " + n[0] + " rows, expected " + rows);
        }
        return new double[] {bytes / 1e6 / s, rows / s};
    }

    /** A pass over the cache: {@code DataSetIterator.forEachRemaining} or {@code FeatureCache.forEachBatch}. */
    @FunctionalInterface
    private interface Pass {
        void run(Consumer<DataSet> action) throws IOException;
    }

    private static double[] plainRead(Path dir, long expectedAtLeast, int rows) throws IOException {
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
        if (bytes < expectedAtLeast * 0.9) {
            throw new IllegalStateException("plain read found " + bytes + " bytes, the cache wrote " + expectedAtLeast);
        }
        return new double[] {bytes / 1e6 / s, rows / s};
    }
}
