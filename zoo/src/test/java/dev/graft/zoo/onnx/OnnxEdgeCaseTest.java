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
    void float16TensorsAreNotOfferedAsCutPointsAndNamingOneGivesItsType() throws Exception {
        OnnxGraph g = OnnxGraph.read(fixture("tiny_fp16_inside.onnx"));
        Map<String, String> types = g.elementTypes();
        assertThat(types.get("/m/f/f.4/Flatten_output_0")).isEqualTo("float16");
        assertThat(types.get("logits")).isEqualTo("float");
        assertThat(g.cutPoints()).extracting(CutPoint::tensor).doesNotContain("/m/f/f.4/Flatten_output_0",
                "/m/f/f.2/Relu_output_0");
        assertThat(g.cutPoints()).allSatisfy(c -> assertThat(types.get(c.tensor())).isEqualTo("float"));
        assertThatThrownBy(() -> g.cutPoint("/m/f/f.4/Flatten_output_0"))
                .hasMessageContaining("'/m/f/f.4/Flatten_output_0'").hasMessageContaining("float16")
                .hasMessageContaining("not float32");
        // a cut made anyway declares the tensor's real type, and the runner refuses it by name (not ORT's error)
        OnnxGraph cut = g.cut("/m/f/f.4/Flatten_output_0");
        assertThat(cut.outputs().get(0).elementType()).isEqualTo("float16");
        assertThatThrownBy(() -> OnnxRunner.open(cut, 1)).hasMessageContaining("'/m/f/f.4/Flatten_output_0'")
                .hasMessageContaining("float16").hasMessageNotContaining("valid ONNX");
        // the whole graph (float32 in and out) still runs as PyTorch did
        Map<String, INDArray> ref = NpzFile.read(fixture("tiny_fp16_inside.npz"));
        try (OnnxRunner r = OnnxRunner.open(g, 1)) {
            ParityReport p = ParityCheck.compare("fp16 inside", r.run(ref.get("input")), ref.get("output"),
                    new Tolerance(2e-3, 1e-2));
            assertThat(p.passed()).as(p.toString()).isTrue();
        }
    }

    @Test
    void aChannelsLastInputIsRefusedAtImportWithHowToExportNchw() {
        assertThatThrownBy(() -> OnnxImporter.builder(fixture("tiny_nhwc.onnx")).build().importModel())
                .hasMessageContaining("[?, 8, 8, 3]").hasMessageContaining("NHWC")
                .hasMessageContaining("--inputs-as-nchw").hasMessageContaining("Transpose");
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
