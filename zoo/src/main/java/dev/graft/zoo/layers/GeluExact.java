package dev.graft.zoo.layers;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The exact (erf) GELU: {@code y = 0.5 * x * (1 + erf(x / sqrt(2)))}.
 *
 * <p>Source: Keras 3 {@code keras/src/activations/activations.py}: {@code def gelu(x, approximate=False)} — the
 * activation string {@code "gelu"} is this exact form. (Careful: {@code keras.ops.gelu} defaults to
 * {@code approximate=True}, the tanh form {@code 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3)))}.)
 *
 * <p>DL4J has no exact GELU and matches neither Keras 3 form: its {@code ActivationGELU()} (libnd4j {@code gelu}) is
 * the sigmoid approximation {@code x * sigmoid(1.702x)} (0.8458 at x = 1), and {@code ActivationGELU(true)}
 * (libnd4j {@code precise_gelu}) gives 0.8314 at x = 1, where the erf form is 0.8413 and the tanh form
 * (Keras 3 {@code gelu(approximate=True)}) 0.8412; {@code ActivationsTest} measures both. For a Keras
 * {@code gelu(approximate=True)} use the tanh formula, not DL4J's.
 *
 * <p>Element-wise, any shape. Derivative {@code 0.5(1 + erf(x/sqrt 2)) + x * exp(-x^2/2) / sqrt(2 pi)}. Works in
 * place on the array it is given.
 */
public final class GeluExact extends BaseActivationFunction {
    private static final long serialVersionUID = 1L;
    private static final double INV_SQRT2 = 1.0 / Math.sqrt(2.0);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

    /** The activation; it has no settings. */
    public GeluExact() {
    }

    /** {@code 0.5 * (1 + erf(x / sqrt 2))}, the normal CDF, as a new array. */
    private static INDArray cdf(INDArray x) {
        INDArray t = x.mul(INV_SQRT2);
        Nd4j.getExecutioner().exec(new Erf(t, t));
        return t.addi(1.0).muli(0.5);
    }

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        return in.muli(cdf(in));
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        INDArray pdf = Transforms.exp(in.mul(in).muli(-0.5), false).muli(INV_SQRT_2PI);
        INDArray dLdz = pdf.muli(in).addi(cdf(in)).muli(epsilon);
        in.assign(dLdz);
        return new Pair<>(in, null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GeluExact;
    }

    @Override
    public int hashCode() {
        return GeluExact.class.hashCode();
    }

    @Override
    public String toString() {
        return "geluexact";
    }
}
