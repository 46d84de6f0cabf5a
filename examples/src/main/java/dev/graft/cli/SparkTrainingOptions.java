package dev.graft.cli;

import dev.graft.transfer.cluster.ClusterSettings;
import picocli.CommandLine.Option;

/** How {@code finetune --spark} trains the head on the workers (DL4J's training masters). */
final class SparkTrainingOptions {
    @Option(names = "--training", paramLabel = "averaging|sharing", order = 110, description = "with --spark: "
            + "averaging (DL4J's parameter averaging, one Spark job per head epoch; the default) or sharing (DL4J's "
            + "gradient sharing: all head epochs in one Spark job)")
    String training;

    @Option(names = "--averaging", paramLabel = "N", order = 111,
            description = "with --spark, averaging: minibatches per worker between parameter averagings (default: 5)")
    Integer averaging;

    @Option(names = "--threshold", paramLabel = "T", order = 112, description = "with --spark, sharing: starting "
            + "encoding threshold of DL4J's adaptive threshold algorithm (default: DL4J's 1e-4)")
    Double threshold;

    @Option(names = "--workers-per-node", paramLabel = "N", order = 113,
            description = "with --spark, sharing: model replicas each executor trains (default: DL4J's, 1 on CPU)")
    Integer workersPerNode;

    @Option(names = "--parameter-server", paramLabel = "HOST:PORT", order = 114, description = "with --spark, "
            + "sharing: where the driver's parameter server listens (UDP), reachable from every executor (default: "
            + "127.0.0.1 and a free port for local[N], else spark.driver.host and port 49876)")
    String parameterServer;

    @Option(names = "--network-mask", paramLabel = "CIDR", order = 115,
            description = "with --spark, sharing, on a cluster: network in which executors pick their address")
    String networkMask;

    @Option(names = "--workers", paramLabel = "N", order = 116, description = "with --spark: training workers, the "
            + "partitions of each epoch's batches (default: Spark's default parallelism; with sharing, no more than "
            + "Spark's task slots)")
    Integer workers;

    /** Name/value pairs of the options given (for {@link SparkOptions#requireSparkFor}). */
    Object[] given() {
        return new Object[] {"--training", training, "--averaging", averaging, "--threshold", threshold,
            "--workers-per-node", workersPerNode, "--parameter-server", parameterServer, "--network-mask",
            networkMask, "--workers", workers};
    }

    /** The cluster settings of {@code spark} with these. */
    ClusterSettings settings(SparkOptions spark) {
        ClusterSettings s = spark.settings();
        return new ClusterSettings(s.master(), s.appName(), s.conf(), workers, training, averaging, threshold,
                workersPerNode, parameterServer, networkMask);
    }
}
