package dev.graft.zoo.npz;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How an array in an npz archive is laid out, and how it becomes DL4J's layout.
 *
 * <p>DL4J stores dense weights as {@code [nIn, nOut]}, convolution weights as {@code [out, in, kH, kW]} (OIHW)
 * and biases/vectors as {@code [1, n]} or {@code [n]}.
 */
public enum ArrayLayout {
    /** Copied as is (vectors may be reshaped between {@code [n]} and {@code [1, n]}). */
    AS_IS,
    /** Dense weights {@code [out, in]} as PyTorch's {@code nn.Linear} stores them: transposed. */
    DENSE_OUT_IN,
    /** Dense weights {@code [in, out]} as Keras/TensorFlow store them: copied as is. */
    DENSE_IN_OUT,
    /** Convolution weights {@code [out, in, kH, kW]} as PyTorch stores them: copied as is. */
    CONV_OIHW,
    /** Convolution weights {@code [kH, kW, in, out]} as Keras/TensorFlow store them: permuted to OIHW. */
    CONV_HWIO;

    /**
     * Converts {@code source} (in this layout) to DL4J's layout.
     *
     * @throws IllegalArgumentException if the array's rank does not fit this layout
     */
    public INDArray toDl4j(INDArray source, String arrayName) {
        switch (this) {
            case DENSE_OUT_IN:
                requireRank(source, 2, arrayName);
                return source.transpose();
            case DENSE_IN_OUT:
                requireRank(source, 2, arrayName);
                return source;
            case CONV_OIHW:
                requireRank(source, 4, arrayName);
                return source;
            case CONV_HWIO:
                requireRank(source, 4, arrayName);
                return source.permute(3, 2, 0, 1);
            default:
                return source;
        }
    }

    private void requireRank(INDArray a, int rank, String arrayName) {
        if (a.rank() != rank) {
            throw new IllegalArgumentException("npz array '" + arrayName + "' has shape " + Arrays.toString(a.shape())
                    + " but layout " + this + " needs a rank-" + rank + " array");
        }
    }
}
