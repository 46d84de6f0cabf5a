/**
 * The seam through which a cluster (the spark module) runs Graft's verbs: a {@link dev.graft.transfer.cluster.ClusterProvider}
 * found with {@link java.util.ServiceLoader} builds feature caches on the cluster and runs the head's epochs
 * ({@link dev.graft.transfer.tune.Trainer.EpochStep}); everything else — validation, callbacks, unfreezing — stays in
 * {@link dev.graft.transfer.tune.FineTuner} on the driver. Nothing here depends on a cluster library.
 */
package dev.graft.transfer.cluster;
