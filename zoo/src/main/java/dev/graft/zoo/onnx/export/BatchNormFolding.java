package dev.graft.zoo.onnx.export;

import dev.graft.zoo.onnx.export.OnnxGraphDraft.FloatConst;
import dev.graft.zoo.onnx.export.OnnxGraphDraft.Node;
import java.util.ArrayList;
import java.util.List;
import onnx.Onnx;

/**
 * Folds inference batch normalization into the convolution before it: {@code Conv -> BatchNormalization} becomes
 * one {@code Conv} with weights {@code W[o] * s[o]} and bias {@code (b[o] - mean[o]) * s[o] + beta[o]}, where
 * {@code s = gamma / sqrt(var + eps)}. Folded only where that computes the same: the convolution's output feeds
 * the batch norm and nothing else (no activation between, not a graph output), and its weights and bias are
 * constants read by that convolution alone. Arithmetic in double, stored as float.
 */
final class BatchNormFolding {
    private BatchNormFolding() {
    }

    /** Folds every foldable pair of {@code g} in place; returns how many batch norms were folded. */
    static int apply(OnnxGraphDraft g) {
        int folded = 0;
        for (Node bn : new ArrayList<>(g.nodes)) {
            if (bn.op.equals("BatchNormalization") && fold(g, bn)) {
                folded++;
            }
        }
        return folded;
    }

    private static boolean fold(OnnxGraphDraft g, Node bn) {
        String x = bn.inputs.get(0);
        Node conv = g.producer(x);
        if (conv == null || !conv.op.equals("Conv") || g.isGraphOutput(x) || g.consumers(x).size() != 1) {
            return false;
        }
        FloatConst w = g.floats.get(conv.inputs.get(1));
        FloatConst b = conv.inputs.size() > 2 ? g.floats.get(conv.inputs.get(2)) : null;
        if (w == null || (conv.inputs.size() > 2 && b == null) || !readOnlyBy(g, conv, conv.inputs.get(1))
                || (b != null && !readOnlyBy(g, conv, conv.inputs.get(2)))) {
            return false;
        }
        FloatConst gamma = g.floats.get(bn.inputs.get(1));
        FloatConst beta = g.floats.get(bn.inputs.get(2));
        FloatConst mean = g.floats.get(bn.inputs.get(3));
        FloatConst var = g.floats.get(bn.inputs.get(4));
        Onnx.AttributeProto epsAttr = bn.attribute("epsilon");
        double eps = epsAttr == null ? 1e-5 : epsAttr.getF();
        int out = (int) w.dims[0];
        if (gamma == null || beta == null || mean == null || var == null || gamma.values.length != out) {
            return false;
        }
        int per = w.values.length / out;
        float[] newW = new float[w.values.length];
        float[] newB = new float[out];
        for (int o = 0; o < out; o++) {
            double s = gamma.values[o] / Math.sqrt((double) var.values[o] + eps);
            for (int i = 0; i < per; i++) {
                newW[o * per + i] = (float) (w.values[o * per + i] * s);
            }
            double bias = b == null ? 0 : b.values[o];
            newB[o] = (float) ((bias - mean.values[o]) * s + beta.values[o]);
        }
        g.floats.put(conv.inputs.get(1), new FloatConst(newW, w.dims));
        String biasName = g.floatConst(bn.name + "/folded_b", newB, out);
        List<String> in = new ArrayList<>(conv.inputs.subList(0, 2));
        in.add(biasName);
        conv.inputs.clear();
        conv.inputs.addAll(in);
        // the convolution now writes the batch norm's output tensor
        conv.outputs.set(0, bn.outputs.get(0));
        g.nodes.remove(bn);
        return true;
    }

    private static boolean readOnlyBy(OnnxGraphDraft g, Node node, String tensor) {
        List<Node> readers = g.consumers(tensor);
        return readers.size() == 1 && readers.get(0) == node;
    }
}
