package dev.graft.zoo.onnx;

import static dev.graft.zoo.onnx.OnnxImportTest.fixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.zoo.Normalization;
import dev.graft.zoo.keras.ParityCheck;
import dev.graft.zoo.keras.ParityReport;
import dev.graft.zoo.keras.Tolerance;
import dev.graft.zoo.npz.NpzFile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * What a first user's ONNX exports look like beyond the happy path (fixtures made by
 * zoo/src/test/onnx/make_onnx_fixtures.py --edge): a batch fixed by an export without dynamic_axes, a float16 region
 * behind a float32 input, a channels-last input, labels and mean/std that do not fit the model.
 */
class OnnxEdgeCaseTest {

    @Test
    void aGraphWithItsBatchFixedAtTwoRunsAnyBatchSizeInChunksWithPyTorchsResults() throws Exception {
        OnnxGraph g = OnnxGraph.read(fixture("tiny_fixedbatch2.onnx"));
        assertThat(g.input().shape()[0]).isEqualTo(2);
        Map<String, INDArray> ref = NpzFile.read(fixture("tiny_fixedbatch2.npz"));
        try (OnnxRunner r = OnnxRunner.open(g, 1)) {
            assertThat(r.fixedBatch()).isEqualTo(2);
            // the reference batch of 2 as it is; 5 rows = two chunks and one padded; 1 row = one padded chunk
            check(r.run(ref.get("input")), ref.get("output"), "batch 2");
            check(r.run(ref.get("input5")), ref.get("output5"), "batch 5");
            INDArray one = ref.get("input5").get(NDArrayIndex.interval(4, 5)).dup();
            check(r.run(one), ref.get("output5").get(NDArrayIndex.interval(4, 5)), "batch 1");
            assertThat(r.outputShape(3, 8, 8)).containsExactly(3);
        }
        // cut graphs keep the fixed batch and run any size too
        try (OnnxRunner r = OnnxRunner.open(g.cut(g.cutPoints().get(g.cutPoints().size() - 1).tensor()), 1)) {
            assertThat(r.run(ref.get("input5")).shape()).containsExactly(5, 4);
        }
        // a wrong image size still says what the model takes, without blaming the batch
        try (OnnxRunner r = OnnxRunner.open(g, 1)) {
            assertThatThrownBy(() -> r.run(org.nd4j.linalg.factory.Nd4j.zeros(3, 3, 9, 9)))
                    .hasMessageContaining("[3, 8, 8]").hasMessageContaining("--input-shape");
        }
    }

    private static void check(INDArray got, INDArray expected, String what) {
        ParityReport p = ParityCheck.compare(what, got, expected, Tolerance.DEFAULT);
        assertThat(p.passed()).as(p.toString()).isTrue();
    }

    @Test
    void aFloat16CutIsCastToFloat32InTheCutGraphAndGivesPyTorchsFeatures() throws Exception {
        OnnxGraph g = OnnxGraph.read(fixture("tiny_fp16_inside.onnx"));
        Map<String, String> types = g.elementTypes();
        String flat = "/m/f/f.4/Flatten_output_0";
        assertThat(types.get(flat)).isEqualTo("float16");
        assertThat(types.get("logits")).isEqualTo("float");
        assertThat(g.cutPoint(flat).role()).isEqualTo(CutPoint.Role.LOGITS_INPUT);
        OnnxGraph cut = g.cut(flat);
        assertThat(cut.outputs()).singleElement().satisfies(o -> assertThat(o.elementType()).isEqualTo("float"));
        Map<String, INDArray> ref = NpzFile.read(fixture("tiny_fp16_inside.npz"));
        try (OnnxRunner r = OnnxRunner.open(cut, 1)) {
            INDArray f = r.run(ref.get("input"));
            assertThat(f.shape()).containsExactly(2, 4);
            // float16 values exactly: the cast to float32 adds nothing
            INDArray roundTrip = f.castTo(org.nd4j.linalg.api.buffer.DataType.HALF)
                    .castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
            assertThat(roundTrip.equals(f)).as("float16 values: %s", f).isTrue();
            ParityReport p = ParityCheck.compare("fp16 features", f, ref.get("features"), new Tolerance(2e-3, 1e-2));
            assertThat(p.passed()).as(p.toString()).isTrue();
        }
        try (OnnxRunner r = OnnxRunner.open(g, 1)) {
            ParityReport p = ParityCheck.compare("fp16 inside", r.run(ref.get("input")), ref.get("output"),
                    new Tolerance(2e-3, 1e-2));
            assertThat(p.passed()).as(p.toString()).isTrue();
        }
    }

    @Test
    void aTensorThatIsNotFloatingPointIsNoCutPointAndNamingItGivesItsType() throws Exception {
        // tiny_fixedbatch2 with Relu -> Cast(int64) -> Cast(float) -> GlobalAveragePool
        OnnxGraph g = OnnxGraph.read(fixture("tiny_fixedbatch2.onnx"));
        onnx.Onnx.ModelProto.Builder m = g.proto().toBuilder();
        onnx.Onnx.GraphProto.Builder gb = m.getGraphBuilder();
        int pool = g.opTypes().indexOf("GlobalAveragePool");
        String relu = gb.getNode(pool).getInput(0);
        gb.getNodeBuilder(pool).setInput(0, "back");
        java.util.List<onnx.Onnx.NodeProto> nodes = new java.util.ArrayList<>(gb.getNodeList());
        nodes.add(pool, cast(relu, "asint", onnx.Onnx.TensorProto.DataType.INT64_VALUE));
        nodes.add(pool + 1, cast("asint", "back", onnx.Onnx.TensorProto.DataType.FLOAT_VALUE));
        gb.clearNode().addAllNode(nodes);
        OnnxGraph ints = OnnxGraph.parse(m.build().toByteArray(), "ints.onnx");
        assertThat(ints.elementTypes().get("asint")).isEqualTo("int64");
        assertThat(ints.cutPoints()).extracting(CutPoint::tensor).contains("back").doesNotContain("asint");
        assertThatThrownBy(() -> ints.cutPoint("asint")).hasMessageContaining("'asint'").hasMessageContaining("int64");
        assertThatThrownBy(() -> OnnxRunner.open(ints.cut("asint"), 1)).hasMessageContaining("'asint'")
                .hasMessageContaining("int64").hasMessageNotContaining("valid ONNX");
    }

    private static onnx.Onnx.NodeProto cast(String in, String out, int to) {
        return onnx.Onnx.NodeProto.newBuilder().setOpType("Cast").setName(out).addInput(in).addOutput(out)
                .addAttribute(onnx.Onnx.AttributeProto.newBuilder().setName("to")
                        .setType(onnx.Onnx.AttributeProto.AttributeType.INT).setI(to)).build();
    }

    @Test
    void aChannelsLastInputIsRefusedAtImportWithHowToExportNchw() {
        assertThatThrownBy(() -> OnnxImporter.builder(fixture("tiny_nhwc.onnx")).build().importModel())
                .hasMessageContaining("[?, 8, 8, 3]").hasMessageContaining("NHWC")
                .hasMessageContaining("--inputs-as-nchw").hasMessageContaining("Transpose");
    }

    /**
     * The fuzzer's false refusal: an NCHW input one pixel wide ({@code [?, 4, 1, 1]}, Flatten + Gemm with transB,
     * alpha and beta; tools/import-fuzz/make_onnx_cases.py gemm_transB_alpha_beta) was refused as channels-last.
     */
    @Test
    void anNchwInputOnePixelWideImportsAndComputesWhatOnnxRuntimePythonDid() throws Exception {
        OnnxModel m = OnnxImporter.builder(fixture("gemm_nchw_1x1.onnx")).build().importModel();
        assertThat(m.card().inputShape()).containsExactly(4, 1, 1);
        Map<String, INDArray> ref = NpzFile.read(fixture("gemm_nchw_1x1.npz"));
        try (OnnxRunner r = OnnxRunner.open(m.graph(), 1)) {
            ParityReport p = ParityCheck.compare("gemm", r.run(ref.get("input")), ref.get("output"), Tolerance.DEFAULT);
            assertThat(p.passed()).as(p.toString()).isTrue();
        }
    }

    @Test
    void labelsMustBeOnePerOutputAndMeanStdOnePerChannelAtImport() throws Exception {
        assertThatThrownBy(() -> OnnxImporter.builder(fixture("tiny_fixedbatch2.onnx")).labels(List.of("a", "b"))
                .build().importModel()).hasMessageContaining("2 labels").hasMessageContaining("3 values per example");
        assertThat(OnnxImporter.builder(fixture("tiny_fixedbatch2.onnx")).labels(List.of("a", "b", "c")).build()
                .importModel().card().labels()).containsExactly("a", "b", "c");
        // small_cnn's output is dynamic in its batch only; 5 labels in its metadata fit
        assertThatThrownBy(() -> OnnxImporter.builder(fixture("small_cnn.onnx")).labels(List.of("x"))
                .build().importModel()).hasMessageContaining("1 labels").hasMessageContaining("5 values");
        assertThatThrownBy(() -> OnnxImporter.builder(fixture("tiny_fixedbatch2.onnx"))
                .normalization(Normalization.of(1, new double[] {1, 2, 3, 4}, new double[] {1, 1, 1, 1})).build()
                .importModel()).hasMessageContaining("4 values").hasMessageContaining("3 channels");
        assertThat(OnnxImporter.builder(fixture("tiny_fixedbatch2.onnx"))
                .normalization(Normalization.of(1, new double[] {0.5}, new double[] {0.25})).build().importModel()
                .card().normalization().mean()).containsExactly(0.5);
    }
}
