package dev.graft.cli;

import dev.graft.transfer.cache.Augmenters;
import dev.graft.transfer.cache.CacheReport;
import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.Featurizer;
import dev.graft.transfer.cache.Featurizers;
import dev.graft.transfer.cache.Precision;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.cache.FeatureExport;
import dev.graft.transfer.data.DataSource;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.Progress;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code graft featurize}: run a model's frozen part over a data set once and keep the features on disk. */
@Command(name = "featurize", mixinStandardHelpOptions = true,
        description = {"Run MODEL up to and including --cut over the data once and store the features in a disk cache.",
            "Running it again reuses the cache; a changed model, cut, data or setting rebuilds it; damaged shards are "
                + "rebuilt; an interrupted run resumes.",
            "--export FILE.npz|FILE.csv also writes the features with labels and example ids for other tools (np.load reads "
                + "the .npz: features float32, labels int32, ids and label_names strings).",
            "On Apache Spark (spark module): add --spark MASTER [--conf key=value]...; the executors featurize their "
                + "partitions into the same files and key, and --cache may be a Hadoop URI."})
final class FeaturizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    InputShapeOption input;

    @Parameters(index = "0", paramLabel = "MODEL", description = "a Graft or DL4J model zip, or an ONNX model (.onnx or 'graft import' zip)")
    Path model;

    @Option(names = "--cut", paramLabel = "LAYER",
            description = "last frozen layer: name or index (MultiLayerNetwork), vertex name (ComputationGraph), tensor "
                    + "(ONNX); default: the cut recorded in the model's card (a fine-tuned model's)")
    String cut;

    @picocli.CommandLine.Mixin
    DataOptions in;

    @picocli.CommandLine.Mixin
    CacheOption cache;

    @picocli.CommandLine.Mixin
    SparkOptions spark;

    @Option(names = "--partitions", paramLabel = "N", order = 103,
            description = "with --spark: input partitions (default: Spark's default parallelism)")
    Integer partitions;

    @Option(names = "--precision", defaultValue = "float32", paramLabel = "P", description = "float32 (default) or float16")
    String precision;

    @Option(names = "--shard-rows", defaultValue = "4096", paramLabel = "N", description = "rows per shard file (default ${DEFAULT-VALUE})")
    int shardRows;

    @Option(names = "--batch", defaultValue = "64", paramLabel = "N", description = "examples per forward pass (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--augment", paramLabel = "SPEC",
            description = "store augmented views instead: noise:SIGMA, mask:P, shift:PIXELS, comma-separated")
    String augment;

    @Option(names = "--views", paramLabel = "K", description = "augmented views per example (with --augment; default 1)")
    Integer views;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "augmentation seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--keep-original", description = "with --augment, also store each unchanged example")
    boolean keepOriginal;

    @Option(names = "--no-verify", description = "check existing shards by size and recorded checksum only, without re-hashing them")
    boolean noVerify;

    @Option(names = "--quiet", description = "no progress bar")
    boolean quiet;

    @Option(names = "--export", paramLabel = "FILE", description = "also write the cached features as FILE.npz (NumPy) or FILE.csv, "
            + "with labels and example ids")
    Path export;

    @Override
    public Integer call() throws Exception {
        if (in.data == null || !cache.given()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "graft featurize needs --data SPEC and "
                    + "--cache DIR (missing: " + (in.data == null ? "--data" + (cache.given() ? "" : ", --cache")
                    : "--cache") + "); see graft featurize --help");
        }
        if (spark.requested()) {
            return onSpark();
        }
        spark.requireSparkFor("--partitions", partitions);
        Path cacheDir = cache.folder();
        String data = in.data;
        boolean strict = in.strict;
        if (views != null && augment == null) {
            throw new IllegalArgumentException("--views needs --augment (e.g. --augment noise:0.5 --views " + views + ")");
        }
        if (export != null && !export.getFileName().toString().toLowerCase(java.util.Locale.ROOT).matches(".*\\.(npz|csv)")) {
            throw new IllegalArgumentException("--export must name a .npz or .csv file, got " + export);
        }
        Featurizer featurizer;
        DataSource source;
        dev.graft.zoo.ModelCard card;
        if (OnnxCli.isOnnx(model)) {
            // an imported ONNX model: the graph up to the cut runs on ONNX Runtime
            dev.graft.zoo.onnx.OnnxModel m = OnnxCli.open(model, input);
            card = m.card();
            source = DataSpec.source(data, card, DataSpec.Options.DEFAULTS.withStrict(strict));
            Models.printNotes(spec, source);
            featurizer = dev.graft.transfer.cache.OnnxFeaturizer.cut(m, cutOf(card));
        } else {
            GraftModel m = Models.load(model, spec, input);
            card = m.card();
            featurizer = Featurizers.cut(m, cutOf(card));
            source = DataSpec.source(data, card, DataSpec.Options.DEFAULTS.withStrict(strict));
            Models.printNotes(spec, source);
        }
        FeatureCache.Builder b = FeatureCache.builder(cacheDir).featurizer(featurizer).source(source)
                .precision(Precision.parse(precision)).shardRows(shardRows).batchSize(batch).verifyChecksums(!noVerify)
                .progress(quiet ? Progress.none() : Progress.console());
        if (augment != null) {
            b.augment(Augmenters.parse(augment, card.layout()), views == null ? 1 : views, seed).keepOriginal(keepOriginal);
        }
        FeatureCache fc = b.build();
        CacheReport report = fc.build();
        PrintWriter out = spec.commandLine().getOut();
        out.println(report.summary());
        out.println("features: " + featurizer.describe());
        out.println("engine: " + featurizer.engine().describe());
        out.println("data: " + source.describe() + ", " + fc.viewsPerExample() + " view(s) per example, "
                + fc.size() + " rows of " + Arrays.toString(fc.featureShape()) + " " + fc.precision().name().toLowerCase());
        out.println("key: " + fc.key());
        if (export != null) {
            long rows = FeatureExport.write(fc, export);
            out.println("exported " + rows + " rows of features, labels and ids to " + export);
        }
        out.flush();
        return 0;
    }

    /**
     * {@code --spark}: the same cache (files and key) written by Spark tasks, one shard set per partition, in a shared
     * folder or at a Hadoop URI.
     */
    private Integer onSpark() throws Exception {
        for (Object[] o : new Object[][] {{"--augment", augment}, {"--views", views}, {"--keep-original",
                keepOriginal ? "" : null}, {"--no-verify", noVerify ? "" : null}}) {
            if (o[1] != null) {
                throw new IllegalArgumentException(o[0] + " is not available with --spark (Spark builds caches without "
                        + "augmentation and always re-hashes the shards it finds); leave it out, or featurize on one "
                        + "machine without --spark");
            }
        }
        if (OnnxCli.isOnnx(model)) {
            throw new IllegalArgumentException("--spark featurizes Graft and DL4J models, not ONNX models (" + model
                    + "); featurize it on one machine without --spark");
        }
        if (partitions != null && partitions <= 0) {
            throw new IllegalArgumentException("--partitions must be positive, got " + partitions);
        }
        dev.graft.transfer.cluster.ClusterProvider provider = spark.provider();
        provider.check(spark.settings());
        GraftModel m = Models.load(model, spec, input);
        String cut = cutOf(m.card());
        DataSource source = DataSpec.source(in.data, m.card(), DataSpec.Options.DEFAULTS.withStrict(in.strict));
        Models.printNotes(spec, source);
        try (dev.graft.transfer.cluster.Cluster cluster = provider.connect(spark.settings())) {
            String location = cache.location();
            Path local = cluster.localFolder(location);
            FeatureCache fc = FeatureCache.builder(local).featurizer(Featurizers.cut(m, cut)).source(source)
                    .precision(Precision.parse(precision)).shardRows(shardRows).batchSize(batch).build();
            dev.graft.transfer.cluster.Cluster.CacheBuild report = cluster.featurize(fc, location, m, cut, source,
                    partitions);
            PrintWriter out = spec.commandLine().getOut();
            out.printf(java.util.Locale.ROOT, "feature cache %s: %d rows in %d shards, %d built by this run, %.1f s%n",
                    report.location(), report.rows(), report.shards(), report.shardsBuilt(), report.seconds());
            out.println("data: " + source.describe() + ", " + fc.size() + " rows of " + Arrays.toString(fc.featureShape())
                    + " " + fc.precision().name().toLowerCase(java.util.Locale.ROOT) + ", Spark master "
                    + cluster.master());
            out.println("key: " + fc.key());
            out.println("engine: " + fc.featurizer().engine().describe() + ", on every executor");
            if (export != null) {
                try {
                    cluster.fetch(fc, location);
                    long rows = FeatureExport.write(fc, export);
                    out.println("exported " + rows + " rows of features, labels and ids to " + export);
                } finally {
                    if (!cluster.isLocal(location)) {
                        org.apache.commons.io.FileUtils.deleteQuietly(local.toFile());
                    }
                }
            }
            out.flush();
        }
        return 0;
    }

    /**
     * The cut to featurize at: {@code --cut}, else the one the model's card records (a planned or fine-tuned model's).
     *
     * @throws IllegalArgumentException when neither names one
     */
    private String cutOf(dev.graft.zoo.ModelCard card) {
        if (cut != null) {
            return cut;
        }
        if (card.cut() == null) {
            throw new IllegalArgumentException("--cut LAYER is needed: model " + model + " records no cut in its card; "
                    + "'graft inspect " + model + "' lists its layers (or cut points) to choose from");
        }
        Models.note(spec, "featurizing at the cut recorded in the model's card: '" + card.cut() + "'");
        return card.cut();
    }
}
