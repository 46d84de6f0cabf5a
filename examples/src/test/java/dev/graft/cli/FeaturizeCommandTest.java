package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class FeaturizeCommandTest {
    @TempDir
    static Path shared;
    static Path model;

    @TempDir
    Path tmp;

    @BeforeAll
    static void saveModel() throws Exception {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new DenseLayer.Builder().name("hidden").nIn(64).nOut(10).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("predictions").nIn(10).nOut(5)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        model = shared.resolve("base.zip");
        GraftModel.of(net, ModelCard.builder("base").input(InputLayout.FLAT, 64)
                .normalization(Normalization.scale(1 / 16.0)).build()).save(model);
    }

    @Test
    void featurizeBuildsThenReusesTheCache() throws Exception {
        Path dir = tmp.resolve("cache");
        CliRun first = CliRun.of("featurize", model.toString(), "--cut", "hidden", "--data", "digits:5-9", "--cache",
                dir.toString(), "--quiet", "--shard-rows", "300");
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out()).contains(": built;").contains("896 rows in 3 shards").contains("[10] float32");
        assertThat(first.out()).contains("engine: DL4J (auto: no convolution up to the cut");
        assertThat(Files.exists(dir.resolve("manifest.json"))).isTrue();

        CliRun second = CliRun.of("featurize", model.toString(), "--cut", "0", "--data", "digits:5-9", "--cache",
                dir.toString(), "--quiet", "--shard-rows", "300");
        assertThat(second.out()).as("cut by index is the same cut").contains(": reused;");

        CliRun half = CliRun.of("featurize", model.toString(), "--cut", "hidden", "--data", "digits:5-9", "--cache",
                dir.toString(), "--quiet", "--precision", "float16", "--augment", "noise:1", "--views", "2");
        assertThat(half.code()).as(half.err()).isZero();
        assertThat(half.out()).contains(": rebuilt;").contains("key changed: augmentation, precision, shardRows")
                .contains("2 view(s) per example, 1792 rows");
    }

    /** Without --cut: the cut the card records (a planned model's), else a one-line error naming what to do. */
    @Test
    void withoutCutTheRecordedCutIsUsedOrTheErrorSaysHowToChoose() throws Exception {
        Path planned = tmp.resolve("planned.zip");
        dev.graft.transfer.TransferPlan.builder().freezeThrough("hidden").newClassifier(java.util.List.of("a", "b"))
                .build().apply(GraftModel.load(model)).save(planned);
        Path dir = tmp.resolve("cache");
        CliRun recorded = CliRun.of("featurize", planned.toString(), "--data", "digits:5-9", "--cache", dir.toString(),
                "--quiet");
        assertThat(recorded.code()).as(recorded.err()).isZero();
        assertThat(recorded.err()).contains("note: featurizing at the cut recorded in the model's card: 'hidden'");
        assertThat(recorded.out()).contains(": built;").contains("[10] float32");
        CliRun none = CliRun.of("featurize", model.toString(), "--data", "digits:5-9", "--cache",
                tmp.resolve("c2").toString(), "--quiet");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err().strip()).startsWith("graft featurize: error: --cut LAYER is needed: model")
                .contains("records no cut").doesNotContain("\n");
    }

    @Test
    void badInputFailsWithOneLineAndExitCode2() {
        CliRun badLayer = CliRun.of("featurize", model.toString(), "--cut", "fc3", "--data", "digits", "--cache",
                tmp.resolve("c").toString(), "--quiet");
        assertThat(badLayer.code()).isEqualTo(2);
        assertThat(badLayer.err().strip()).isEqualTo("graft featurize: error: layer 'fc3' not found in model 'base'; "
                + "layers are: hidden, predictions (by name, or by index 0..1); 'graft inspect MODEL' lists them with their shapes");

        CliRun viewsAlone = CliRun.of("featurize", model.toString(), "--cut", "hidden", "--data", "digits", "--cache",
                tmp.resolve("c").toString(), "--views", "3");
        assertThat(viewsAlone.code()).isEqualTo(2);
        assertThat(viewsAlone.err()).contains("--views needs --augment");

        CliRun missing = CliRun.of("featurize", tmp.resolve("nope.zip").toString(), "--cut", "hidden", "--data", "digits",
                "--cache", tmp.resolve("c").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("does not exist");
    }
}
