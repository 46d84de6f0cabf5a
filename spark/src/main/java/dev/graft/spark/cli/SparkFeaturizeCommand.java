package dev.graft.spark.cli;

import dev.graft.spark.CacheLocation;
import dev.graft.spark.ExampleRow;
import dev.graft.spark.SparkCacheReport;
import dev.graft.spark.SparkFeatureCache;
import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.Featurizers;
import dev.graft.transfer.cache.Precision;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import dev.graft.zoo.GraftModel;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code graft featurize ... --spark MASTER}: the feature cache written by Spark tasks, one shard set per partition. */
@Command(name = "featurize", mixinStandardHelpOptions = true,
        description = {"Run MODEL up to and including --cut over the data on Spark and store the features in the disk "
                + "cache (the same files and key as 'graft featurize' on one machine). Running it again skips finished "
                + "shards; a killed run resumes."})
final class SparkFeaturizeCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    SparkOptions spark;

    @Mixin
    FrozenBaseOptions in;

    @Option(names = "--precision", defaultValue = "float32", paramLabel = "P", description = "float32 (default) or float16")
    String precision;

    @Option(names = "--shard-rows", defaultValue = "4096", paramLabel = "N", description = "rows per shard file (default ${DEFAULT-VALUE})")
    int shardRows;

    @Option(names = "--batch", defaultValue = "64", paramLabel = "N", description = "examples per forward pass (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--partitions", paramLabel = "N", description = "input partitions (default: Spark's default parallelism)")
    Integer partitions;

    @Override
    public Integer call() throws Exception {
        GraftModel m = GraftModel.load(in.model);
        LabeledData source = DataSpec.source(in.data, m.card()).inMemory();
        CacheLocation where = in.location();
        FeatureCache fc = FeatureCache.builder(FrozenBaseOptions.localFolder(where)).featurizer(Featurizers.cut(m, in.cut))
                .source(source).precision(Precision.parse(precision)).shardRows(shardRows).batchSize(batch).build();
        try (JavaSparkContext sc = spark.context()) {
            int parts = partitions != null ? partitions : sc.defaultParallelism();
            SparkCacheReport report = SparkFeatureCache.builder(sc, fc).location(where).model(m, in.cut)
                    .rows(sc.parallelize(ExampleRow.listOf(source), parts)).build().run();
            PrintWriter out = spec.commandLine().getOut();
            out.printf(java.util.Locale.ROOT, "feature cache %s: %d rows in %d shards, %d built by this run, %.1f s%n",
                    report.location(), report.rows(), report.shards(), report.shardsBuilt(), report.seconds());
            out.println("data: " + source.describe() + ", " + fc.size() + " rows of " + Arrays.toString(fc.featureShape())
                    + " " + fc.precision().name().toLowerCase(java.util.Locale.ROOT) + ", Spark master " + sc.master());
            out.println("key: " + fc.key());
            out.println("engine: " + fc.featurizer().engine().describe() + ", on every executor");
            out.flush();
        }
        return 0;
    }
}
