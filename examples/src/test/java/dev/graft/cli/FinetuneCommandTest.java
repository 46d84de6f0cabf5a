package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.transfer.Networks;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

class FinetuneCommandTest {
    @TempDir
    static Path tmp;
    static Path base;

    /** A small MLP trained on digits 0-4 for a few epochs: the pretrained base. */
    @BeforeAll
    static void pretrain() throws Exception {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(0.01)).list()
                .layer(new DenseLayer.Builder().name("fc1").nIn(64).nOut(32).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("fc2").nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).name("out").nOut(5).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(64)).build());
        net.init();
        LabeledData d = DataSpec.load("digits:0-4");
        DataSet ds = new DataSet(d.features().div(16), d.oneHotLabels());
        for (int i = 0; i < 30; i++) {
            net.fit(ds);
        }
        base = tmp.resolve("base.zip");
        GraftModel.of(net, ModelCard.builder("digits04").architecture("mlp").input(InputLayout.FLAT, 64)
                .normalization(Normalization.scale(1 / 16.0)).labels(d.labels()).build()).save(base);
    }

    @Test
    void finetuneThenPredictDigitsFiveToNine() throws Exception {
        Path out = tmp.resolve("d59.zip");
        Path cache = tmp.resolve("cache");
        CliRun r = CliRun.of("finetune", base.toString(), "--cut", "fc2", "--data", "digits:5-9", "--out", out.toString(),
                "--cache", cache.toString(), "--epochs", "10", "--preset", "adam", "--lr", "0.02", "--unfreeze", "1:1@0.1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("feature cache").contains("validation accuracy").contains("unfreeze 1 @0.1")
                .contains("epoch 11 unfreeze 1 @0.1").containsPattern("epoch 11 unfreeze 1 @0.1: .* lr 2\\.00e-02");
        double acc = Double.parseDouble(r.out().replaceAll("(?s).*validation accuracy ([0-9.]+).*", "$1"));
        assertThat(acc).isGreaterThan(0.7); // chance is 0.2; the base saw only digits 0-4
        assertThat(Files.exists(tmp.resolve("d59-report/index.html"))).isTrue();
        assertThat(Files.exists(tmp.resolve("d59-report/loss.png"))).isTrue();
        GraftModel tuned = GraftModel.load(out);
        assertThat(tuned.card().labels()).containsExactly("5", "6", "7", "8", "9");
        assertThat(Networks.frozenLayers(tuned.network())).containsExactly("fc1");
        assertThat(tuned.card().cut()).as("the plan cut at fc2; unfreezing fc2 moved the cut down").isEqualTo("fc1");
        assertThat(dev.graft.transfer.tune.Cut.of(tuned).layer()).isEqualTo("fc1");
        CliRun inspect = CliRun.of("inspect", out.toString());
        assertThat(inspect.code()).as(inspect.err()).isZero();
        assertThat(inspect.out()).contains("cut at 'fc1'");
        assertThat(inspect.err()).doesNotContain("warning");
        CliRun inspectJson = CliRun.of("inspect", out.toString(), "--json");
        assertThat(inspectJson.out()).contains("\"cut\" : \"fc1\"").contains("\"cutPoints\"");
        CliRun baseJson = CliRun.of("inspect", base.toString(), "--json");
        assertThat(baseJson.out()).as("the base was never planned").doesNotContain("\"cut\" :");
        Path lying = tmp.resolve("lying.zip");
        tuned.withCard(tuned.card().toBuilder().cut("fc2").build()).save(lying);
        CliRun warned = CliRun.of("inspect", lying.toString());
        assertThat(warned.code()).as(warned.err()).isZero();
        assertThat(warned.err()).contains("warning: model 'digits04' records its cut at 'fc2' but its frozen layers end at 'fc1'");

        CliRun again = CliRun.of("finetune", base.toString(), "--cut", "fc2", "--data", "digits:5-9", "--out", tmp.resolve("again.zip").toString(),
                "--cache", cache.toString(), "--epochs", "1");
        assertThat(again.out()).contains("reused");

        CliRun p = CliRun.of("predict", out.toString(), "digits:5-9");
        assertThat(p.code()).as(p.err()).isZero();
        double predicted = Double.parseDouble(p.out().replaceAll("(?s).*digits:5-9: accuracy ([0-9.]+).*", "$1"));
        assertThat(predicted).isGreaterThan(0.7);
        assertThat(p.out()).containsPattern("digits:5-9#0\t[5-9] 0\\.\\d{4}\t\\(label \\d\\)");
    }

    @Test
    void badArgumentsGiveOneLineErrors() {
        Path out = tmp.resolve("x.zip");
        CliRun r = CliRun.of("finetune", base.toString(), "--cut", "fc9", "--data", "digits:5-9", "--out", out.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("graft finetune: error: freezeThrough: layer 'fc9' not found in model 'digits04'; "
                + "did you mean 'fc1' or 'fc2'? layers are: fc1, fc2, out (by name, or by index 0..2); "
                + "'graft inspect MODEL' lists them with their shapes");
        r = CliRun.of("finetune", base.toString(), "--cut", "fc1", "--data", "digits:5-9", "--out", out.toString(), "--preset", "turbo");
        assertThat(r.err()).contains("unknown preset 'turbo'; presets are:");
        r = CliRun.of("finetune", base.toString(), "--cut", "fc1", "--data", "digits:5-9", "--out", out.toString(), "--unfreeze", "2x");
        assertThat(r.err()).contains("bad unfreeze stage '2x'");
        // both set the rate: --lr-find's suggestion silently replaced --lr before
        r = CliRun.of("finetune", base.toString(), "--cut", "fc1", "--data", "digits:5-9", "--out", out.toString(),
                "--lr", "0.05", "--lr-find");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--lr 0.05 and --lr-find both set the learning rate");
        r = CliRun.of("predict", base.toString(), tmp.resolve("missing.png").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("is neither a file nor a data spec");
        r = CliRun.of("finetune", "--list-presets", base.toString(), "--cut", "x", "--data", "d", "--out", "o.zip");
        assertThat(r.out()).contains("practical").contains("nesterov").contains("max-norm");
    }
}
