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
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

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
}
