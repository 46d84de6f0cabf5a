package dev.graft.transfer.cache;

import dev.graft.transfer.data.DataSource;
import dev.graft.zoo.Progress;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/** One run of {@link FeatureCache#build()}: check what is on disk, featurize what is missing. */
final class CacheBuild {
    private final FeatureCache cache;
    private final Path dir;
    private final String key;
    private final byte[] keyBytes;
    private final int featureLength;
    private final int numClasses;
    private final int views;
    private final long rows;
    private final int shards;
    private final List<String> damaged = new ArrayList<>();
    private long bytesWritten;

    CacheBuild(FeatureCache cache) {
        this.cache = cache;
        this.dir = cache.directory();
        this.key = cache.key();
        this.keyBytes = ShardFile.keyBytes(key);
        this.featureLength = (int) Arrays.stream(cache.featureShape()).reduce(1, (a, b) -> a * b);
        this.numClasses = cache.source().numClasses();
        this.views = cache.viewsPerExample();
        this.rows = cache.size();
        this.shards = (int) ((rows + cache.shardRows() - 1) / cache.shardRows());
    }

    ShardFile.Layout layout(int index) {
        long first = (long) index * cache.shardRows();
        int n = (int) Math.min(cache.shardRows(), rows - first);
        return new ShardFile.Layout(keyBytes, index, first, n, featureLength, numClasses, cache.precision());
    }

    CacheReport run() throws IOException {
        long start = System.nanoTime();
        createFolder();
        try (CacheLock lock = CacheLock.acquire(dir, msg -> cache.progress().start(msg, -1, null).close())) {
            CacheReport.Outcome outcome;
            String reason;
            Manifest old;
            try {
                old = Manifest.read(dir);
            } catch (IOException e) {
                old = null;
                damaged.add("manifest: " + e.getMessage());
            }
            Manifest m;
            if (old == null) {
                outcome = CacheReport.Outcome.BUILT;
                reason = damaged.isEmpty() ? "new cache" : "manifest unreadable";
                m = fresh();
                removeShardFiles();
            } else if (!key.equals(old.key) || old.formatVersion != Manifest.FORMAT_VERSION) {
                outcome = CacheReport.Outcome.REBUILT;
                reason = "key changed: " + changed(old.components, cache.keyComponents());
                m = fresh();
                removeShardFiles();
            } else {
                m = old;
                outcome = Manifest.COMPLETE.equals(old.status) ? CacheReport.Outcome.REUSED : CacheReport.Outcome.RESUMED;
                reason = outcome == CacheReport.Outcome.RESUMED
                        ? "continued an interrupted build with " + old.shards.size() + " of " + shards + " shards done" : "";
            }
            removeTempFiles();
            BitSet needed = checkShards(m);
            if (outcome == CacheReport.Outcome.REUSED && !needed.isEmpty()) {
                outcome = CacheReport.Outcome.REPAIRED;
            }
            if (!needed.isEmpty()) {
                m.status = Manifest.BUILDING;
                m.write(dir);
                checkFreeSpace(needed);
                featurize(m, needed);
            }
            if (!Manifest.COMPLETE.equals(m.status) || !needed.isEmpty()) {
                m.status = Manifest.COMPLETE;
                m.write(dir);
            }
            return new CacheReport(outcome, reason, dir, key, rows, shards, needed.cardinality(), damaged, bytesWritten,
                    (System.nanoTime() - start) / 1e9, lock.waitedSeconds());
        }
    }

    /** {@link FeatureCache#verify()}: the manifest is complete for the key and every shard checks out. */
    void verify() throws IOException {
        Manifest m = CacheIterator.completeManifest(cache);
        for (int i = 0; i < shards; i++) {
            Manifest.Shard entry = m.shard(i);
            Path file = dir.resolve(ShardFile.name(i));
            String problem = entry == null ? "not recorded in the manifest"
                    : ShardFile.check(file, layout(i), entry.sha256, cache.verifyChecksums());
            if (problem != null) {
                throw new IllegalStateException("feature cache shard " + file + ": " + problem
                        + "; build() repairs it");
            }
        }
    }

    private void createFolder() throws IOException {
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException | NotDirectoryException e) {
            throw new IOException("cannot create feature cache folder " + dir + ": " + e.getFile()
                    + " exists and is not a folder", e);
        } catch (IOException e) {
            throw new IOException("cannot create feature cache folder " + dir + ": " + e, e);
        }
        if (!Files.isWritable(dir)) {
            throw new IOException("feature cache folder " + dir + " is not writable; choose another --cache folder "
                    + "or fix its permissions");
        }
    }

    Manifest fresh() {
        Manifest m = new Manifest();
        m.key = key;
        m.components.putAll(cache.keyComponents());
        m.descriptions.put("featurizer", cache.featurizer().describe());
        m.descriptions.put("source", cache.source().describe());
        m.descriptions.put("augmentation", cache.augmentationDescription());
        m.examples = cache.examples();
        m.views = views;
        m.rows = rows;
        m.shardRows = cache.shardRows();
        m.precision = cache.precision().name();
        m.featureShape = cache.featureShape();
        m.labels = new ArrayList<>(cache.labels());
        return m;
    }

    private static String changed(Map<String, String> before, Map<String, String> now) {
        List<String> diff = new ArrayList<>();
        for (var e : now.entrySet()) {
            String was = before == null ? null : before.get(e.getKey());
            if (!e.getValue().equals(was)) {
                diff.add(e.getKey());
            }
        }
        return diff.isEmpty() ? "format" : String.join(", ", diff);
    }

    /** Verifies listed shards, adopts finished but unlisted ones, and returns the shards still to build. */
    private BitSet checkShards(Manifest m) throws IOException {
        BitSet needed = new BitSet(shards);
        Map<Integer, Manifest.Shard> listed = new java.util.HashMap<>();
        m.shards.forEach(s -> listed.put(s.index, s));
        BitSet present = new BitSet();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "shard-*.bin")) {
            for (Path p : ds) {
                int index = ShardFile.indexOf(p.getFileName().toString());
                if (index >= 0) {
                    present.set(index);
                }
            }
        }
        boolean changed = false;
        m.shards.clear();
        for (int i = 0; i < shards; i++) {
            Manifest.Shard entry = listed.get(i);
            if (entry == null && !present.get(i)) {
                needed.set(i);
                continue;
            }
            String name = ShardFile.name(i);
            Path file = dir.resolve(name);
            if (entry != null) {
                String problem = present.get(i)
                        ? ShardFile.check(file, layout(i), entry.sha256, cache.verifyChecksums()) : "missing";
                if (problem == null) {
                    m.putShard(entry);
                    continue;
                }
                damaged.add("shard " + i + " (" + name + "): " + problem);
                Files.deleteIfExists(file);
                changed = true;
            } else {
                // Renamed into place by a build that died before recording it: keep it if it checks out.
                ShardFile.Layout layout = layout(i);
                if (ShardFile.check(file, layout, null, true) == null) {
                    m.putShard(entryFor(i, layout, ShardFile.storedSha(file)));
                    changed = true;
                    continue;
                }
                Files.deleteIfExists(file);
            }
            needed.set(i);
        }
        if (changed || listed.size() != m.shards.size()) {
            m.write(dir);
        }
        return needed;
    }

    Manifest.Shard entryFor(int index, ShardFile.Layout layout, String sha) {
        Manifest.Shard s = new Manifest.Shard();
        s.index = index;
        s.file = ShardFile.name(index);
        s.firstRow = layout.firstRow();
        s.rows = layout.rows();
        s.bytes = layout.fileBytes();
        s.sha256 = sha;
        return s;
    }

    private void checkFreeSpace(BitSet needed) throws IOException {
        long bytes = (long) needed.cardinality() * layout(0).fileBytes();
        if (needed.get(shards - 1)) { // the last shard may be short
            bytes += layout(shards - 1).fileBytes() - layout(0).fileBytes();
        }
        long free = Files.getFileStore(dir).getUsableSpace();
        if (bytes > free) {
            throw new IOException(String.format(java.util.Locale.ROOT,
                    "not enough disk space for the feature cache in %s: it needs %.1f MB more, %.1f MB are free",
                    dir, bytes / 1e6, free / 1e6));
        }
    }

    private void removeShardFiles() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "shard-*")) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        }
    }

    private void removeTempFiles() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.tmp*")) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        }
    }

    private void featurize(Manifest m, BitSet needed) throws IOException {
        DataSource source = cache.source();
        int lastNeeded = needed.length() - 1;
        long neededRows = 0;
        for (int i = needed.nextSetBit(0); i >= 0; i = needed.nextSetBit(i + 1)) {
            neededRows += layout(i).rows();
        }
        long[] featureShape = cache.featureShape();
        DataSetIterator it = source.iterator(cache.batchSize());
        long example = 0;
        ShardFile.Writer writer = null;
        try (Progress.Task task = cache.progress().start("featurize", neededRows, "rows")) {
            while (it.hasNext() && example * views < (long) (lastNeeded + 1) * cache.shardRows()) {
                DataSet ds = it.next();
                INDArray raw = ds.getFeatures();
                int n = (int) raw.size(0);
                if (example + n > source.size()) {
                    throw new IllegalStateException("data source " + source.describe() + " gave more than the "
                            + source.size() + " examples it says it has");
                }
                long firstRow = example * views;
                if (!overlaps(needed, firstRow, firstRow + (long) n * views)) {
                    example += n;
                    continue;
                }
                float[][] features = new float[views][];
                for (int v = 0; v < views; v++) {
                    INDArray f = cache.featurizer().featurize(input(raw, v, example));
                    long[] got = Arrays.copyOfRange(f.shape(), 1, f.rank());
                    if (f.size(0) != n || !Arrays.equals(got, featureShape)) {
                        throw new IllegalStateException("featurizer gave shape " + Arrays.toString(f.shape())
                                + " for a batch of " + n + ", expected features " + Arrays.toString(featureShape));
                    }
                    features[v] = floats(f);
                    FiniteFeatures.require(features[v], featureLength, example, v, cache.featurizer(), source, cache.precision());
                }
                INDArray y = ds.getLabels();
                if (y == null || y.size(0) != n || y.length() != (long) n * numClasses) {
                    throw new IllegalStateException("data source " + source.describe() + " gave labels of shape "
                            + (y == null ? "null" : Arrays.toString(y.shape())) + " for " + n + " examples; expected ["
                            + n + ", " + numClasses + "]");
                }
                float[] labels = floats(y);
                for (int i = 0; i < n; i++) {
                    for (int v = 0; v < views; v++) {
                        long row = (example + i) * views + v;
                        int shard = (int) (row / cache.shardRows());
                        if (!needed.get(shard)) {
                            continue;
                        }
                        if (writer == null) {
                            writer = new ShardFile.Writer(dir.resolve(ShardFile.name(shard)), layout(shard));
                        }
                        writer.append(features[v], i * featureLength, labels, i * numClasses);
                        if (writer.isFull()) {
                            ShardFile.Layout l = layout(shard);
                            String sha = writeFailure(writer::finish, shard);
                            writer = null;
                            m.putShard(entryFor(shard, l, sha));
                            m.write(dir);
                            bytesWritten += l.fileBytes();
                            task.step(l.rows());
                        }
                    }
                }
                example += n;
            }
        } catch (IOException e) {
            throw new IOException("cannot write the feature cache in " + dir + ": " + e.getMessage()
                    + " (is the disk full or the folder read-only?)", e);
        } finally {
            if (writer != null) {
                writer.close();
            }
        }
        if (writer != null || m.shards.size() != shards) {
            throw new IllegalStateException("data source " + source.describe() + " ended after " + example
                    + " examples, but says it has " + source.size());
        }
    }

    private interface IoCall<T> {
        T call() throws IOException;
    }

    private static <T> T writeFailure(IoCall<T> call, int shard) throws IOException {
        try {
            return call.call();
        } catch (IOException e) {
            throw new IOException("shard " + shard + ": " + e.getMessage(), e);
        }
    }

    private boolean overlaps(BitSet needed, long fromRow, long toRow) {
        int first = (int) (fromRow / cache.shardRows());
        int last = (int) ((toRow - 1) / cache.shardRows());
        int next = needed.nextSetBit(first);
        return next >= 0 && next <= last;
    }

    /** View {@code v} of a batch starting at example {@code example}: the raw batch, or an augmented copy. */
    private INDArray input(INDArray raw, int v, long example) {
        Augmenter aug = cache.augmenter();
        if (aug == null || (cache.keepOriginal() && v == 0)) {
            return raw;
        }
        int augView = cache.keepOriginal() ? v - 1 : v;
        int n = (int) raw.size(0);
        Random[] randoms = new Random[n];
        for (int i = 0; i < n; i++) {
            randoms[i] = new Random(seedFor(cache.augmentSeed(), augView, example + i));
        }
        INDArray out = aug.augment(raw, randoms);
        if (!Arrays.equals(out.shape(), raw.shape())) {
            throw new IllegalStateException("augmenter " + aug.fingerprint() + " changed the batch shape from "
                    + Arrays.toString(raw.shape()) + " to " + Arrays.toString(out.shape()));
        }
        return out;
    }

    /** The values of {@code a} in C order, copying inside ND4J only when {@code a} is a view or not float. */
    static float[] floats(INDArray a) {
        INDArray c = a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
        if (c.ordering() != 'c' || c.isView() || c.offset() != 0 || c.data().length() != c.length()) {
            c = c.dup('c');
        }
        return c.data().asFloat();
    }

    /** A well-mixed seed from (cache seed, view, example). */
    static long seedFor(long seed, int view, long example) {
        long z = seed * 0x9E3779B97F4A7C15L + view * 0xC2B2AE3D27D4EB4FL + example * 0x165667B19E3779F9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
