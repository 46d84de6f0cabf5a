package dev.graft.zoo.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.engine.Engine;
import dev.graft.zoo.GraftModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Every (Keras layer, option) case that make_layer_fixtures.py writes, in both Keras 3 formats: the import
 * reproduces Keras' outputs (element-wise {@link Tolerance#DEFAULT}, with Graft's speed switches on), gives the same
 * outputs with DL4J's native helpers off, or is refused by the preflight within seconds, naming the layer and the
 * option. Never a model with other outputs, a hang or a crash. The cases the issue reports were wrong are among them
 * (avgpool1d, cropping2d_conv, hard_sigmoid, dense_on_sequence, embedding_flatten in .h5, bn_no_center, act_swish,
 * add_const, mask_lstm, se_multiply, separable_bn).
 */
@Tag("slow") // the fast lane (-Pquick) leaves it out; mvn verify runs it
class KerasLayerFixturesTest {
    /** Cases refused up front, with a piece of the reason each refusal must give. */
    static final Map<String, String> REFUSED = Map.ofEntries(
            Map.entry("lstm_go_backwards", "go_backwards=True is not supported"),
            Map.entry("batchnorm_axis1", "BatchNormalization over axis 1 is not supported"),
            Map.entry("softmax_axis1", "Softmax over axis 1 is not supported"),
            Map.entry("upsampling1d", "UpSampling1D"),
            Map.entry("act_exponential", "activation 'exponential' has no DL4J equivalent"),
            Map.entry("mask_lstm", "mask_zero=True"),
            Map.entry("grouped_conv_g2", "grouped convolution (groups=2"),
            Map.entry("upsampling2d", "UpSampling2D"),
            Map.entry("prelu", "PReLU"),
            Map.entry("gru", "no importer for Keras GRU"),
            Map.entry("bidirectional_concat_sequences", "merge_mode='concat', return_sequences=True"));

    static Stream<Arguments> cases() throws Exception {
        JsonNode cases = new ObjectMapper().readTree(Files.readString(Fixtures.keras3("layers/cases.json")));
        List<Arguments> out = new ArrayList<>();
        cases.fieldNames().forEachRemaining(n -> {
            out.add(Arguments.of(n, ".keras"));
            out.add(Arguments.of(n, ".h5"));
        });
        return out.stream();
    }

    /** How far DL4J's native helpers may move an output: float32 rounding of another summation order. */
    static final Tolerance HELPERS_ON_OFF = new Tolerance(1e-5, 1e-4);

    /** Outcome per case and format, written as the support matrix of docs/keras-import.md. */
    private static final Map<String, String> OUTCOMES = new TreeMap<>();

    /**
     * Writes {@code target/keras-layer-support.md}: one row per case with what it covers and the outcome in each
     * format. docs/keras-import.md's support matrix is this file, pasted.
     */
    @AfterAll
    static void writeSupportMatrix() throws Exception {
        JsonNode cases = new ObjectMapper().readTree(Files.readString(Fixtures.keras3("layers/cases.json")));
        StringBuilder md = new StringBuilder("| case | what it covers | .keras | .h5 |\n|---|---|---|---|\n");
        cases.fieldNames().forEachRemaining(n -> md.append("| ").append(n).append(" | ")
                .append(cases.path(n).path("description").asText().replace("|", "\\|")).append(" | ")
                .append(OUTCOMES.getOrDefault(n + ".keras", "not run")).append(" | ")
                .append(OUTCOMES.getOrDefault(n + ".h5", "not run")).append(" |\n"));
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "keras-layer-support.md"), md.toString());
    }

    /** keras.applications architectures at reduced width (tools/keras-apps/make_tiny_applications.py). */
    static Stream<Arguments> applications() throws Exception {
        JsonNode apps = new ObjectMapper().readTree(Files.readString(Fixtures.keras3("apps/apps.json")));
        List<Arguments> out = new ArrayList<>();
        apps.fieldNames().forEachRemaining(n -> {
            if (!n.startsWith("_")) {
                out.add(Arguments.of(n, ".keras"));
                out.add(Arguments.of(n, ".h5"));
            }
        });
        return out.stream();
    }

    @ParameterizedTest(name = "{0}{1}")
    @MethodSource("applications")
    void eachApplicationArchitectureReproducesKerasInFloat64(String name, String ext) throws Exception {
        // the reference is Keras' float64 output of the same weights: what is left is Graft's float32 rounding
        checkParityAndHelpers("apps/", name, ext);
    }

    @ParameterizedTest(name = "{0}{1}")
    @MethodSource("applications")
    void eachApplicationArchitectureBackpropagatesForFineTuning(String name, String ext) throws Exception {
        backpropagates("apps/", name, ext);
    }

    /**
     * Imported cases that predict right but cannot be trained through, in DL4J 1.0.0-M2.1's backward pass (a
     * Flatten after a channels-last sequence returns its gradient transposed; SimpleRNN's backward op fails; its
     * Bidirectional wrapper's backward pass fails on the imported shapes).
     * Fine-tuning stops with DL4J's error when such a layer is unfrozen; frozen, they featurize correctly.
     */
    static final Map<String, String> TRAINING_FAILS = Map.of(
            "embedding_flatten", "Shapes must be equal during backprop",
            "embedding_conv1d", "Shapes must be equal during backprop",
            "simple_rnn", "execution failed",
            "bidirectional_lstm", "cannot get size of dimension 2",
            "bidirectional_sum_sequences", "execution failed",
            "bidirectional_simple_rnn_no_bias", "cannot get size of dimension 2");

    @ParameterizedTest(name = "{0}{1}")
    @MethodSource("cases")
    void eachImportedLayerCaseWithFlatOutputBackpropagates(String name, String ext) throws Exception {
        if (REFUSED.containsKey(name) || !ext.equals(".keras")) {
            return;
        }
        if (TRAINING_FAILS.containsKey(name)) {
            assertThatThrownBy(() -> backpropagates("layers/", name, ext)).hasMessageContaining(
                    TRAINING_FAILS.get(name));
            return;
        }
        backpropagates("layers/", name, ext);
    }

    /**
     * One gradient step's worth of backpropagation through the whole imported network (a loss layer on top):
     * finite, non-zero. DL4J kept Keras' concat axis -1 (its backward pass indexed shapes with -1: NASNet) and got
     * the NHWC gradient of a reshape wrong (MobileNet's top); unfreezing needs a backward pass through every layer.
     */
    private static void backpropagates(String folder, String name, String ext) throws Exception {
        GraftModel m = KerasImporter.builder(Fixtures.keras3(folder + name + ext)).build().importModel();
        INDArray x = ParityCheck.toNetworkLayout(m, ParityCheck.reference(Fixtures.keras3(folder + name + ".npz"))
                .input());
        INDArray y = output(m, x.dup()).mul(0.5);
        if (y.rank() != 2) {
            return; // a loss layer on a feature map or sequence needs DL4J's CNN/RNN loss layers; not this check
        }
        org.deeplearning4j.nn.transferlearning.FineTuneConfiguration ft =
                new org.deeplearning4j.nn.transferlearning.FineTuneConfiguration.Builder()
                        .updater(new org.nd4j.linalg.learning.config.Sgd(1e-3)).build();
        org.deeplearning4j.nn.conf.layers.LossLayer loss = new org.deeplearning4j.nn.conf.layers.LossLayer.Builder(
                org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MSE)
                .activation(org.nd4j.linalg.activations.Activation.IDENTITY).build();
        org.deeplearning4j.nn.api.Model train;
        if (m.network() instanceof ComputationGraph) {
            ComputationGraph g = (ComputationGraph) m.network();
            ComputationGraph t = new org.deeplearning4j.nn.transferlearning.TransferLearning.GraphBuilder(g)
                    .fineTuneConfiguration(ft).addLayer("graft_loss", loss,
                            g.getConfiguration().getNetworkOutputs().get(0))
                    .setOutputs("graft_loss").build();
            t.setInputs(x);
            t.setLabels(y);
            t.computeGradientAndScore();
            train = t;
        } else {
            MultiLayerNetwork t = new org.deeplearning4j.nn.transferlearning.TransferLearning.Builder(
                    (MultiLayerNetwork) m.network()).fineTuneConfiguration(ft).addLayer(loss).build();
            t.setInput(x);
            t.setLabels(y);
            t.computeGradientAndScore();
            train = t;
        }
        INDArray grad = train.gradient().gradient();
        assertThat(Double.isFinite(train.score())).as(name + ext).isTrue();
        assertThat(grad.isNaN().any()).as(name + ext).isFalse();
    }

    @ParameterizedTest(name = "{0}{1}")
    @MethodSource("cases")
    void eachLayerCaseReproducesKerasOrIsRefusedUpFront(String name, String ext) throws Exception {
        if (!REFUSED.containsKey(name)) {
            checkParityAndHelpers("layers/", name, ext);
            return;
        }
        Path file = Fixtures.keras3("layers/" + name + ext);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThatThrownBy(
                () -> KerasImporter.builder(file).build().importModel())
                .isInstanceOf(UnsupportedKerasModelException.class)
                .hasMessageContaining(REFUSED.get(name)));
        OUTCOMES.put(name + ext, "refused: " + REFUSED.get(name));
    }

    private static void checkParityAndHelpers(String folder, String name, String ext) throws Exception {
        Path file = Fixtures.keras3(folder + name + ext);
        Path ref = Fixtures.keras3(folder + name + ".npz");
        GraftModel fast = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> KerasImporter.builder(file).build().importModel());
        ParityReport p = ParityCheck.of(fast, ref, Tolerance.DEFAULT);
        assertThat(p.passed()).as(name + ext + ": " + p).isTrue();

        INDArray x = ParityCheck.toNetworkLayout(fast, ParityCheck.reference(ref).input());
        INDArray plainOut;
        try (Engine.Scope s = Engine.use(Engine.settings().toBuilder().helpers(false).build())) {
            GraftModel plain = KerasImporter.builder(file).build().importModel();
            assertThat(Engine.helpersOf(plain.network()).values()).allMatch("-"::equals);
            plainOut = output(plain, x.dup());
            assertThat(Engine.helpersOf(plain.network()).values()).allMatch("-"::equals);
        }
        // oneDNN sums in another order than DL4J's im2col path: float32 rounding (measured up to 1e-5 on the tiny
        // ResNets) is allowed, a wrong helper (1e36, or 1-3, before DenseInputHelpers) is not
        ParityReport same = ParityCheck.compare("helpers on vs off", output(fast, x.dup()), plainOut,
                HELPERS_ON_OFF);
        assertThat(same.passed()).as(name + ext + " with DL4J's native helpers on and off: " + same).isTrue();
        OUTCOMES.put(name + ext, String.format(java.util.Locale.ROOT, "parity (max diff %.1e)", p.maxAbsDiff()));
    }

    @Test
    void aPredictionLeavesTheCallersInputUnchangedAndRepeats() throws Exception {
        // DL4J's activation layer rescaled the caller's array in place when a model started with Rescaling
        GraftModel m = KerasImporter.builder(Fixtures.keras3("layers/rescaling.keras")).build().importModel();
        INDArray x = ParityCheck.toNetworkLayout(m, ParityCheck.reference(Fixtures.keras3("layers/rescaling.npz"))
                .input());
        INDArray before = x.dup();
        INDArray first = output(m, x).dup();
        INDArray second = output(m, x).dup();
        assertThat(x).isEqualTo(before);
        assertThat(second).isEqualTo(first);
    }

    static INDArray output(GraftModel m, INDArray x) {
        if (m.network() instanceof MultiLayerNetwork) {
            return ((MultiLayerNetwork) m.network()).output(x, false);
        }
        return ((ComputationGraph) m.network()).outputSingle(false, x);
    }
}
