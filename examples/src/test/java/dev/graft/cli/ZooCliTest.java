package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import picocli.CommandLine;

class ZooCliTest {
    @TempDir
    Path home;

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @BeforeEach
    void useTempHome() {
        System.setProperty("graft.home", home.toString());
    }

    @AfterEach
    void clear() {
        System.clearProperty("graft.home");
    }

    private int run(String... args) {
        CommandLine cl = GraftCli.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void listShowsEveryZooModelAndJsonIsMachineReadable() throws Exception {
        assertThat(run("zoo", "list")).isZero();
        assertThat(out.toString()).contains("vgg16").contains("vgg16_dl4j_inference.zip").contains("3501732770")
                .contains("alexnet");

        out.getBuffer().setLength(0);
        assertThat(run("zoo", "list", "--json")).isZero();
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertThat(json.size()).isGreaterThanOrEqualTo(16);

        out.getBuffer().setLength(0);
        assertThat(run("zoo", "list", "--json", "vgg")).isZero();
        assertThat(new ObjectMapper().readTree(out.toString())).extracting(n -> n.get("name").asText())
                .containsExactly("vgg16", "vgg19");
    }

    @Test
    void offlineFetchWithoutTheFileSaysWhichFileChecksumAndFolder() {
        int code = run("zoo", "fetch", "vgg16", "--offline");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("vgg16_dl4j_inference.zip").contains("Adler32 3501732770")
                .contains(home.resolve("models").resolve("vgg16").toString()).contains("--offline");
    }

    /**
     * The real VGG16 file (500+ MB) cannot be had here. The file placed by hand is a tiny ComputationGraph whose
     * zip comment is forged so that its Adler32 equals VGG16's published 3501732770: the command runs against the
     * real catalog entry, unchanged. It proves lookup, check, load and card, not VGG16's weights.
     */
    @Test
    void offlineFetchLoadsAVgg16FilePlacedByHand() throws Exception {
        org.deeplearning4j.nn.graph.ComputationGraph g = new org.deeplearning4j.nn.graph.ComputationGraph(
                new NeuralNetConfiguration.Builder().graphBuilder().addInputs("in")
                        .addLayer("fc2", new DenseLayer.Builder().nIn(4).nOut(6).build(), "in")
                        .addLayer("predictions", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6)
                                .nOut(3).activation(Activation.SOFTMAX).build(), "fc2")
                        .setOutputs("predictions").build());
        g.init();
        Path tmp = home.resolve("standin.zip");
        ModelSerializer.writeModel(g, tmp.toFile(), false);
        Path placed = home.resolve("models/vgg16/vgg16_dl4j_inference.zip");
        Files.createDirectories(placed.getParent());
        Files.write(placed, Adler32Forge.forge(Files.readAllBytes(tmp), 3501732770L, 2048));

        assertThat(run("zoo", "fetch", "vgg16", "--offline")).as(err.toString()).isZero();

        assertThat(out.toString()).contains("from the cache").contains("loaded vgg16: ComputationGraph")
                .contains("[3, 224, 224] NCHW").contains("123.68");
        assertThat(Files.exists(home.resolve("models/vgg16/vgg16_dl4j_inference.card.json"))).isTrue();
        assertThat(run("inspect", "vgg16", "--offline")).isZero();
        assertThat(out.toString()).contains("cut points (*): fc2");
    }

    @Test
    void unknownModelAndVariantAreOneLineErrors() {
        assertThat(run("zoo", "fetch", "vgg61", "--offline")).isEqualTo(2);
        assertThat(err.toString()).contains("model 'vgg61' not found; models are:");
        assertThat(run("zoo", "fetch", "vgg16", "--variant", "mnist", "--offline")).isEqualTo(2);
        assertThat(err.toString()).contains("variants are: imagenet, cifar10, vggface");
    }

    @Test
    void addedModelIsListedFetchedFromTheCacheAndInspected() throws Exception {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new DenseLayer.Builder().name("hidden").nIn(4).nOut(6).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("predictions").nIn(6).nOut(3)
                        .activation(Activation.SOFTMAX).build()).build());
        net.init();
        Path zip = home.resolve("mine.zip");
        ModelSerializer.writeModel(net, zip.toFile(), false);

        assertThat(run("zoo", "add", "mine", zip.toString())).isZero();
        assertThat(run("zoo", "list")).isZero();
        assertThat(run("zoo", "fetch", "mine", "--offline")).isZero();
        assertThat(run("inspect", "mine", "--offline")).isZero();

        assertThat(out.toString()).contains("registered mine").contains("mine (yours)").contains("from the cache")
                .contains("hidden").contains("predictions").contains("cut points (*): hidden");
        assertThat(Files.exists(zip)).isTrue();

        // every verb that takes a model takes a catalog name too (Zoo.open): here featurize
        out.getBuffer().setLength(0);
        Path csv = home.resolve("rows.csv");
        Files.writeString(csv, "1,2,3,4,a\n4,3,2,1,b\n1,1,1,1,a\n2,2,2,2,b\n");
        assertThat(run("featurize", "mine", "--cut", "hidden", "--data", "csv:" + csv,
                "--cache", home.resolve("cache").toString())).as(err.toString()).isZero();
        assertThat(out.toString()).contains("4 rows of [6]");
        assertThat(run("featurize", "nosuchmodel", "--cut", "hidden", "--data", "csv:" + csv, "--cache",
                home.resolve("c2").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("nosuchmodel").containsIgnoringCase("graft zoo list");
    }

    @Test
    void inspectShowsAnUntrainedZooArchitecture() throws Exception {
        assertThat(run("inspect", "lenet", "--untrained", "--classes", "10")).isZero();
        assertThat(out.toString()).contains("ConvolutionLayer").contains("[1, 28, 28]").contains("[10]");

        out.getBuffer().setLength(0);
        assertThat(run("inspect", "lenet", "--untrained", "--classes", "10", "--json")).isZero();
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertThat(json.get("network").asText()).isEqualTo("MultiLayerNetwork");
        assertThat(json.get("layers").get(0).get("inputShape").asText()).isEqualTo("[1, 28, 28]");
        assertThat(json.get("cutPoints").size()).isEqualTo(json.get("layers").size() - 1);
    }
}
