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
import org.junit.jupiter.api.io.TempDir;
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
                Map.entry("k2_mask_zero_lstm", "(Embedding): mask_zero=True"),
                Map.entry("k2_td_dense_only", "(TimeDistributed): TimeDistributed: DL4J 1.0.0-M2.1's Keras 2 "
                        + "importer folds the time steps into the batch"),
                Map.entry("k2_lstm_seq_td", "(TimeDistributed): TimeDistributed"),
                // refused before too, with DL4J's null-pointer / "does not contain parameter bias" text
                Map.entry("k2_bn_no_center", "(BatchNormalization): BatchNormalization(center=False): DL4J's Keras 2 "
                        + "importer needs beta"),
                Map.entry("k2_lstm_no_bias", "(LSTM): use_bias=False: DL4J's Keras 2 importer needs a bias"),
                // refused before too, with DL4J's "Expected CNN input" from the layer after it
                Map.entry("k2_gap_keepdims_conv", "(GlobalAveragePooling2D): keepdims=True: DL4J's Keras 2 importer "
                        + "drops it"))
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
        // the classic IMDB CNN (Embedding, Conv1D, GlobalMaxPooling1D, Dense): DL4J keeps a recurrent type after the
        // pooling, which the Dense-on-a-sequence check must not read as Keras' rank
        "k2_imdb_cnn.h5", "k2_conv1d_gmp.h5",
        // BatchNormalization(scale=False), as in Keras 2's InceptionV3: DL4J imports it right (center=False it does not)
        "k2_bn_no_scale.h5",
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

    /**
     * Weights whose element count fits but whose layout does not (made by tools/import-fuzz/make_malformed.py from
     * good files): DL4J copies by element count, so each imported and computed something else (outputs off by
     * 0.19-1.9). Now refused, naming the layer, the weight and both shapes.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "bad_k2_kernel_transposed.h5|weight 'W' of layer 'dense' (Dense)|has shape [5, 4] in DL4J's layout where the "
            + "layer's parameter is [4, 5]",
        "bad_k3_conv_kernel_permuted.keras|weight 'kernel' of layer 'conv2d' (Conv2D)|has shape [2, 3, 3, 3] where "
            + "the layer's config and its input imply [3, 3, 2, 3]",
        "bad_k3h5_kernel_permuted.h5|weight 'kernel' of layer 'conv2d' (Conv2D)|has shape [2, 3, 3, 3] where the "
            + "layer's config and its input imply [3, 3, 2, 3]",
        "bad_k3_bn_variance_short.keras|weight 'moving_variance' of layer 'batch_normalization' (BatchNormalization)|"
            + "has shape [2] where the layer's config and its input imply [3]"})
    void weightsInAnotherLayoutAreRefusedNotCopiedByElementCount(String spec) {
        String[] p = spec.split("\\|");
        Path file = fuzz(p[0]);
        assertThatThrownBy(() -> KerasImporter.builder(file).build().importModel())
                .isInstanceOf(KerasImportException.class)
                .hasMessageContaining(p[1]).hasMessageContaining(p[2]).hasMessageContaining(file.toString());
    }

    @Test
    void aKerasArchiveIsNamedInWeightErrorsNotItsTemporaryCopy() throws Exception {
        // the .keras archive's weights are read from a temporary file; errors named that file before
        Path bad = fuzz("bad_k3_bias_missing.keras");
        assertThatThrownBy(() -> KerasImporter.builder(bad).build().importModel())
                .isInstanceOf(KerasImportException.class)
                .hasMessageContaining("layer 'conv2d' (Conv2D) in " + bad + " (model.weights.h5) has 1 weight arrays")
                .hasMessageNotContaining("graft-keras-");
    }

    @Test
    void nanWeightsAreRefusedNotImportedToPredictNaN() {
        // one kernel value set to NaN (make_malformed.py): imported before, every prediction NaN
        Path file = fuzz("bad_k2_nan_weight.h5");
        assertThatThrownBy(() -> KerasImporter.builder(file).build().importModel())
                .isInstanceOf(KerasImportException.class)
                .hasMessageContaining("weight 'W' of layer 'dense' in " + file + " holds 1 NaN or infinite value(s) "
                        + "of 20");
    }

    /**
     * Bidirectional(LSTM / SimpleRNN) without return_sequences imported and verified, then could not be saved
     * (DL4J's LastTimeStep gave no updater: "all layers with parameters should override this method"). Saved and
     * loaded now, and the loaded model still reproduces Keras.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"keras3/layers/bidirectional_lstm.keras", "keras3/layers/bidirectional_simple_rnn_no_bias.h5",
        "fuzz/k2_bidirectional_lstm.h5"})
    void bidirectionalWithoutSequencesSavesAndLoads(String file, @TempDir Path tmp) throws Exception {
        Path model = resource(file);
        Path ref = resource(file.substring(0, file.lastIndexOf('.')) + ".npz");
        GraftModel m = KerasImporter.builder(model).build().importModel();
        Path zip = tmp.resolve("bi.zip");
        m.save(zip);
        ParityReport p = ParityCheck.of(GraftModel.load(zip), ref, Tolerance.DEFAULT);
        assertThat(p.passed()).as(file + ": " + p).isTrue();
    }

    static Path fuzz(String file) {
        return resource("fuzz/" + file);
    }

    static Path resource(String file) {
        try {
            return Path.of(KerasImportFuzzTest.class.getClassLoader().getResource("keras/" + file).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("fixture keras/" + file + " is missing; see tools/import-fuzz/");
        }
    }
}
