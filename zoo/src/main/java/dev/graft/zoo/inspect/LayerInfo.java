package dev.graft.zoo.inspect;

/**
 * One row of an {@link Inspection}: a layer of a MultiLayerNetwork or a vertex of a ComputationGraph.
 *
 * @param name layer/vertex name (a MultiLayerNetwork's unnamed layers are named by index)
 * @param type DL4J layer or vertex type, e.g. {@code ConvolutionLayer}, {@code MergeVertex}, {@code Input}
 * @param inputShape shape of one example going in, e.g. {@code [3, 224, 224]}, or {@code ?} if unknown
 * @param outputShape shape of one example coming out, or {@code ?} if unknown
 * @param params number of parameters
 * @param frozen true if the layer is frozen (its parameters are not trained)
 * @param cutPoint true if the network can be cut right after this layer: everything above it depends on the
 *     input only through this layer's output
 */
public record LayerInfo(String name, String type, String inputShape, String outputShape, long params, boolean frozen,
                        boolean cutPoint) {
}
