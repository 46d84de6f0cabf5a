package dev.graft.transfer;

import java.util.Arrays;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Copies parameters between layers of the same shape. */
final class Params {
    private Params() {
    }

    /**
     * Copies every parameter of {@code from} into {@code to}.
     *
     * @throws IllegalStateException if the parameter sets or shapes differ (a surgery bug, never user input)
     */
    static void copy(Layer from, Layer to, String name) {
        Map<String, INDArray> src = from.paramTable();
        Map<String, INDArray> dst = to.paramTable();
        if (!src.keySet().equals(dst.keySet())) {
            throw new IllegalStateException("layer '" + name + "': parameters " + src.keySet() + " vs " + dst.keySet());
        }
        for (Map.Entry<String, INDArray> e : src.entrySet()) {
            INDArray d = dst.get(e.getKey());
            if (!Arrays.equals(d.shape(), e.getValue().shape())) {
                throw new IllegalStateException("layer '" + name + "' parameter " + e.getKey() + ": shape "
                        + Arrays.toString(e.getValue().shape()) + " vs " + Arrays.toString(d.shape()));
            }
            d.assign(e.getValue());
        }
    }
}
