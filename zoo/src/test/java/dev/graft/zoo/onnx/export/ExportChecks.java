package dev.graft.zoo.onnx.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Shared steps of the export tests: non-trivial batch-norm statistics, export both ways, compare with DL4J. */
final class ExportChecks {
    private ExportChecks() {
    }

    /**
     * Gives every batch norm of {@code net} statistics and scale/shift far from the defaults (mean 0, var 1,
     * gamma 1, beta 0), so that a wrong translation cannot hide.
     */
    static void randomizeBatchNorms(Model net, long seed) {
        Nd4j.getRandom().setSeed(seed);
        Layer[] layers = net instanceof MultiLayerNetwork ? ((MultiLayerNetwork) net).getLayers()
                : ((ComputationGraph) net).getLayers();
        for (Layer l : layers) {
            Map<String, INDArray> p = l.paramTable();
            if (!p.containsKey("mean")) {
                continue;
            }
            long n = p.get("mean").length();
            INDArray var = Nd4j.rand(DataType.FLOAT, n).muli(1.5).addi(0.25);
            l.setParam("mean", Nd4j.randn(DataType.FLOAT, 1, n).muli(0.5).reshape(p.get("mean").shape()));
            if (p.containsKey("var")) {
                l.setParam("var", var.reshape(p.get("var").shape()));
            }
            if (p.containsKey("log10stdev")) {
                l.setParam("log10stdev", Transforms.log(Transforms.sqrt(var), 10).reshape(p.get("log10stdev").shape()));
            }
            if (p.containsKey("gamma")) {
                l.setParam("gamma", Nd4j.rand(DataType.FLOAT, n).muli(1.0).addi(0.5).reshape(p.get("gamma").shape()));
                l.setParam("beta", Nd4j.randn(DataType.FLOAT, 1, n).muli(0.3).reshape(p.get("beta").shape()));
            }
        }
    }

    /**
     * Sets every batch norm of {@code net}'s running statistics to those of its actual input on {@code x} (in
     * topological order, so each sees the normalized activations before it), perturbed a little, and gamma/beta to
     * random values near 1/0: deep zoo networks with their random initialization (ResNet50: truncated normal,
     * std 0.5) otherwise overflow to NaN in a few blocks, in DL4J as in ONNX Runtime.
     */
    static void calibrateBatchNorms(ComputationGraph net, INDArray x, long seed) {
        Nd4j.getRandom().setSeed(seed);
        for (int idx : net.topologicalSortOrder()) {
            org.deeplearning4j.nn.graph.vertex.GraphVertex v = net.getVertices()[idx];
            if (!v.hasLayer() || !v.getLayer().paramTable().containsKey("mean")) {
                continue;
            }
            Layer l = v.getLayer();
            String input = net.getConfiguration().getVertexInputs().get(v.getVertexName()).get(0);
            INDArray act = net.getConfiguration().getNetworkInputs().contains(input) ? x
                    : OnnxParity.activation(net, input, x);
            org.deeplearning4j.nn.conf.layers.BatchNormalization conf =
                    (org.deeplearning4j.nn.conf.layers.BatchNormalization) l.conf().getLayer();
            int[] axes = act.rank() == 2 ? new int[] {0}
                    : conf.getCnn2DFormat() == org.deeplearning4j.nn.conf.CNN2DFormat.NHWC ? new int[] {0, 1, 2}
                    : new int[] {0, 2, 3};
            long n = l.paramTable().get("mean").length();
            INDArray mean = act.mean(axes).castTo(DataType.FLOAT);
            INDArray var = act.var(false, axes).castTo(DataType.FLOAT).addi(1e-3)
                    .muli(Nd4j.rand(DataType.FLOAT, n).muli(0.4).addi(0.8));
            mean.addi(Transforms.sqrt(var).muli(Nd4j.randn(DataType.FLOAT, n).muli(0.1)));
            Map<String, INDArray> p = l.paramTable();
            l.setParam("mean", mean.reshape(p.get("mean").shape()));
            if (p.containsKey("var")) {
                l.setParam("var", var.reshape(p.get("var").shape()));
            }
            if (p.containsKey("log10stdev")) {
                l.setParam("log10stdev", Transforms.log(Transforms.sqrt(var), 10).reshape(p.get("log10stdev").shape()));
            }
            if (p.containsKey("gamma")) {
                l.setParam("gamma", Nd4j.rand(DataType.FLOAT, n).muli(0.4).addi(0.8).reshape(p.get("gamma").shape()));
                l.setParam("beta", Nd4j.randn(DataType.FLOAT, 1, n).muli(0.1).reshape(p.get("beta").shape()));
            }
        }
    }

    /**
     * Redraws every weight {@code W} of {@code net} from a normal distribution with He's scale
     * {@code sqrt(2 / fan-in)}. DL4J's zoo ResNet50 initializes with a truncated normal of std 0.5, which makes
     * the network so ill-conditioned that DL4J's own float32 result differs from its float64 result by 6x the
     * export tolerance at the pooled features (measured); with He-scaled weights float32 rounding stays far
     * below it, so the comparison tests the translation, not the init.
     */
    static void heInitWeights(ComputationGraph net, long seed) {
        Nd4j.getRandom().setSeed(seed);
        for (Layer l : net.getLayers()) {
            INDArray w = l.paramTable().get("W");
            if (w == null) {
                continue;
            }
            long fanIn = w.rank() == 2 ? w.size(0) : w.length() / w.size(0);
            l.setParam("W", Nd4j.randn(w.dataType(), w.shape()).muli(Math.sqrt(2.0 / fanIn)));
        }
    }

    /** A random batch of {@code shape} (values in [-1, 1)), seeded. */
    static INDArray batch(long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, shape).muli(2).subi(1);
    }

    /**
     * Exports {@code exporter}'s network with and without batch-norm folding, runs both in ONNX Runtime and asserts
     * each agrees with DL4J element-wise within 1e-4 + 1e-3 |dl4j|; returns the folded export.
     */
    static ExportedOnnxModel assertExportMatches(OnnxExporter.Builder exporter, Model net, INDArray... inputs)
            throws Exception {
        ExportedOnnxModel plain = exporter.foldBatchNorm(false).build().export();
        OnnxParity.Result r = OnnxParity.check(net, plain, inputs);
        assertThat(r.passed()).as("unfolded export: " + r).isTrue();
        assertThat(plain.foldedBatchNorms()).isZero();
        ExportedOnnxModel folded = exporter.foldBatchNorm(true).build().export();
        OnnxParity.Result rf = OnnxParity.check(net, folded, inputs);
        assertThat(rf.passed()).as("folded export: " + rf).isTrue();
        return folded;
    }
}
