package dev.graft.transfer.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.zoo.Normalization;
import dev.graft.zoo.keras.ParityCheck;
import dev.graft.zoo.keras.ParityReport;
import dev.graft.zoo.keras.Tolerance;
import dev.graft.zoo.npz.NpzFile;
import dev.graft.zoo.onnx.OnnxImporter;
import dev.graft.zoo.onnx.OnnxModel;
import java.nio.file.Path;
import java.util.Map;
import dev.graft.zoo.onnx.OnnxRunner;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The frozen ONNX part as a featurizer: PyTorch's features, and a fingerprint that tracks what decides them. */
class OnnxFeaturizerTest {
    static final Path ONNX = Path.of("../zoo/src/test/resources/onnx");

    static OnnxModel model(String name, Normalization n) throws Exception {
        return OnnxImporter.builder(ONNX.resolve(name + ".onnx")).normalization(n).build().importModel();
    }

    @Test
    void featuresAtThePooledCutAreThoseOfPyTorch() throws Exception {
        OnnxModel m = model("mobilenet_v3_small_025", Normalization.identity());
        Map<String, INDArray> ref = NpzFile.read(ONNX.resolve("mobilenet_v3_small_025.npz"));
        try (OnnxFeaturizer f = OnnxFeaturizer.cut(m, "/Flatten_output_0", 2)) {
            assertThat(f.featureShape()).containsExactly(144);
            ParityReport p = ParityCheck.compare("featurizer", f.featurize(ref.get("input")), ref.get("features"),
                    Tolerance.DEFAULT);
            assertThat(p.passed()).as(p.toString()).isTrue();
            assertThat(f.describe()).contains("/Flatten_output_0").contains("[144]");
        }
    }

    @Test
    void fingerprintDependsOnTheCutAndTheNormalizationButNotOnThreadsOrTheNodesAboveTheCut() throws Exception {
        OnnxModel m = model("small_cnn", Normalization.identity());
        try (OnnxFeaturizer a = OnnxFeaturizer.cut(m, "/Flatten_output_0", 1);
             OnnxFeaturizer b = OnnxFeaturizer.cut(m, "/Flatten_output_0", 2);
             OnnxFeaturizer byNode = OnnxFeaturizer.cut(m, "/Flatten", 1);
             OnnxFeaturizer pooled = OnnxFeaturizer.cut(m, "/avgpool/GlobalAveragePool_output_0", 1);
             OnnxFeaturizer scaled = OnnxFeaturizer.cut(model("small_cnn", Normalization.scale(0.5)),
                     "/Flatten_output_0", 1)) {
            assertThat(a.fingerprint()).isEqualTo(b.fingerprint()).isEqualTo(byNode.fingerprint()).hasSize(64);
            assertThat(pooled.fingerprint()).isNotEqualTo(a.fingerprint());
            assertThat(scaled.fingerprint()).isNotEqualTo(a.fingerprint());
            // the Gemm above the cut is not part of the base, so its weights do not enter the key
            assertThat(a.base().nodeCount()).isEqualTo(m.graph().nodeCount() - 1);
        }
        assertThatThrownBy(() -> OnnxFeaturizer.cut(m, "logits", 1)).hasMessageContaining("not a cut point");
    }

    /**
     * The card's normalization runs inside the ONNX graph (a speed switch): the features must be those of normalizing
     * in ND4J and running the plain cut graph — same float operations in the same order, so equal to float rounding.
     */
    @Test
    void normalizationInsideTheGraphGivesTheFeaturesOfNormalizingInNd4j() throws Exception {
        Normalization imagenet = Normalization.of(1 / 255.0, new double[] {0.485, 0.456, 0.406},
                new double[] {0.229, 0.224, 0.225});
        Normalization single = Normalization.of(1 / 255.0, new double[] {0.5}, new double[] {0.25}); // for every channel
        for (Normalization n : new Normalization[] {imagenet, single, Normalization.scale(0.5),
                Normalization.identity()}) {
            OnnxModel m = model("mobilenet_v3_small_025", n);
            Nd4j.getRandom().setSeed(3);
            long[] shape = m.card().inputShape();
            INDArray raw = Nd4j.rand(DataType.FLOAT, 5, shape[0], shape[1], shape[2]).muli(255);
            try (OnnxFeaturizer f = OnnxFeaturizer.cut(m, "/Flatten_output_0", 2);
                 OnnxRunner plain = OnnxRunner.open(f.base(), 2)) {
                INDArray inGraph = f.featurize(raw);
                INDArray reference = plain.run(m.preprocess(raw));
                assertThat(inGraph.shape()).isEqualTo(reference.shape());
                double maxDiff = inGraph.sub(reference).amaxNumber().doubleValue();
                double scale = reference.amaxNumber().doubleValue();
                assertThat(maxDiff).as("normalization %s: max |diff| %s of max |ref| %s", n, maxDiff, scale)
                        .isLessThanOrEqualTo(1e-6 * Math.max(1, scale));
            }
        }
        // statistics that do not fit the input are refused up front, not at the first batch
        OnnxModel m = model("mobilenet_v3_small_025", Normalization.identity());
        assertThatThrownBy(() -> m.graph().withNormalization(Normalization.of(1, new double[] {0, 0},
                new double[] {1, 1}), dev.graft.zoo.InputLayout.NCHW))
                .hasMessageContaining("2 per-channel values").hasMessageContaining("3 channels on axis 1");
    }
}
