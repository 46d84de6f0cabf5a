package dev.graft.zoo.onnx.export;

import dev.graft.zoo.GraftModel;
import dev.graft.zoo.keras.KerasImporter;
import dev.graft.zoo.keras.ParityCheck;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Verification program (not a unit test): full-size keras.applications models written by
 * {@code tools/keras-apps/make_applications.py} (random weights, calibrated batch norms, each with its
 * {@code NAME.npz} reference batch) imported by Graft, exported to ONNX and run in ONNX Runtime next to DL4J on the
 * reference input: whole and cut at the classifier's input, with and without batch-norm folding. Passes when every
 * element is within {@code 1e-4 + 1e-3 |dl4j|}; exit status 1 otherwise. Each line also gives the float32 noise floor:
 * the worst ratio of DL4J's float32 result, and of ONNX Runtime's, against DL4J run in float64 (the same tolerance
 * formula) — where DL4J itself is that far from float64, a failing comparison is rounding, not translation.
 *
 * <pre>
 * /opt/kvenv/bin/python tools/keras-apps/make_applications.py /tmp/keras-apps \
 *     --only MobileNetV2,ResNet50V2,DenseNet121,EfficientNetB0,InceptionV3
 * mvn -q -o -pl zoo test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.graft.zoo.onnx.export.KerasExportVerification \
 *     -Dexec.args="/tmp/keras-apps MobileNetV2 ResNet50V2 DenseNet121 EfficientNetB0 InceptionV3"
 * </pre>
 */
public final class KerasExportVerification {
    private KerasExportVerification() {
    }

    /** Arguments: the folder, then model names (files NAME.keras and NAME.npz in it). */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        boolean ok = true;
        for (String name : List.of(args).subList(1, args.length)) {
            long t0 = System.nanoTime();
            GraftModel m = KerasImporter.builder(dir.resolve(name + ".keras")).build().importModel();
            long importS = (System.nanoTime() - t0) / 1_000_000_000;
            Model net = m.network();
            INDArray x = ParityCheck.toNetworkLayout(m, ParityCheck.reference(dir.resolve(name + ".npz")).input());
            Model net64 = net instanceof ComputationGraph
                    ? ((ComputationGraph) net).convertDataType(DataType.DOUBLE)
                    : ((org.deeplearning4j.nn.multilayer.MultiLayerNetwork) net).convertDataType(DataType.DOUBLE);
            String cut = null;
            if (net instanceof ComputationGraph) {
                ComputationGraph g = (ComputationGraph) net;
                String out = g.getConfiguration().getNetworkOutputs().get(0);
                cut = g.getConfiguration().getVertexInputs().get(out).get(0);
            }
            for (String at : cut == null ? new String[] {null} : new String[] {null, cut}) {
                for (boolean fold : new boolean[] {true, false}) {
                    OnnxExporter.Builder b = OnnxExporter.builder(net).foldBatchNorm(fold);
                    if (at != null) {
                        b.cutAt(at);
                    }
                    ExportedOnnxModel e = b.build().export();
                    OnnxParity.Result r = OnnxParity.check(net, e, x);
                    // the float32 noise floor: DL4J's float32 and ONNX Runtime, each against DL4J in float64
                    List<INDArray> f64 = OnnxParity.dl4jOutputs(net64, e, x.castTo(DataType.DOUBLE));
                    List<INDArray> f32 = OnnxParity.dl4jOutputs(net, e, x.dup());
                    List<INDArray> ort = OnnxParity.run(e, 1, x);
                    double dl4jNoise = OnnxParity.compare(e.outputNames(), f64, f32).worstRatio();
                    double ortNoise = OnnxParity.compare(e.outputNames(), f64, ort).worstRatio();
                    System.out.printf("%-16s import %3d s | %-28s fold=%-5s nodes=%4d folded=%3d | %s (max |diff| "
                            + "%.2e, worst ratio %.3f) | vs DL4J float64: DL4J float32 %.3f, ORT %.3f%n", name,
                            importS, at == null ? "whole" : "features '" + at + "'", fold, e.nodeCount(),
                            e.foldedBatchNorms(), r.passed() ? "PASS" : "FAIL", r.maxAbsDiff(), r.worstRatio(),
                            dl4jNoise, ortNoise);
                    ok &= r.passed();
                }
            }
        }
        System.out.println(ok ? "ALL PASSED" : "FAILED");
        System.exit(ok ? 0 : 1);
    }
}
