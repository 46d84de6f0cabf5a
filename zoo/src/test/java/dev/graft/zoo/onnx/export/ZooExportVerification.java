package dev.graft.zoo.onnx.export;

import static dev.graft.zoo.onnx.export.ExportChecks.batch;
import static dev.graft.zoo.onnx.export.ExportChecks.calibrateBatchNorms;
import static dev.graft.zoo.onnx.export.ExportChecks.heInitWeights;

import java.util.List;
import java.util.function.IntFunction;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.ZooModel;
import org.deeplearning4j.zoo.model.Darknet19;
import org.deeplearning4j.zoo.model.ResNet50;
import org.deeplearning4j.zoo.model.SqueezeNet;
import org.deeplearning4j.zoo.model.VGG16;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Verification program (not a unit test): DL4J's zoo VGG16, ResNet50, SqueezeNet and Darknet19 with random weights
 * (He-scaled, batch norms calibrated on the batch; nothing downloaded) exported to ONNX, run in ONNX Runtime next to
 * DL4J on a batch of 2, compared at the features (the input of the classifier: what a featurizer freezes) and at the
 * network output. Passes when every feature element is within {@code 1e-4 + 1e-3 |dl4j|}, with and without
 * batch-norm folding; exit status 1 otherwise.
 *
 * <pre>
 * mvn -q -o -pl zoo test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.graft.zoo.onnx.export.ZooExportVerification -Dexec.args="224 vgg16 resnet50"
 * </pre>
 */
public final class ZooExportVerification {
    private ZooExportVerification() {
    }

    /** Arguments: image size (default 224), then model names (default all four). */
    public static void main(String[] args) throws Exception {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 224;
        List<String> names = args.length > 1 ? List.of(args).subList(1, args.length)
                : List.of("vgg16", "resnet50", "squeezenet", "darknet19");
        boolean ok = true;
        for (String n : names) {
            ok &= verify(n, size);
        }
        System.out.println(ok ? "ALL PASSED" : "FAILED");
        System.exit(ok ? 0 : 1);
    }

    /** The classifier's input: back from {@code out} past the loss layer, its activation and the classifier. */
    private static String featuresOf(ComputationGraph net, String out) {
        String v = out;
        while (true) {
            org.deeplearning4j.nn.conf.graph.GraphVertex c = net.getConfiguration().getVertices().get(v);
            if (!(c instanceof org.deeplearning4j.nn.conf.graph.LayerVertex)) {
                return v;
            }
            org.deeplearning4j.nn.conf.layers.Layer l =
                    ((org.deeplearning4j.nn.conf.graph.LayerVertex) c).getLayerConf().getLayer();
            boolean head = l instanceof org.deeplearning4j.nn.conf.layers.LossLayer
                    || l instanceof org.deeplearning4j.nn.conf.layers.ActivationLayer
                    || l instanceof org.deeplearning4j.nn.conf.layers.BaseOutputLayer || v.equals(out);
            if (!head) {
                return v;
            }
            v = net.getConfiguration().getVertexInputs().get(v).get(0);
        }
    }

    private static boolean verify(String name, int size) throws Exception {
        IntFunction<ZooModel<?>> factory;
        int[] shape = {3, size, size};
        switch (name) {
            case "vgg16":
                factory = s -> VGG16.builder().numClasses(10).inputShape(shape).build();
                break;
            case "resnet50":
                factory = s -> ResNet50.builder().numClasses(10).inputShape(shape).build();
                break;
            case "squeezenet":
                factory = s -> SqueezeNet.builder().numClasses(10).inputShape(shape).build();
                break;
            case "darknet19":
                factory = s -> Darknet19.builder().numClasses(10).inputShape(shape).build();
                break;
            default:
                throw new IllegalArgumentException("unknown model '" + name + "'; models are: vgg16, resnet50, "
                        + "squeezenet, darknet19");
        }
        ComputationGraph net = (ComputationGraph) factory.apply(size).init();
        INDArray x = batch(29, 2, 3, size, size);
        heInitWeights(net, 19);
        calibrateBatchNorms(net, x, 23);
        String out = net.getConfiguration().getNetworkOutputs().get(0);
        String features = featuresOf(net, out);
        boolean ok = true;
        for (boolean fold : new boolean[] {true, false}) {
            long t0 = System.nanoTime();
            ExportedOnnxModel atFeatures = OnnxExporter.builder(net).cutAt(features).foldBatchNorm(fold).build()
                    .export();
            long exportMs = (System.nanoTime() - t0) / 1_000_000;
            OnnxParity.Result rf = OnnxParity.check(net, atFeatures, x);
            OnnxParity.Result ro = OnnxParity.check(net,
                    OnnxExporter.builder(net).foldBatchNorm(fold).build().export(), x);
            System.out.printf("%-10s %dx%d fold=%-5s nodes=%d folded=%d export=%d ms | features '%s': %s "
                    + "(max |diff| %.2e, worst ratio %.3f) | output '%s': worst ratio %.3f%n", name, size, size, fold,
                    atFeatures.nodeCount(), atFeatures.foldedBatchNorms(), exportMs, features,
                    rf.passed() ? "PASS" : "FAIL", rf.maxAbsDiff(), rf.worstRatio(), out, ro.worstRatio());
            ok &= rf.passed();
        }
        return ok;
    }
}
