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
import org.nd4j.linalg.factory.Nd4j;

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
    void ceilModePoolingConcatBatchNormAndAMeanWithoutKeptDimsMapFromTheStem() throws Exception {
        // MaxPool with ceil_mode (16 -> 8), Concat over channels, a BatchNormalization no convolution absorbs,
        // ReduceMean(keepdims=0), Gemm
        OnnxGraph g = OnnxGraph.read(fixture("concat_bn.onnx"));
        CutPoint lowest = OnnxToDl4j.lowestMappableCut(g);
        assertThat(lowest.index()).isEqualTo(0); // the stem convolution: everything above it maps
        ComputationGraph top = OnnxToDl4j.convert(g, lowest.tensor(), 1);
        ParityCheck.Reference ref = ParityCheck.reference(fixture("concat_bn.npz"));
        try (OnnxRunner r = OnnxRunner.open(g.cut(lowest.tensor()), 1)) {
            ParityReport p = ParityCheck.compare("onnx + dl4j", top.outputSingle(false, r.run(ref.input())),
                    ref.output(), Tolerance.DEFAULT);
            assertThat(p.passed()).as(p.toString()).isTrue();
        }
        assertThat(top.getLayer(g.opTypes().indexOf("BatchNormalization") >= 0
                ? g.tensorNames().get(g.opTypes().indexOf("BatchNormalization")) : "").numParams()).isEqualTo(4 * 12);
    }

    @Test
    void opset18ReduceMeanWithItsAxesAsAConstantInputMapsAndReproducesPyTorch() throws Exception {
        // the same ConcatNet as concat_bn, exported at opset 18: ReduceMean(x, axes) with axes a Constant [2, 3]
        OnnxGraph g = OnnxGraph.read(fixture("concat_bn_op18.onnx"));
        assertThat(g.opset()).isEqualTo(18);
        int mean = g.opTypes().indexOf("ReduceMean");
        assertThat(g.proto().getGraph().getNode(mean).getInputCount()).isEqualTo(2);
        CutPoint lowest = OnnxToDl4j.lowestMappableCut(g);
        assertThat(lowest.index()).isEqualTo(0);
        assertThat(OnnxToDl4j.unmapped(g, lowest.tensor())).isEmpty();
        ComputationGraph top = OnnxToDl4j.convert(g, lowest.tensor(), 1);
        ParityCheck.Reference ref = ParityCheck.reference(fixture("concat_bn_op18.npz"));
        try (OnnxRunner r = OnnxRunner.open(g.cut(lowest.tensor()), 1)) {
            ParityReport p = ParityCheck.compare("onnx + dl4j", top.outputSingle(false, r.run(ref.input())),
                    ref.output(), Tolerance.DEFAULT);
            assertThat(p.passed()).as(p.toString()).isTrue();
        }
    }

    @Test
    void anOpset10ClipWithMinAndMaxAsAttributesMapsToRelu6() throws Exception {
        OnnxGraph g = OnnxGraph.read(fixture("clip_op10.onnx"));
        assertThat(g.opset()).isEqualTo(10);
        String cut = "/conv/Conv_output_0";
        assertThat(OnnxToDl4j.unmapped(g, cut)).isEmpty();
        ComputationGraph top = OnnxToDl4j.convert(g, cut, 1);
        Nd4j.getRandom().setSeed(10);
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 3, 3, 8, 8).muli(8).subi(2);
        INDArray features;
        INDArray whole;
        try (OnnxRunner r = OnnxRunner.open(g.cut(cut), 1); OnnxRunner w = OnnxRunner.open(g, 1)) {
            features = r.run(x);
            whole = w.run(x);
        }
        // the clip matters: pre-activations below 0 and above 6
        assertThat(features.minNumber().doubleValue()).isLessThan(0);
        assertThat(features.maxNumber().doubleValue()).isGreaterThan(6);
        ParityReport p = ParityCheck.compare("onnx + dl4j", top.outputSingle(false, features), whole, Tolerance.DEFAULT);
        assertThat(p.passed()).as(p.toString()).isTrue();
    }

    @Test
    void unmappableNodesAreNamedUpFrontWithTheirReasonAndConvertRefusesThem() throws Exception {
        // the small CNN with block2's final ReLU turned into an Elu (valid ONNX, no DL4J mapping here)
        onnx.Onnx.ModelProto.Builder m = OnnxGraph.read(fixture("small_cnn.onnx")).proto().toBuilder();
        for (onnx.Onnx.NodeProto.Builder n : m.getGraphBuilder().getNodeBuilderList()) {
            if (n.getName().equals("/block2/Relu")) {
                n.setOpType("Elu");
            }
        }
        OnnxGraph g = OnnxGraph.parse(m.build().toByteArray(), "edited small_cnn");
        assertThat(OnnxToDl4j.unmapped(g, "/block1/Relu_output_0"))
                .containsExactly("'/block2/Relu' (Elu): op not mapped to DL4J");
        assertThat(OnnxToDl4j.unmapped(g, "/block2/Relu_output_0")).isEmpty();
        assertThat(OnnxToDl4j.lowestMappableCut(g).tensor()).isEqualTo("/block2/Relu_output_0");
        assertThatThrownBy(() -> OnnxToDl4j.convert(g, "/block1/Relu_output_0", 1))
                .hasMessageContaining("'/block2/Relu' (Elu)").hasMessageContaining("stay frozen in ONNX Runtime");
    }

    @Test
    void aCutThatIsNotACutPointIsRefused() throws Exception {
        OnnxGraph g = OnnxGraph.read(fixture("small_cnn.onnx"));
        assertThatThrownBy(() -> OnnxToDl4j.convert(g, "/block1/conv1/Conv_output_0", 1))
                .hasMessageContaining("not a cut point");
    }
}
