package dev.graft.zoo.layers;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A fixed scalar affine map {@code y = scale * x + offset}, as an activation.
 *
 * <p>Stands for Keras 3 graph nodes that combine a tensor with a Python scalar: {@code x + 3.0} (stored by Keras 3
 * as an {@code Add} node with a constant argument) is {@code Affine.of(1, 3)}, {@code x * (1/6)} is
 * {@code Affine.of(1.0/6, 0)}, {@code x - c} is {@code Affine.of(1, -c)}. Use it in a DL4J {@code ActivationLayer}.
 *
 * <p>Element-wise, any shape. Derivative {@code scale}. Works in place on the array it is given.
 */
public final class Affine extends BaseActivationFunction {
    private static final long serialVersionUID = 1L;

    @JsonProperty("scale")
    private double scale = 1.0;
    @JsonProperty("offset")
    private double offset;

    /** For JSON. */
    private Affine() {
    }

    private Affine(double scale, double offset) {
        this.scale = scale;
        this.offset = offset;
    }

    /**
     * {@code y = scale * x + offset}.
     *
     * @throws IllegalArgumentException if either value is not finite
     */
    public static Affine of(double scale, double offset) {
        if (!Double.isFinite(scale) || !Double.isFinite(offset)) {
            throw new IllegalArgumentException("Affine scale and offset must be finite, got scale " + scale
                    + ", offset " + offset);
        }
        return new Affine(scale, offset);
    }

    /** The factor {@code a} of {@code a x + b}. */
    public double getScale() {
        return scale;
    }

    /** The term {@code b} of {@code a x + b}. */
    public double getOffset() {
        return offset;
    }

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        if (scale != 1.0) {
            in.muli(scale);
        }
        if (offset != 0.0) {
            in.addi(offset);
        }
        return in;
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        in.assign(epsilon).muli(scale);
        return new Pair<>(in, null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Affine && Double.compare(((Affine) o).scale, scale) == 0
                && Double.compare(((Affine) o).offset, offset) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * Double.hashCode(scale) + Double.hashCode(offset);
    }

    @Override
    public String toString() {
        return "affine(" + scale + "*x+" + offset + ")";
    }
}
