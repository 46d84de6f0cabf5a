package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.zoo.Normalization;
import dev.graft.zoo.SourceKind;
import dev.graft.zoo.onnx.OnnxModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code graft import x.onnx} and {@code graft inspect}, in-process, on the ONNX fixtures of the zoo module. */
class OnnxCliTest {
    static final Path ONNX = Path.of("../zoo/src/test/resources/onnx");

    @TempDir
    Path tmp;

    @Test
    void importVerifiesAgainstPyTorchAndSavesTheOnnxModelWithItsCard() throws Exception {
        Path zip = tmp.resolve("mnv3.zip");
        CliRun r = CliRun.of("import", ONNX.resolve("mobilenet_v3_small_025.onnx").toString(), "--out", zip.toString(),
                "--verify", ONNX.resolve("mobilenet_v3_small_025.npz").toString(), "--scale", "0.00392156862745098",
                "--mean", "0.485,0.456,0.406", "--std", "0.229,0.224,0.225", "--license", "BSD-3-Clause");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("opset 17").contains("input [3, 64, 64] NCHW")
                .contains("verify: max abs diff").contains(": OK").contains("verify saved file:")
                .contains("graft inspect");
        OnnxModel m = OnnxModel.load(zip);
        assertThat(m.card().source()).isEqualTo(SourceKind.ONNX);
        assertThat(m.card().license()).isEqualTo("BSD-3-Clause");
        assertThat(m.card().normalization()).isEqualTo(Normalization.of(0.00392156862745098,
                new double[] {0.485, 0.456, 0.406}, new double[] {0.229, 0.224, 0.225}));
        assertThat(Files.exists(dev.graft.zoo.ModelCard.besides(zip))).isTrue();

        CliRun i = CliRun.of("inspect", zip.toString());
        assertThat(i.code()).as(i.err()).isZero();
        assertThat(i.out()).contains("/Flatten_output_0").contains("pooled").contains("[144]")
                .contains("/classifier/classifier.1/HardSwish_output_0").contains("logits-input")
                .contains("/features/features.11/Add_output_0").contains("[24, 2, 2]")
                .doesNotContain(" inner ");
        assertThat(CliRun.of("inspect", zip.toString(), "--all").out()).contains(" inner ");
    }

    @Test
    void aReferenceTheModelDoesNotReproduceFailsTheImportAndSavesNothing() throws Exception {
        Path zip = tmp.resolve("wrong.zip");
        // the small CNN's reference is not the MobileNet's: shapes differ ([4, 3, 32, 32] input)
        CliRun r = CliRun.of("import", ONNX.resolve("mobilenet_v3_small_025.onnx").toString(), "--out", zip.toString(),
                "--verify", ONNX.resolve("small_cnn.npz").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("[?, 3, 64, 64]").contains("[4, 3, 32, 32]");
        assertThat(Files.exists(zip)).isFalse();
    }

    @Test
    void inspectReadsAnOnnxFileDirectlyWithItsMetadataCard() {
        CliRun r = CliRun.of("inspect", ONNX.resolve("small_cnn.onnx").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("small_cnn (onnx").contains("5 labels").contains("/block2/Relu_output_0")
                .contains("[32, 4, 4]").contains("/Flatten_output_0").contains("[32]");
    }
}
