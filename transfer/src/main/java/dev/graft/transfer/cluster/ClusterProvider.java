package dev.graft.transfer.cluster;

import java.util.Iterator;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * A cluster Graft can run on, found with {@link ServiceLoader} ({@code META-INF/services/dev.graft.transfer.cluster.ClusterProvider}).
 * The spark module provides one ({@code dev.graft.spark.SparkClusterProvider}); without it on the class path
 * {@link #find()} is empty and {@link #require(String)} explains how to add it.
 */
public interface ClusterProvider {
    /** What it runs on, for messages (e.g. {@code "Apache Spark"}). */
    String name();

    /**
     * Checks {@code settings} without connecting (nothing starts).
     *
     * @throws IllegalArgumentException naming the setting (by its command line option), the value and the fix
     */
    void check(ClusterSettings settings);

    /**
     * Connects to the cluster ({@link #check} first). The caller closes the returned cluster.
     *
     * @throws IllegalArgumentException if the settings are wrong (as {@link #check}) or no master is known
     */
    Cluster connect(ClusterSettings settings);

    /** The first provider on the class path (of the context class loader), if any. */
    static Optional<ClusterProvider> find() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        Iterator<ClusterProvider> it = ServiceLoader.load(ClusterProvider.class,
                loader != null ? loader : ClusterProvider.class.getClassLoader()).iterator();
        return it.hasNext() ? Optional.of(it.next()) : Optional.empty();
    }

    /**
     * The provider, or an error for {@code what} (e.g. {@code "--spark local[2]"}) saying how to put one on the class
     * path.
     *
     * @throws IllegalStateException if no provider is on the class path
     */
    static ClusterProvider require(String what) {
        return find().orElseThrow(() -> new IllegalStateException(what + " needs Graft's spark module, which is not "
                + "on the class path: build it (mvn -q -DskipTests package, which writes spark/target/graft-spark.jar "
                + "and spark/target/lib/) and run through the graft launcher, which adds it when --spark is given, "
                + "or put graft-spark.jar and its dependencies on the class path (spark-submit: --jars)"));
    }
}
