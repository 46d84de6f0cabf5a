package dev.graft.zoo.layers;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Hard SiLU, also called hard swish: {@code y = x * relu6(x + 3) / 6}.
 *
 * <p>Source: Keras 3 {@code keras/src/activations/activations.py} {@code hard_silu} (alias {@code hard_swish}),
 * which calls {@code keras.ops.hard_silu}: {@code x * hard_sigmoid(x)} with Keras 3's
 * {@link KerasHardSigmoid hard sigmoid}. MobileNetV3 uses it.
 *
 * <p>Element-wise, any shape. Derivative: 0 for x &le; -3, 1 for x &ge; 3, {@code (2x + 3) / 6} between. Works in
 * place on the array it is given.
 */
public final class HardSilu extends BaseActivationFunction {
    private static final long serialVersionUID = 1L;

    /** The activation; it has no settings. */
    public HardSilu() {
    }

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        INDArray gate = KerasHardSigmoid.apply(in.dup());
        return in.muli(gate);
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        // d/dx [x h(x)] = h(x) + x h'(x)
        INDArray h = KerasHardSigmoid.apply(in.dup());
        INDArray dh = KerasHardSigmoid.derivative(in);
        INDArray dLdz = dh.muli(in).addi(h).muli(epsilon);
        in.assign(dLdz);
        return new Pair<>(in, null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HardSilu;
    }

    @Override
    public int hashCode() {
        return HardSilu.class.hashCode();
    }

    @Override
    public String toString() {
        return "hardsilu";
    }
}
