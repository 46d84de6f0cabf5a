package dev.graft.zoo.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.graft.zoo.GraftModel;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cases found by the import fuzz (tools/import-fuzz/REPORT.md; fixtures in src/test/resources/keras/fuzz, written by
 * tools/import-fuzz/make_keras2_cases.py and make_keras_cases.py). Keras 2 files (keras_version 2.15.0, the layout
 * Keras 2's {@code model.save} writes) went through DL4J's own importer without Graft's checks: each of the refused
 * cases below imported without complaint and computed something else (outputs off by 0.5-4.1, or another output
 * shape). Now the preflight names the layer and the reason; the Keras 2 cases DL4J gets right still import and
 * reproduce Keras. Conv2DTranspose (Keras 3) was refused with a false "the weights file does not belong to this
 * config"; it imports now, and output_padding, which DL4J ignores, is refused.
 */
class KerasImportFuzzTest {
    /** Keras 2 files that imported with wrong values or shapes before; a piece of the reason each must give. */
    static Stream<Arguments> keras2Refused() {
        return Map.ofEntries(
                Map.entry("k2_bn_axis1", "'batch_normalization' (BatchNormalization): BatchNormalization over axis 1"),
                Map.entry("k2_softmax_axis1", "(Softmax): Softmax over axis 1 is not supported"),
                Map.entry("k2_grouped_conv", "(Conv2D): groups=4: DL4J's Keras 2 importer ignores groups"),
                Map.entry("k2_prelu", "(PReLU): DL4J 1.0.0-M2.1's PReLU does not reproduce Keras"),
                Map.entry("k2_upsampling1d", "(UpSampling1D): DL4J 1.0.0-M2.1's UpSampling1D"),
                Map.entry("k2_upsampling2d", "(UpSampling2D): DL4J 1.0.0-M2.1's UpSampling2D"),
                Map.entry("k2_dense_on_sequence", "(Dense): Dense on a rank-3 input"),
                Map.entry("k2_conv_dense_4d", "(Dense): Dense on a rank-4 input"),
                Map.entry("k2_cropping1d", "(Cropping1D): DL4J 1.0.0-M2.1's Cropping1D"),
                Map.entry("k2_zeropadding1d", "(ZeroPadding1D): DL4J 1.0.0-M2.1's ZeroPadding1D"),
                Map.entry("k2_gap_channels_first", "data_format='channels_first' is not supported"),
                Map.entry("k2_mask_zero_lstm", "(Embedding): mask_zero=True"))
                .entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keras2Refused")
    void keras2LayersDl4jComputesDifferentlyAreRefusedByName(String name, String reason) {
        Path file = fuzz(name + ".h5");
        PreflightReport r = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> KerasImporter.builder(file).build().preflight());
        assertThat(r.unsupported().toString()).contains(reason);
        assertThat(r.format()).isEqualTo(KerasFormat.KERAS2_H5);
        assertThatThrownBy(() -> KerasImporter.builder(file).build().importModel())
                .isInstanceOf(UnsupportedKerasModelException.class).hasMessageContaining(reason);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"k2_dense_relu.h5", "k2_avgpool1d.h5", "k2_separable_bn.h5", "k2_relu_threshold.h5",
        "conv2d_transpose_s2_same.keras", "conv2d_transpose_valid.keras"})
    void casesDl4jGetsRightImportAndReproduceKeras(String file) throws Exception {
        GraftModel m = KerasImporter.builder(fuzz(file)).build().importModel();
        ParityReport p = ParityCheck.of(m, fuzz(file.substring(0, file.lastIndexOf('.')) + ".npz"), Tolerance.DEFAULT);
        assertThat(p.passed()).as(file + ": " + p).isTrue();
        assertThat(p.maxAbsDiff()).isLessThan(1e-5);
    }

    @Test
    void transposedConvolutionWithOutputPaddingIsRefused() {
        // DL4J ignores output_padding: [N, 7, 7, 3] came out for Keras' [N, 8, 8, 3]
        assertThatThrownBy(() -> KerasImporter.builder(fuzz("conv2d_transpose_outpad.keras")).build().importModel())
                .isInstanceOf(UnsupportedKerasModelException.class)
                .hasMessageContaining("(Conv2DTranspose): output_padding=[1,1] is not supported");
    }

    @Test
    void maskingIsRefusedByNameNotWithAClassCastException() {
        assertThatThrownBy(() -> KerasImporter.builder(fuzz("masking_lstm.keras")).build().importModel())
                .isInstanceOf(UnsupportedKerasModelException.class)
                .hasMessageContaining("(Masking): Masking: DL4J's import does not carry Keras masks");
    }

    static Path fuzz(String file) {
        try {
            return Path.of(KerasImportFuzzTest.class.getClassLoader().getResource("keras/fuzz/" + file).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("fixture keras/fuzz/" + file + " is missing; see tools/import-fuzz/");
        }
    }
}
