package dev.graft.zoo.onnx;

import static dev.graft.zoo.onnx.OnnxImportTest.fixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.zoo.keras.ParityCheck;
import dev.graft.zoo.keras.ParityReport;
import dev.graft.zoo.keras.Tolerance;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The ONNX nodes above a cut as DL4J layers with the ONNX weights: ONNX Runtime up to the cut, then the DL4J graph,
 * must give PyTorch's logits.
 */
class OnnxToDl4jTest {

    @ParameterizedTest
    @CsvSource({
        // residual block with squeeze-excite (ReduceMean, 1x1 convs, Sigmoid, broadcast Mul), HardSwish, Clip 0..6
        "small_cnn, /block1/Relu_output_0",
        "small_cnn, /pool/MaxPool_output_0",
        "small_cnn, /Flatten_output_0",
        // inverted residuals: depthwise convs, HardSigmoid gates, HardSwish, GAP + Flatten, two Gemms
        "mobilenet_v3_small_025, /features/features.8/Add_output_0",
        "mobilenet_v3_small_025, /features/features.0/features.0.2/HardSwish_output_0",
    })
    void onnxRuntimeBelowTheCutAndDl4jAboveReproducePyTorch(String name, String cut) throws Exception {
        OnnxGraph g = OnnxGraph.read(fixture(name + ".onnx"));
        assertThat(OnnxToDl4j.unmapped(g, cut)).isEmpty();
        ComputationGraph top = OnnxToDl4j.convert(g, cut, 1);
        ParityCheck.Reference ref = ParityCheck.reference(fixture(name + ".npz"));
        INDArray features;
        try (OnnxRunner r = OnnxRunner.open(g.cut(cut), 1)) {
            features = r.run(ref.input());
        }
        INDArray got = top.outputSingle(false, features);
        ParityReport p = ParityCheck.compare("onnx + dl4j", got, ref.output(), Tolerance.DEFAULT);
        assertThat(p.passed()).as(p.toString()).isTrue();
        assertThat(top.numParams()).isPositive();
    }

    @Test
    void theWholeOfBothFixturesMapsFromTheirFirstCutPoint() throws Exception {
        for (String name : List.of("small_cnn", "mobilenet_v3_small_025")) {
            OnnxGraph g = OnnxGraph.read(fixture(name + ".onnx"));
            CutPoint lowest = OnnxToDl4j.lowestMappableCut(g);
            CutPoint first = g.cutPoints().stream().filter(c -> c.role() != CutPoint.Role.INNER).findFirst().orElseThrow();
            assertThat(lowest).as(name).isEqualTo(first);
        }
    }

    @Test
    void aCutThatIsNotACutPointIsRefused() throws Exception {
        OnnxGraph g = OnnxGraph.read(fixture("small_cnn.onnx"));
        assertThatThrownBy(() -> OnnxToDl4j.convert(g, "/block1/conv1/Conv_output_0", 1))
                .hasMessageContaining("not a cut point");
    }
}
