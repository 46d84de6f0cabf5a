package dev.graft.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Folds inference-mode batch norm into the convolution before it, and an activation layer after that into the
 * convolution's activation, in a graph's inference copy.
 *
 * <p>In inference batch norm is a per-channel affine map, {@code y = (x - mean) / sqrt(var + eps) * gamma + beta}; a
 * convolution followed by it equals one convolution with kernels scaled by {@code s = gamma / sqrt(var + eps)} per
 * output channel and bias {@code (b - mean) * s + beta}. The graph then skips batch norm's pass over the
 * activations and the activation layer's copy of them (ResNet50 has 53 of each). Features change by float rounding
 * only (tested). Used by {@link ChannelsLast} for featurizing; training copies are never folded.
 */
final class BatchNormFolding {
    /** One convolution and the batch-norm layer folded into it. */
    record Fold(String conv, String batchNorm) {
    }

    private BatchNormFolding() {
    }

    /**
     * Rewrites {@code conf}: every batch norm whose only input is a plain convolution that feeds nothing else is
     * removed and the convolution takes its place (bias on); an activation layer that is then the convolution's
     * only consumer becomes the convolution's activation. Vertices in {@code keep} are not removed. Returns the
     * folds, whose parameters {@link #foldParameters} computes once the copy exists.
     */
    static List<Fold> rewrite(ComputationGraphConfiguration conf, Set<String> keep) {
        Map<String, GraphVertex> vertices = conf.getVertices();
        Map<String, List<String>> inputs = conf.getVertexInputs();
        List<Fold> folds = new ArrayList<>();
        for (String bnName : new ArrayList<>(vertices.keySet())) {
            BatchNormalization bn = layerOf(vertices.get(bnName), BatchNormalization.class);
            List<String> bnInputs = inputs.get(bnName);
            if (bn == null || keep.contains(bnName) || bnInputs == null || bnInputs.size() != 1
                    || ((LayerVertex) vertices.get(bnName)).getPreProcessor() != null || bn.isLockGammaBeta()) {
                continue;
            }
            String convName = bnInputs.get(0);
            ConvolutionLayer conv = layerOf(vertices.get(convName), ConvolutionLayer.class);
            if (conv == null || conv.getClass() != ConvolutionLayer.class
                    || !(conv.getActivationFn() instanceof ActivationIdentity) || consumers(inputs, convName).size() != 1
                    || conv.getCnn2dDataFormat() != bn.getCnn2DFormat()) {
                continue;
            }
            conv.setActivationFn(bn.getActivationFn());
            conv.setHasBias(true);
            bypass(conf, bnName, convName);
            folds.add(new Fold(convName, bnName));
            List<String> next = consumers(inputs, convName);
            if (next.size() == 1 && !keep.contains(next.get(0)) && conv.getActivationFn() instanceof ActivationIdentity) {
                ActivationLayer act = layerOf(vertices.get(next.get(0)), ActivationLayer.class);
                if (act != null && ((LayerVertex) vertices.get(next.get(0))).getPreProcessor() == null) {
                    conv.setActivationFn(act.getActivationFn());
                    bypass(conf, next.get(0), convName);
                }
            }
        }
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);
        return folds;
    }

    /**
     * Sets each folded convolution of {@code copy} from the convolution and batch norm of {@code original}.
     */
    static void foldParameters(List<Fold> folds, ComputationGraph original, ComputationGraph copy) {
        for (Fold f : folds) {
            org.deeplearning4j.nn.api.Layer bnLayer = original.getLayer(f.batchNorm());
            BatchNormalization bn = (BatchNormalization) bnLayer.conf().getLayer();
            INDArray mean = bnLayer.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN).castTo(DataType.DOUBLE);
            INDArray var;
            if (bnLayer.paramTable().containsKey(BatchNormalizationParamInitializer.GLOBAL_VAR)) {
                var = bnLayer.getParam(BatchNormalizationParamInitializer.GLOBAL_VAR).castTo(DataType.DOUBLE);
            } else { // DL4J's log10(std) parameterisation: var = (10^log10std)^2
                INDArray log10std = bnLayer.getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD)
                        .castTo(DataType.DOUBLE);
                var = Transforms.pow(Nd4j.valueArrayOf(log10std.shape(), 10.0, DataType.DOUBLE), log10std, false);
                var.muli(var);
            }
            INDArray gamma = bnLayer.getParam(BatchNormalizationParamInitializer.GAMMA).castTo(DataType.DOUBLE);
            INDArray beta = bnLayer.getParam(BatchNormalizationParamInitializer.BETA).castTo(DataType.DOUBLE);
            INDArray scale = gamma.div(Transforms.sqrt(var.add(bn.getEps()), false)).reshape(-1);

            org.deeplearning4j.nn.api.Layer from = original.getLayer(f.conv());
            org.deeplearning4j.nn.api.Layer to = copy.getLayer(f.conv());
            INDArray w = from.getParam("W").castTo(DataType.DOUBLE);
            long nOut = w.size(0);
            INDArray folded = w.reshape('c', nOut, w.length() / nOut).mulColumnVector(scale.reshape(nOut, 1));
            to.getParam("W").assign(folded.reshape('c', w.shape()).castTo(to.getParam("W").dataType()));
            INDArray b = from.paramTable().containsKey("b") ? from.getParam("b").castTo(DataType.DOUBLE).reshape(-1)
                    : Nd4j.zeros(DataType.DOUBLE, nOut);
            INDArray bias = b.sub(mean.reshape(-1)).muli(scale).addi(beta.reshape(-1));
            to.getParam("b").assign(bias.reshape(to.getParam("b").shape()).castTo(to.getParam("b").dataType()));
        }
    }

    /** Removes {@code vertex} (single input {@code source}); its consumers read {@code source} instead. */
    private static void bypass(ComputationGraphConfiguration conf, String vertex, String source) {
        Map<String, List<String>> inputs = conf.getVertexInputs();
        for (Map.Entry<String, List<String>> e : inputs.entrySet()) {
            if (e.getValue().contains(vertex)) {
                List<String> in = new ArrayList<>(e.getValue());
                in.replaceAll(n -> n.equals(vertex) ? source : n);
                e.setValue(in);
            }
        }
        List<String> outputs = new ArrayList<>(conf.getNetworkOutputs());
        outputs.replaceAll(n -> n.equals(vertex) ? source : n);
        conf.setNetworkOutputs(outputs);
        conf.getVertices().remove(vertex);
        inputs.remove(vertex);
    }

    private static List<String> consumers(Map<String, List<String>> inputs, String vertex) {
        List<String> out = new ArrayList<>();
        inputs.forEach((v, in) -> {
            if (in.contains(vertex)) {
                out.add(v);
            }
        });
        return out;
    }

    private static <T> T layerOf(GraphVertex v, Class<T> type) {
        if (v instanceof LayerVertex && type.isInstance(((LayerVertex) v).getLayerConf().getLayer())) {
            return type.cast(((LayerVertex) v).getLayerConf().getLayer());
        }
        return null;
    }
}
