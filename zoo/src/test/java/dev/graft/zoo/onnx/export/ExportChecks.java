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
