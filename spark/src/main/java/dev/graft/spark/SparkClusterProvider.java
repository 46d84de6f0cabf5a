package dev.graft.spark;

import dev.graft.transfer.cluster.Cluster;
import dev.graft.transfer.cluster.ClusterProvider;
import dev.graft.transfer.cluster.ClusterSettings;

/**
 * The {@link ClusterProvider} of Apache Spark (registered in {@code META-INF/services}): the {@code graft}
 * command line's {@code --spark MASTER} finds it on the class path. Settings are named by their command line
 * options in messages.
 */
public final class SparkClusterProvider implements ClusterProvider {
    /** For {@link java.util.ServiceLoader}. */
    public SparkClusterProvider() {
    }

    @Override
    public String name() {
        return "Apache Spark";
    }

    @Override
    public void check(ClusterSettings settings) {
        checked(settings);
    }

    @Override
    public Cluster connect(ClusterSettings settings) {
        return SparkCluster.connect(settings);
    }

    /**
     * The settings as a checked {@link SparkHeadTrainer.Builder} (no context, model or cache).
     *
     * @throws IllegalArgumentException for an unknown training, an option of the other training (named as on the
     *                                  command line) or a value out of range
     */
    static SparkHeadTrainer.Builder checked(ClusterSettings s) {
        SparkTraining how = s.training() == null ? SparkTraining.PARAMETER_AVERAGING : SparkTraining.parse(s.training());
        String name = s.training() == null ? how.cliName() : s.training();
        if (how == SparkTraining.GRADIENT_SHARING) {
            onlyWith(name, "averaging", "--averaging", s.averagingFrequency());
        } else {
            onlyWith(name, "sharing", "--threshold", s.encodingThreshold());
            onlyWith(name, "sharing", "--workers-per-node", s.workersPerNode());
            onlyWith(name, "sharing", "--parameter-server", s.parameterServer());
            onlyWith(name, "sharing", "--network-mask", s.networkMask());
        }
        if (s.workers() != null && s.workers() <= 0) {
            throw new IllegalArgumentException("--workers must be positive, got " + s.workers()
                    + " (leave it out for Spark's default parallelism)");
        }
        SparkHeadTrainer.Builder b = SparkHeadTrainer.Builder.settings().training(how);
        if (s.averagingFrequency() != null) {
            b.averagingFrequency(s.averagingFrequency());
        }
        if (s.encodingThreshold() != null) {
            b.encodingThreshold(s.encodingThreshold());
        }
        if (s.workersPerNode() != null) {
            b.workersPerNode(s.workersPerNode());
        }
        if (s.parameterServer() != null) {
            String ps = s.parameterServer();
            int colon = ps.lastIndexOf(':');
            if (colon <= 0 || !ps.substring(colon + 1).matches("\\d{1,5}")) {
                throw new IllegalArgumentException("--parameter-server must be HOST:PORT (e.g. 10.1.0.5:49876), got '"
                        + ps + "'");
            }
            b.parameterServer(ps.substring(0, colon), Integer.parseInt(ps.substring(colon + 1)));
        }
        if (s.networkMask() != null) {
            b.networkMask(s.networkMask());
        }
        b.check();
        return b;
    }

    private static void onlyWith(String training, String other, String option, Object value) {
        if (value != null) {
            throw new IllegalArgumentException(option + " applies to --training " + other + " only, got " + option
                    + " " + value + " with --training " + training + ": leave it out or use --training " + other);
        }
    }
}
