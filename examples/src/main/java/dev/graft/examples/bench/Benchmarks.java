package dev.graft.examples.bench;

import dev.graft.engine.Engine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.commons.io.file.PathUtils;

/**
 * Graft's benchmark suite (what {@code graft bench} runs): featurize throughput of VGG16 and ResNet50, head
 * training from memory and from the disk cache, the cache's write/read speed against a plain file read, and the
 * demo's wall time. Every workload runs {@code warmup} unmeasured and {@code runs} measured repetitions.
 * <pre>{@code
 * List<Result> r = Benchmarks.builder().workloads(List.of("resnet50", "head")).runs(5).build().run(System.out::println);
 * }</pre>
 */
public final class Benchmarks {
    /** Workload names in the order they run. */
    public static final List<String> ALL = List.of("vgg16", "resnet50", "head", "cache", "demo");

    /**
     * Prefix of a featurize workload on a model file: {@code model:FILE.zip} (to the output) or
     * {@code model:FILE.zip@LAYER} (to a cut); runs before the named workloads.
     */
    public static final String MODEL_PREFIX = "model:";

    private final Set<String> workloads;
    private final int warmup;
    private final int runs;
    private final int batch;
    private final int headRows;
    private final int cacheRows;
    private final int demoRuns;
    private final Path scratch;

    private Benchmarks(Builder b) {
        this.workloads = new LinkedHashSet<>(b.workloads);
        this.warmup = b.warmup;
        this.runs = b.runs;
        this.batch = b.batch;
        this.headRows = b.headRows;
        this.cacheRows = b.cacheRows;
        this.demoRuns = b.demoRuns;
        this.scratch = b.scratch;
    }

    /** A suite with the defaults: all workloads, 1 warm-up, 5 runs, batch 16, 10,240 head rows. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs the selected workloads in {@link #ALL}'s order, handing each result to {@code sink} as soon as it is
     * measured.
     */
    public List<Result> run(Consumer<Result> sink) throws Exception {
        Path dir = scratch != null ? scratch : Files.createTempDirectory("graft-bench");
        Files.createDirectories(dir);
        List<Result> out = new ArrayList<>();
        Consumer<Result> add = r -> {
            out.add(r);
            sink.accept(r);
        };
        try {
            Timer timer = new Timer(warmup, runs);
            for (String w : workloads) {
                if (w.startsWith(MODEL_PREFIX)) {
                    String spec = w.substring(MODEL_PREFIX.length());
                    int at = spec.lastIndexOf('@');
                    Path file = Path.of(at > 0 ? spec.substring(0, at) : spec);
                    add.accept(FeaturizeBench.runModel(file, at > 0 ? spec.substring(at + 1) : null, batch, timer));
                }
            }
            for (String w : ALL) {
                if (!workloads.contains(w)) {
                    continue;
                }
                switch (w) {
                    case "vgg16", "resnet50" -> add.accept(FeaturizeBench.run(w, batch, timer));
                    case "head" -> HeadBench.run(headRows, timer, dir).forEach(add);
                    case "cache" -> CacheBench.run(cacheRows, timer, dir).forEach(add);
                    case "demo" -> add.accept(DemoBench.run(new Timer(0, demoRuns), dir));
                    default -> throw new IllegalStateException(w);
                }
            }
        } finally {
            if (scratch == null) {
                deleteQuietly(dir);
            }
        }
        return out;
    }

    /** Machine, versions, thread settings and date: the header every results table needs. */
    public static String environment() {
        Runtime rt = Runtime.getRuntime();
        return String.join("\n",
                "date: " + ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME),
                "machine: " + cpuModel() + ", " + rt.availableProcessors() + " cores, " + memoryGiB() + " GiB RAM",
                "java: " + dev.graft.engine.Settings.ofProcess().foreignProperty("java.vm.name") + " " + dev.graft.engine.Settings.ofProcess().foreignProperty("java.version")
                        + ", -Xmx" + rt.maxMemory() / (1 << 20) + "m",
                "dl4j/nd4j: 1.0.0-M2.1; " + Engine.describe(),
                "env: OMP_NUM_THREADS=" + env("OMP_NUM_THREADS") + " OMP_WAIT_POLICY=" + env("OMP_WAIT_POLICY")
                        + "; engine settings: " + Engine.settings());
    }

    private static String env(String name) {
        String v = dev.graft.engine.Settings.ofProcess().foreignEnvironment(name);
        return v == null ? "(unset)" : v;
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return dev.graft.engine.Settings.ofProcess().foreignProperty("os.arch");
    }

    private static String memoryGiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    long kb = Long.parseLong(line.replaceAll("\\D", ""));
                    return String.format(Locale.ROOT, "%.0f", kb / 1024.0 / 1024.0);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return "?";
    }

    private static void deleteQuietly(Path dir) {
        try {
            PathUtils.deleteDirectory(dir);
        } catch (IOException e) {
            // scratch in the temp folder; nothing to lose
        }
    }

    /** Settings of a benchmark run. */
    public static final class Builder {
        private List<String> workloads = ALL;
        private int warmup = 1;
        private int runs = 5;
        private int batch = 16;
        private int headRows = 10_240;
        private int cacheRows = 16_384;
        private int demoRuns = 3;
        private Path scratch;

        private Builder() {
        }

        /**
         * Which of {@link #ALL} to run, and model files ({@link #MODEL_PREFIX}{@code FILE[@LAYER]}).
         *
         * @throws IllegalArgumentException for an unknown name, a model file that does not exist, or no workload
         */
        public Builder workloads(List<String> names) {
            for (String n : names) {
                if (n.startsWith(MODEL_PREFIX)) {
                    String spec = n.substring(MODEL_PREFIX.length());
                    int at = spec.lastIndexOf('@');
                    Path file = Path.of(at > 0 ? spec.substring(0, at) : spec);
                    if (!Files.isRegularFile(file)) {
                        throw new IllegalArgumentException("workload '" + n + "': model file " + file
                                + " does not exist; give a Graft model zip (graft import writes one)");
                    }
                } else if (!ALL.contains(n)) {
                    throw new IllegalArgumentException("unknown workload '" + n + "'; choose from " + ALL
                            + " or model:FILE.zip[@LAYER]");
                }
            }
            if (names.isEmpty()) {
                throw new IllegalArgumentException("no workload chosen; choose from " + ALL);
            }
            this.workloads = List.copyOf(names);
            return this;
        }

        /** Unmeasured repetitions before measuring (default 1). */
        public Builder warmup(int n) {
            this.warmup = n;
            return this;
        }

        /** Measured repetitions per workload (default 5). */
        public Builder runs(int n) {
            this.runs = n;
            return this;
        }

        /** Featurize batch size (default 16). */
        public Builder batch(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("batch must be >= 1, got " + n);
            }
            this.batch = n;
            return this;
        }

        /** Rows of the head-training set (default 10,240). */
        public Builder headRows(int n) {
            this.headRows = positive(n, "head rows");
            return this;
        }

        /** Rows of the cache benchmark (default 16,384 × 2048 floats = 128 MiB). */
        public Builder cacheRows(int n) {
            this.cacheRows = positive(n, "cache rows");
            return this;
        }

        /** Demo runs, each a fresh JVM (default 3). */
        public Builder demoRuns(int n) {
            this.demoRuns = positive(n, "demo runs");
            return this;
        }

        /** Folder for caches and the demo's output (default: a temporary folder, deleted afterwards). */
        public Builder scratch(Path dir) {
            this.scratch = dir;
            return this;
        }

        /** The suite; checks warm-up and run counts. */
        public Benchmarks build() {
            new Timer(warmup, runs);
            return new Benchmarks(this);
        }

        private static int positive(int n, String what) {
            if (n < 1) {
                throw new IllegalArgumentException(what + " must be >= 1, got " + n);
            }
            return n;
        }
    }
}
