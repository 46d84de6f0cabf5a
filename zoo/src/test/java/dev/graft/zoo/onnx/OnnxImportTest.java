package dev.graft.zoo.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelArchive;
import dev.graft.zoo.Normalization;
import dev.graft.zoo.SourceKind;
import dev.graft.zoo.keras.ParityCheck;
import dev.graft.zoo.keras.ParityReport;
import dev.graft.zoo.keras.Tolerance;
import dev.graft.zoo.npz.NpzFile;
import java.net.URISyntaxException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * ONNX import against PyTorch: the fixtures of zoo/src/test/resources/onnx are made by
 * zoo/src/test/onnx/make_onnx_fixtures.py (torch export, opset 17, dynamic batch, random BN statistics) with PyTorch's
 * outputs and pooled features beside them.
 */
class OnnxImportTest {
    static final String CNN_POOLED = "/Flatten_output_0";

    static Path fixture(String name) {
        try {
            return Path.of(OnnxImportTest.class.getResource("/onnx/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test fixture onnx/" + name
                    + "; run zoo/src/test/onnx/make_onnx_fixtures.py", e);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"small_cnn", "mobilenet_v3_small_025", "concat_bn"})
    void wholeGraphOnOnnxRuntimeReproducesPyTorchsOutputs(String name) throws Exception {
        OnnxGraph g = OnnxGraph.read(fixture(name + ".onnx"));
        ParityCheck.Reference ref = ParityCheck.reference(fixture(name + ".npz"));
        try (OnnxRunner r = OnnxRunner.open(g, 1)) {
            ParityReport p = ParityCheck.compare("onnx", r.run(ref.input()), ref.output(), Tolerance.DEFAULT);
            assertThat(p.passed()).as(p.toString()).isTrue();
            assertThat(p.maxAbsDiff()).isLessThan(1e-4);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"small_cnn", "mobilenet_v3_small_025"})
    void graphCutAtThePooledFeaturesReproducesPyTorchsFeatures(String name) throws Exception {
        OnnxGraph g = OnnxGraph.read(fixture(name + ".onnx"));
        List<CutPoint> pooled = g.cutPoints().stream().filter(c -> c.role() == CutPoint.Role.POOLED
                || c.role() == CutPoint.Role.LOGITS_INPUT).toList();
        assertThat(pooled).extracting(CutPoint::tensor).contains(CNN_POOLED);
        OnnxGraph base = g.cut(CNN_POOLED);
        assertThat(base.outputs()).extracting(OnnxGraph.Port::name).containsExactly(CNN_POOLED);
        assertThat(base.nodeCount()).isLessThan(g.nodeCount());
        assertThat(base.initializerCount()).isLessThan(g.initializerCount()); // the classifier's weights pruned
        Map<String, INDArray> ref = NpzFile.read(fixture(name + ".npz"));
        try (OnnxRunner r = OnnxRunner.open(base, 2)) {
            INDArray got = r.run(ref.get("input"));
            assertThat(got.shape()).isEqualTo(ref.get("features").shape());
            ParityReport p = ParityCheck.compare("cut", got, ref.get("features"), Tolerance.DEFAULT);
            assertThat(p.passed()).as(p.toString()).isTrue();
        }
    }

    @Test
    void cutPointsOfTheSmallCnnAreItsBlockOutputsPooledFeaturesAndLogitsInput() throws Exception {
        OnnxGraph g = OnnxGraph.read(fixture("small_cnn.onnx"));
        List<CutPoint> cuts = g.cutPoints();
        assertThat(cuts).filteredOn(c -> c.role() == CutPoint.Role.LOGITS_INPUT).extracting(CutPoint::tensor)
                .containsExactly(CNN_POOLED);
        assertThat(cuts).filteredOn(c -> c.role() == CutPoint.Role.BLOCK).extracting(CutPoint::tensor)
                .contains("/block1/Relu_output_0", "/block2/Relu_output_0");
        // inside a residual block the input is still needed by the Add: no cut there
        assertThat(cuts).extracting(CutPoint::tensor).doesNotContain("/block1/conv1/Conv_output_0",
                "/block1/se/Mul_output_0", "logits");
        // cut points are in graph order
        assertThat(cuts).extracting(CutPoint::index).isSorted();
    }

    @Test
    void everyCutPointOfMobileNetRunsOnOnnxRuntimeAndMatchesTheSameTensorOfTheWholeGraph() throws Exception {
        OnnxGraph g = OnnxGraph.read(fixture("mobilenet_v3_small_025.onnx"));
        INDArray x = ParityCheck.reference(fixture("mobilenet_v3_small_025.npz")).input();
        List<CutPoint> cuts = g.cutPoints();
        assertThat(cuts.size()).isGreaterThan(10);
        assertThat(cuts).extracting(CutPoint::role).contains(CutPoint.Role.BLOCK, CutPoint.Role.POOLED,
                CutPoint.Role.LOGITS_INPUT);
        // reference: ONNX Runtime on the unpruned graph, every cut tensor added as an extra graph output
        onnx.Onnx.GraphProto.Builder all = g.proto().getGraph().toBuilder();
        for (CutPoint c : cuts) {
            all.addOutput(onnx.Onnx.ValueInfoProto.newBuilder().setName(c.tensor()));
        }
        byte[] allOutputs = g.proto().toBuilder().setGraph(all).build().toByteArray();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(allOutputs, new OrtSession.SessionOptions());
             OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.dup('c').data().asFloat()), x.shape());
             OrtSession.Result res = s.run(Map.of("input", t))) {
            for (CutPoint c : cuts) {
                OnnxTensor ref = (OnnxTensor) res.get(c.tensor()).orElseThrow();
                try (OnnxRunner r = OnnxRunner.open(g.cut(c.tensor()), 1)) {
                    INDArray got = r.run(x);
                    assertThat(got.shape()).as(c.toString()).isEqualTo(ref.getInfo().getShape());
                    float[] expected = new float[(int) got.length()];
                    ref.getFloatBuffer().get(expected);
                    INDArray e = Nd4j.create(expected, got.shape(), 'c');
                    assertThat(got.sub(e).amaxNumber().doubleValue()).as(c.toString()).isLessThan(1e-5);
                }
            }
        }
    }

    @Test
    void importReadsTheCardFromMetadataAndSavedModelRoundTripsWithItsOnnxBytesIntact(@TempDir Path dir)
            throws Exception {
        Path file = fixture("small_cnn.onnx");
        OnnxModel m = OnnxImporter.builder(file).build().importModel();
        assertThat(m.card().source()).isEqualTo(SourceKind.ONNX);
        assertThat(m.card().layout()).isEqualTo(InputLayout.NCHW);
        assertThat(m.card().inputShape()).containsExactly(3, 32, 32);
        assertThat(m.card().normalization()).isEqualTo(Normalization.of(1, new double[] {0.485, 0.456, 0.406},
                new double[] {0.229, 0.224, 0.225}));
        assertThat(m.card().labels()).containsExactly("a", "b", "c", "d", "e");
        assertThat(m.card().license()).isEqualTo("MIT");
        assertThat(m.card().sha256()).containsEntry("small_cnn.onnx", dev.graft.zoo.Checksums.sha256(file));

        Path zip = dir.resolve("cnn.zip");
        OnnxModel saved = m.save(zip);
        assertThat(OnnxModel.isOnnxModelFile(zip)).isTrue();
        OnnxModel back = OnnxModel.load(zip);
        assertThat(back.card()).isEqualTo(saved.card());
        assertThat(back.graph().bytes()).isEqualTo(Files.readAllBytes(file));
        INDArray raw = Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32);
        assertThat(back.predict(raw, 1)).isEqualTo(m.predict(raw, 1));
        // predict applies the card's normalization: the same as running the graph on the normalized batch
        INDArray norm = raw.dup();
        double[] mean = {0.485, 0.456, 0.406};
        double[] std = {0.229, 0.224, 0.225};
        for (int c = 0; c < 3; c++) {
            INDArray ch = norm.get(NDArrayIndex.all(), NDArrayIndex.point(c), NDArrayIndex.all(), NDArrayIndex.all());
            ch.subi(mean[c]).divi(std[c]);
        }
        try (OnnxRunner r = OnnxRunner.open(m.graph(), 1)) {
            assertThat(back.predict(raw, 1).sub(r.run(norm)).amaxNumber().doubleValue()).isLessThan(1e-5);
        }
        assertThatThrownBy(() -> GraftModel.load(zip)).hasMessageContaining("imported ONNX model")
                .hasMessageContaining("OnnxModel.load");
    }

    @Test
    void commandLineValuesWinOverMetadata() throws Exception {
        OnnxModel m = OnnxImporter.builder(fixture("small_cnn.onnx")).name("cnn")
                .normalization(Normalization.scale(1 / 255.0)).labels(List.of("v", "w", "x", "y", "z")).build()
                .importModel();
        assertThat(m.card().name()).isEqualTo("cnn");
        assertThat(m.card().normalization()).isEqualTo(Normalization.scale(1 / 255.0));
        assertThat(m.card().labels()).containsExactly("v", "w", "x", "y", "z");
    }

    @Test
    void aChangedOnnxEntryFailsItsChecksumOnLoad(@TempDir Path dir) throws Exception {
        Path zip = dir.resolve("m.zip");
        OnnxImporter.builder(fixture("small_cnn.onnx")).build().importModel().save(zip);
        Path bad = dir.resolve("bad.zip");
        try (ZipFile in = new ZipFile(zip.toFile());
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(bad))) {
            out.setComment(in.getComment());
            for (ZipEntry e : java.util.Collections.list(in.entries())) {
                byte[] b = in.getInputStream(e).readAllBytes();
                if (e.getName().equals(ModelArchive.ONNX_ENTRY)) {
                    b[b.length - 10] ^= 1;
                }
                out.putNextEntry(new ZipEntry(e.getName()));
                out.write(b);
                out.closeEntry();
            }
        }
        assertThatThrownBy(() -> OnnxModel.load(bad)).hasMessageContaining("checksum error")
                .hasMessageContaining(ModelArchive.ONNX_ENTRY);
    }

    @Test
    void wrongInputShapesAndBadFilesGetClearErrors(@TempDir Path dir) throws Exception {
        OnnxGraph g = OnnxGraph.read(fixture("small_cnn.onnx"));
        try (OnnxRunner r = OnnxRunner.open(g, 1)) {
            assertThatThrownBy(() -> r.run(Nd4j.zeros(DataType.FLOAT, 2, 32, 32, 3)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("[?, 3, 32, 32]").hasMessageContaining("[2, 32, 32, 3]");
            assertThatThrownBy(() -> r.run(Nd4j.zeros(DataType.FLOAT, 2, 3, 32)))
                    .hasMessageContaining("[2, 3, 32]");
        }
        OnnxModel m = OnnxImporter.builder(fixture("small_cnn.onnx")).build().importModel();
        assertThatThrownBy(() -> m.predict(Nd4j.zeros(DataType.FLOAT, 1, 3, 64, 64), 1))
                .hasMessageContaining("[3, 32, 32]").hasMessageContaining("[3, 64, 64]");
        assertThatThrownBy(() -> g.cut("/nope")).hasMessageContaining("/nope");
        assertThatThrownBy(() -> g.cutPoint("/block1/conv1/Conv_output_0"))
                .hasMessageContaining("is not a cut point").hasMessageContaining(CNN_POOLED);
        // the node column graft inspect prints names a cut point too
        CutPoint pooled = g.cutPoint(CNN_POOLED);
        assertThat(g.cutPoint(Integer.toString(pooled.index()))).isEqualTo(pooled);
        assertThatThrownBy(() -> g.cutPoint("99999")).hasMessageContaining("no tensor or node '99999'");
        Path notOnnx = Files.writeString(dir.resolve("x.onnx"), "hello, not a model");
        assertThatThrownBy(() -> OnnxGraph.read(notOnnx)).hasMessageContaining("x.onnx")
                .hasMessageContaining("not an ONNX model");
        assertThatThrownBy(() -> OnnxGraph.read(dir.resolve("missing.onnx")))
                .isInstanceOf(java.io.FileNotFoundException.class);
        assertThatThrownBy(() -> OnnxImporter.builder(fixture("small_cnn.onnx")).inputShape(3, 64, 64).build()
                .importModel()).hasMessageContaining("[3, 64, 64]").hasMessageContaining("[?, 3, 32, 32]");
    }
}
