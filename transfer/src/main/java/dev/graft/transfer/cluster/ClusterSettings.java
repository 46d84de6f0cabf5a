package dev.graft.transfer.cluster;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where and how to run on a cluster, as the command line's Spark options give it. Every setting but the master is
 * optional (null: the cluster's default); {@link ClusterProvider#check} judges the values. Immutable.
 *
 * @param master             the master URL ({@code --spark}: {@code local[2]}, {@code spark://host:7077}, ...), or
 *                           null for the one the environment gives ({@code spark-submit --master})
 * @param appName            the application name ({@code --app-name})
 * @param conf               cluster configuration passed through as is ({@code --conf KEY=VALUE})
 * @param workers            training workers: partitions of each epoch's batches ({@code --workers})
 * @param training           {@code averaging} or {@code sharing} ({@code --training}), null for averaging
 * @param averagingFrequency averaging only: steps between parameter averagings ({@code --averaging})
 * @param encodingThreshold  sharing only: starting encoding threshold ({@code --threshold})
 * @param workersPerNode     sharing only: replicas per executor ({@code --workers-per-node})
 * @param parameterServer    sharing only: {@code HOST:PORT} of the driver's parameter server
 *                           ({@code --parameter-server})
 * @param networkMask        sharing only: executors' network, e.g. {@code 10.1.0.0/16} ({@code --network-mask})
 */
public record ClusterSettings(String master, String appName, Map<String, String> conf, Integer workers,
        String training, Integer averagingFrequency, Double encodingThreshold, Integer workersPerNode,
        String parameterServer, String networkMask) {

    /** Copies {@code conf}. */
    public ClusterSettings {
        conf = conf == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(conf));
    }

    /** Only a master (and the default application name {@code graft}). */
    public static ClusterSettings master(String master) {
        return new ClusterSettings(master, "graft", Map.of(), null, null, null, null, null, null, null);
    }
}
