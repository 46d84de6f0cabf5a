package dev.graft.zoo.onnx.export;

import dev.graft.zoo.GraftModel;
import dev.graft.zoo.keras.KerasImporter;
import dev.graft.zoo.keras.ParityCheck;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Verification program (not a unit test): full-size keras.applications models written by
 * {@code tools/keras-apps/make_applications.py} (random weights, calibrated batch norms, each with its
 * {@code NAME.npz} reference batch) imported by Graft, exported to ONNX and run in ONNX Runtime next to DL4J on the
 * reference input: whole and cut at the classifier's input, with and without batch-norm folding. Passes when every
 * element is within {@code 1e-4 + 1e-3 |dl4j|}; exit status 1 otherwise.
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
                    System.out.printf("%-16s import %3d s | %-28s fold=%-5s nodes=%4d folded=%3d | %s (max |diff| "
                            + "%.2e, worst ratio %.3f)%n", name, importS, at == null ? "whole" : "features '" + at
                            + "'", fold, e.nodeCount(), e.foldedBatchNorms(), r.passed() ? "PASS" : "FAIL",
                            r.maxAbsDiff(), r.worstRatio());
                    ok &= r.passed();
                }
            }
        }
        System.out.println(ok ? "ALL PASSED" : "FAILED");
        System.exit(ok ? 0 : 1);
    }
}
