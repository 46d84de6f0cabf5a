package dev.graft.zoo.onnx;

/**
 * A tensor an ONNX graph can be cut at (see {@link OnnxGraph#cutPoints()}): everything above it needs nothing else
 * from below it.
 *
 * @param tensor the tensor's name, e.g. {@code /Flatten_output_0}; what {@code --cut} takes
 * @param node the name of the node producing it, e.g. {@code /Flatten}
 * @param opType that node's op, e.g. {@code Flatten}
 * @param index that node's position in the graph (topological order)
 * @param role what kind of cut it is
 */
public record CutPoint(String tensor, String node, String opType, int index, Role role) {
    /** What kind of cut a cut point is, for listing the sensible ones first. */
    public enum Role {
        /** The input of the final classifier (a Gemm or MatMul): the usual place to put a new head. */
        LOGITS_INPUT,
        /** Pooled features (a global pooling, a flatten or a reshape after the last convolution). */
        POOLED,
        /** The output of a block: the exporter's module scope (two levels, e.g. {@code /layer4/layer4.1}) ends here. */
        BLOCK,
        /** Any other single tensor everything passes through (inside a block without a skip connection). */
        INNER;

        /** Lower-case name with a dash, e.g. {@code logits-input}. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    @Override
    public String toString() {
        return tensor + " (" + opType + ", " + role.label() + ")";
    }
}
