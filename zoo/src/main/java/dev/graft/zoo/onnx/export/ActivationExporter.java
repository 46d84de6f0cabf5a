package dev.graft.zoo.onnx.export;

import static dev.graft.zoo.onnx.export.OnnxGraphDraft.attr;

import dev.graft.zoo.layers.Affine;
import dev.graft.zoo.layers.GeluExact;
import dev.graft.zoo.layers.HardSilu;
import dev.graft.zoo.layers.KerasHardSigmoid;
import java.util.List;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationCube;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationGELU;
import org.nd4j.linalg.activations.impl.ActivationHardSigmoid;
import org.nd4j.linalg.activations.impl.ActivationHardTanH;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationMish;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.activations.impl.ActivationSELU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftPlus;
import org.nd4j.linalg.activations.impl.ActivationSoftSign;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationSwish;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.activations.impl.ActivationThresholdedReLU;

/**
 * DL4J activation functions as ONNX operators. Definitions are DL4J's (libnd4j's), not the names': DL4J's
 * {@code HARDSIGMOID} is {@code clip(0.2x + 0.5, 0, 1)}, its {@code GELU} the sigmoid approximation
 * {@code x sigmoid(1.702x)}, its softmax runs over the last axis of the array as DL4J holds it.
 */
final class ActivationExporter {
    private ActivationExporter() {
    }

    /** True for the identity (nothing to write). */
    static boolean isIdentity(IActivation fn) {
        return fn == null || fn instanceof ActivationIdentity;
    }

    /**
     * Writes {@code fn} applied to {@code x}; returns the result (x itself for the identity).
     *
     * @throws OnnxExportException for an activation or setting not translated
     */
    static Dl4jTensor apply(OnnxGraphDraft g, IActivation fn, Dl4jTensor x, String where) throws OnnxExportException {
        if (isIdentity(fn)) {
            return x;
        }
        String in = x.name();
        String hint = where + "/" + fn.getClass().getSimpleName().replace("Activation", "").toLowerCase();
        String out;
        if (fn instanceof ActivationReLU) {
            out = relu(g, (ActivationReLU) fn, in, hint, where);
        } else if (fn instanceof ActivationReLU6) {
            out = clip(g, in, 0f, 6f, hint);
        } else if (fn instanceof ActivationLReLU) {
            out = g.node("LeakyRelu", hint, List.of(in), attr("alpha", (float) ((ActivationLReLU) fn).getAlpha()));
        } else if (fn instanceof ActivationELU) {
            out = g.node("Elu", hint, List.of(in), attr("alpha", (float) ((ActivationELU) fn).getAlpha()));
        } else if (fn instanceof ActivationSELU) {
            out = g.node("Selu", hint, List.of(in));
        } else if (fn instanceof ActivationSigmoid) {
            out = g.node("Sigmoid", hint, List.of(in));
        } else if (fn instanceof ActivationTanH) {
            out = g.node("Tanh", hint, List.of(in));
        } else if (fn instanceof ActivationSoftPlus) {
            out = g.node("Softplus", hint, List.of(in));
        } else if (fn instanceof ActivationSoftSign) {
            out = g.node("Softsign", hint, List.of(in));
        } else if (fn instanceof ActivationHardSigmoid) {
            out = g.node("HardSigmoid", hint, List.of(in), attr("alpha", 0.2f), attr("beta", 0.5f));
        } else if (fn instanceof ActivationHardTanH) {
            out = clip(g, in, -1f, 1f, hint);
        } else if (fn instanceof ActivationThresholdedReLU) {
            out = g.node("ThresholdedRelu", hint, List.of(in),
                    attr("alpha", (float) ((ActivationThresholdedReLU) fn).getTheta()));
        } else if (fn instanceof ActivationSwish) {
            out = g.node("Mul", hint, List.of(in, g.node("Sigmoid", hint + "_gate", List.of(in))));
        } else if (fn instanceof ActivationMish) {
            String t = g.node("Tanh", hint + "_t", List.of(g.node("Softplus", hint + "_sp", List.of(in))));
            out = g.node("Mul", hint, List.of(in, t));
        } else if (fn instanceof ActivationCube) {
            out = g.node("Mul", hint, List.of(in, g.node("Mul", hint + "_sq", List.of(in, in))));
        } else if (fn instanceof ActivationGELU) {
            if (((ActivationGELU) fn).isPrecise()) {
                throw unsupported(fn, where, "DL4J's 'precise' GELU (libnd4j precise_gelu) has no ONNX form "
                        + "checked here; use ActivationGELU() (x sigmoid(1.702x)) or Graft's GeluExact (erf)");
            }
            String k = g.floatConst(hint + "_k", new float[] {1.702f});
            String s = g.node("Sigmoid", hint + "_gate", List.of(g.node("Mul", hint + "_kx", List.of(in, k))));
            out = g.node("Mul", hint, List.of(in, s));
        } else if (fn instanceof GeluExact) {
            String r = g.floatConst(hint + "_rsqrt2", new float[] {(float) (1 / Math.sqrt(2))});
            String half = g.floatConst(hint + "_half", new float[] {0.5f});
            String one = g.floatConst(hint + "_one", new float[] {1f});
            String erf = g.node("Erf", hint + "_erf", List.of(g.node("Mul", hint + "_xs", List.of(in, r))));
            String cdf = g.node("Mul", hint + "_cdf", List.of(g.node("Add", hint + "_1p", List.of(erf, one)), half));
            out = g.node("Mul", hint, List.of(in, cdf));
        } else if (fn instanceof KerasHardSigmoid) {
            out = g.node("HardSigmoid", hint, List.of(in), attr("alpha", 1f / 6), attr("beta", 0.5f));
        } else if (fn instanceof HardSilu) {
            out = g.node("HardSwish", hint, List.of(in));
        } else if (fn instanceof Affine) {
            Affine a = (Affine) fn;
            String s = g.floatConst(hint + "_scale", new float[] {(float) a.getScale()});
            String o = g.floatConst(hint + "_offset", new float[] {(float) a.getOffset()});
            out = g.node("Add", hint, List.of(g.node("Mul", hint + "_mul", List.of(in, s)), o));
        } else if (fn instanceof ActivationSoftmax) {
            // libnd4j's softmax runs over the last axis of the array as DL4J holds it
            out = g.node("Softmax", hint, List.of(in), attr("axis", (long) x.graphAxis(-1)));
        } else {
            throw unsupported(fn, where, "translate it in ActivationExporter, or use a supported activation "
                    + "(relu, relu6, leakyrelu, elu, selu, sigmoid, tanh, softplus, softsign, hardsigmoid, "
                    + "hardtanh, swish, mish, cube, gelu, softmax, identity, Graft's GeluExact, KerasHardSigmoid, "
                    + "HardSilu, Affine)");
        }
        return x.renamed(out);
    }

    private static String relu(OnnxGraphDraft g, ActivationReLU fn, String in, String hint, String where)
            throws OnnxExportException {
        double threshold = fn.getThreshold() == null ? 0 : fn.getThreshold();
        double slope = fn.getNegativeSlope() == null ? 0 : fn.getNegativeSlope();
        if (threshold != 0 || slope != 0) {
            throw unsupported(fn, where, "a ReLU with threshold " + threshold + " and negative slope " + slope
                    + " is not translated; only max is");
        }
        if (fn.getMax() == null || Double.isInfinite(fn.getMax())) {
            return g.node("Relu", hint, List.of(in));
        }
        return clip(g, in, 0f, fn.getMax().floatValue(), hint);
    }

    private static String clip(OnnxGraphDraft g, String in, float lo, float hi, String hint) {
        return g.node("Clip", hint, List.of(in, g.floatConst(hint + "_min", new float[] {lo}, new long[0]),
                g.floatConst(hint + "_max", new float[] {hi}, new long[0])));
    }

    private static OnnxExportException unsupported(IActivation fn, String where, String fix) {
        return new OnnxExportException("cannot export activation " + fn + " (" + fn.getClass().getName() + ") of '"
                + where + "' to ONNX: " + fix);
    }
}
