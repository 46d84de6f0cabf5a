package dev.graft.cli;

import dev.graft.transfer.cluster.Cluster;
import dev.graft.transfer.cluster.ClusterProvider;
import dev.graft.transfer.cluster.ClusterSettings;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options that put a verb on Apache Spark, declared once for {@code featurize} and {@code finetune}:
 * {@code --spark MASTER}, {@code --conf}, {@code --app-name}. The Spark code itself comes from the spark module,
 * found on the class path as a {@link ClusterProvider}; without it {@code --spark} stops with how to add it.
 * Under {@code spark-submit} (which sets the system property {@code spark.master}) the verbs run on Spark without
 * {@code --spark}.
 */
final class SparkOptions {
    @Option(names = "--spark", paramLabel = "MASTER", order = 100,
            description = "run on Apache Spark: local[2], local[*], spark://host:7077, yarn, ... (spark module; "
                    + "under spark-submit the master it was given is used and this may be left out)")
    String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", order = 101, description = "with --spark: Spark configuration, "
            + "repeatable (e.g. --conf spark.executor.memory=4g); passed to SparkConf as is")
    Map<String, String> conf = new LinkedHashMap<>();

    @Option(names = "--app-name", paramLabel = "NAME", order = 102,
            description = "with --spark: Spark application name (default: graft)")
    String appName;

    /** Whether the verb runs on Spark: {@code --spark}, or under spark-submit. */
    boolean requested() {
        return master != null || dev.graft.engine.Settings.ofProcess().foreignProperty("spark.master") != null;
    }

    /** The master for messages and the model card's origin. */
    String describe() {
        return master != null ? master : java.util.Objects.requireNonNullElse(dev.graft.engine.Settings.ofProcess().foreignProperty("spark.master"), "?");
    }

    /**
     * Refuses Spark-only options given without {@code --spark}; {@code more} are further options of the verb that
     * need it (name, value; value null when not given).
     *
     * @throws IllegalArgumentException naming the option and how to use it
     */
    void requireSparkFor(Object... more) {
        if (requested()) {
            return;
        }
        java.util.List<Object> all = new java.util.ArrayList<>(java.util.Arrays.asList("--conf", conf.isEmpty() ? null
                : conf.keySet().iterator().next() + "=...", "--app-name", appName));
        all.addAll(java.util.Arrays.asList(more));
        for (int i = 0; i < all.size(); i += 2) {
            if (all.get(i + 1) != null) {
                throw new IllegalArgumentException(all.get(i) + " is a Spark option, given without --spark (got "
                        + all.get(i) + " " + all.get(i + 1) + "): add --spark MASTER (e.g. --spark local[2]) or "
                        + "leave it out");
            }
        }
    }

    /** The provider (checked settings) and a connection: the caller closes it. */
    Cluster connect(ClusterSettings settings) {
        ClusterProvider p = provider();
        p.check(settings);
        return p.connect(settings);
    }

    /**
     * The spark module's provider.
     *
     * @throws IllegalStateException if the spark module is not on the class path, saying how to add it
     */
    ClusterProvider provider() {
        return ClusterProvider.require("--spark " + describe());
    }

    /** Settings with only where Spark runs (featurize). */
    ClusterSettings settings() {
        return new ClusterSettings(master, appName != null ? appName : "graft", conf, null, null, null, null, null,
                null, null);
    }
}
