package dev.graft.zoo.layers;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Keras 3's hard sigmoid: {@code y = relu6(x + 3) / 6}, i.e. 0 for x &le; -3, 1 for x &ge; 3, {@code x/6 + 1/2}
 * between.
 *
 * <p>Source: Keras 3 {@code keras/src/activations/activations.py} {@code hard_sigmoid} (which calls
 * {@code keras.ops.hard_sigmoid}, {@code relu6(x + 3) / 6}). DL4J's {@code ActivationHardSigmoid} is the Keras 2
 * definition {@code clip(0.2x + 0.5, 0, 1)} and differs from this one everywhere except at 0.
 *
 * <p>Element-wise, any shape. Derivative 1/6 on (-3, 3), 0 elsewhere. Like DL4J's own activations, it works in
 * place on the array it is given.
 */
public final class KerasHardSigmoid extends BaseActivationFunction {
    private static final long serialVersionUID = 1L;

    /** The activation; it has no settings. */
    public KerasHardSigmoid() {
    }

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        return apply(in);
    }

    /** {@code relu6(x + 3) / 6} in place on {@code x}; returns {@code x}. */
    static INDArray apply(INDArray x) {
        x.addi(3.0);
        Transforms.min(x, 6.0, false);
        Transforms.max(x, 0.0, false);
        return x.divi(6.0);
    }

    /** 1/6 where -3 &lt; x &lt; 3, else 0 (a new array). */
    static INDArray derivative(INDArray x) {
        INDArray inside = x.gt(-3.0).castTo(x.dataType()).muli(x.lt(3.0).castTo(x.dataType()));
        return inside.divi(6.0);
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        INDArray dLdz = derivative(in).muli(epsilon);
        in.assign(dLdz);
        return new Pair<>(in, null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KerasHardSigmoid;
    }

    @Override
    public int hashCode() {
        return KerasHardSigmoid.class.hashCode();
    }

    @Override
    public String toString() {
        return "kerashardsigmoid";
    }
}
