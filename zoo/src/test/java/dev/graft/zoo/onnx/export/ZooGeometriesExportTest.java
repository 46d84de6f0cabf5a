package dev.graft.zoo.onnx.export;

import static dev.graft.zoo.onnx.export.ExportChecks.assertExportMatches;
import static dev.graft.zoo.onnx.export.ExportChecks.batch;
import static dev.graft.zoo.onnx.export.ExportChecks.calibrateBatchNorms;
import static dev.graft.zoo.onnx.export.ExportChecks.heInitWeights;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.model.Darknet19;
import org.deeplearning4j.zoo.model.SqueezeNet;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's zoo SqueezeNet and Darknet19 with random weights (nothing downloaded) at 64x64, exported whole and run in
 * ONNX Runtime next to DL4J. VGG16 and ResNet50 take longer than a unit test should (DL4J's forward passes on
 * two shared cores): {@link ZooExportVerification} runs all four, at 224x224 by default.
 */
class ZooGeometriesExportTest {
    private static final int SIZE = 64;

    private static void check(ComputationGraph net) throws Exception {
        INDArray x = batch(29, 2, 3, SIZE, SIZE);
        heInitWeights(net, 19);
        calibrateBatchNorms(net, x, 23);
        assertExportMatches(OnnxExporter.builder(net), net, x);
    }

    @Test
    void squeezeNet() throws Exception {
        check((ComputationGraph) SqueezeNet.builder().numClasses(10).inputShape(new int[] {3, SIZE, SIZE}).build()
                .init());
    }

    @Test
    void darknet19() throws Exception {
        check((ComputationGraph) Darknet19.builder().numClasses(10).inputShape(new int[] {3, SIZE, SIZE}).build()
                .init());
    }
}
