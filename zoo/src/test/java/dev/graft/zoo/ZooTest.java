package dev.graft.zoo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.graft.zoo.store.ChecksumMismatchException;
import dev.graft.zoo.store.ResolvedFile;
import dev.graft.zoo.store.WeightFile;
import dev.graft.zoo.store.WeightNotAvailableException;
import dev.graft.zoo.store.WeightStore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class ZooTest {
    @TempDir
    Path home;

    private Zoo zoo(boolean offline, String... mirrors) throws IOException {
        WeightStore store = WeightStore.builder().home(GraftHome.at(home)).offline(offline)
                .mirrors(List.of(mirrors)).build();
        return Zoo.builder().store(store).build();
    }

    @Test
    void zooModelSavedToTheStoreLoadsByNameWithIdenticalOutputs() throws IOException {
        GraftModel lenet = zoo(true).init("lenet", 10, 42);
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 1, 28, 28).muli(255);
        INDArray before = lenet.predict(x);

        zoo(true).register("my-lenet", lenet);
        GraftModel again = zoo(true).load("my-lenet"); // a fresh Zoo: found through <home>/registry.json

        assertThat(again.predict(x)).isEqualTo(before);
        assertThat(again.card().name()).isEqualTo("my-lenet");
        assertThat(again.card().architecture()).isEqualTo("LeNet");
        assertThat(again.card().normalization()).isEqualTo(Normalization.scale(1 / 255.0));
        assertThat(Files.exists(home.resolve("models/my-lenet/my-lenet.zip"))).isTrue();
        assertThat(zoo(true).catalog().find("my-lenet").kind()).isEqualTo(CatalogEntry.Kind.USER);
    }

    @Test
    void aPlainDl4jZipIsAddedUnderANameAndTheOriginalIsLeftAlone() throws IOException {
        ComputationGraph g = tinyGraph();
        Path plain = home.resolve("elsewhere/tiny.zip");
        Files.createDirectories(plain.getParent());
        ModelSerializer.writeModel(g, plain.toFile(), false);
        byte[] original = Files.readAllBytes(plain);

        GraftModel added = zoo(true).add("tiny", plain);
        GraftModel loaded = zoo(true).open("tiny");

        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 3, 4);
        assertThat(loaded.predict(x)).isEqualTo(g.outputSingle(x));
        assertThat(added.card().sha256()).containsKey("tiny.zip");
        assertThat(Files.readAllBytes(plain)).isEqualTo(original);
        assertThat(zoo(true).open(plain.toString()).isGraph()).isTrue();

        assertThatThrownBy(() -> zoo(true).add("tiny", plain)).hasMessageContaining("already registered");
        assertThat(zoo(true).add("tiny", plain, true).card().name()).isEqualTo("tiny");
        Files.delete(home.resolve("models/tiny/tiny.zip"));
        assertThatThrownBy(() -> zoo(true).load("tiny")).isInstanceOf(java.io.FileNotFoundException.class)
                .hasMessageContaining("registered but its file").hasMessageContaining("graft zoo add tiny");
    }

    @Test
    void badNamesAndMissingClassCountsAreRefusedClearly() throws IOException {
        GraftModel m = zoo(true).init("lenet", 10, 1);
        assertThatThrownBy(() -> zoo(true).register("vgg16", m)).hasMessageContaining("'vgg16' is a DL4J zoo model");
        assertThatThrownBy(() -> zoo(true).register("My Model", m)).hasMessageContaining("'My Model'");
        assertThatThrownBy(() -> zoo(true).init("lenet", 0, 1)).hasMessageContaining("numClasses must be > 0");
        assertThatThrownBy(() -> zoo(true).open("no/such/file.zip")).isInstanceOf(java.io.FileNotFoundException.class);
    }

    @Test
    void offlineVgg16WithoutTheFileNamesFileChecksumAndFolder() throws IOException {
        assertThatThrownBy(() -> zoo(true).load("vgg16")).isInstanceOf(WeightNotAvailableException.class)
                .hasMessageContaining("vgg16_dl4j_inference.zip")
                .hasMessageContaining("Adler32 3501732770")
                .hasMessageContaining(home.resolve("models/vgg16").toString());
    }

    @Test
    void offlineVgg16WithAWrongFilePlacedRefusesWithBothSumsAndKeepsTheFile() throws IOException {
        Path placed = home.resolve("models/vgg16/vgg16_dl4j_inference.zip");
        Files.createDirectories(placed.getParent());
        Files.writeString(placed, "not the weights");

        assertThatThrownBy(() -> zoo(true).load("vgg16")).isInstanceOf(ChecksumMismatchException.class)
                .hasMessageContaining("Adler32 3501732770")
                .hasMessageContaining("Adler32 " + Checksums.adler32(placed));
        assertThat(Files.readString(placed)).isEqualTo("not the weights");
    }

    /**
     * The real VGG16 file (500+ MB, Adler32 3501732770) cannot be had here. This test registers a tiny stand-in
     * ComputationGraph under the vgg16 entry's file name with the stand-in's own Adler32: it proves the offline
     * lookup, the Adler32 check, the sha256 recorded beside the file and the vgg16 card, not VGG16's weights.
     */
    @Test
    void offlineVgg16LoadsAFilePlacedByHand() throws IOException {
        Path placed = home.resolve("models/vgg16/vgg16_dl4j_inference.zip");
        Files.createDirectories(placed.getParent());
        ComputationGraph standIn = tinyGraph();
        ModelSerializer.writeModel(standIn, placed.toFile(), false);
        Zoo zoo = Zoo.builder().store(WeightStore.builder().home(GraftHome.at(home)).offline(true).build())
                .catalog(withStandIn("vgg16", "imagenet", WeightFile.adler32("vgg16", "vgg16_dl4j_inference.zip",
                        Checksums.adler32(placed)))).build();

        GraftModel vgg = zoo.load("vgg16");

        assertThat(vgg.card().source()).isEqualTo(SourceKind.DL4J_ZOO);
        assertThat(vgg.card().inputShape()).containsExactly(3, 224, 224);
        assertThat(vgg.card().sha256()).containsEntry("vgg16_dl4j_inference.zip", Checksums.sha256(placed));
        assertThat(ModelCard.read(ModelCard.besides(placed)).sha256().get("vgg16_dl4j_inference.zip"))
                .isEqualTo(Checksums.sha256(placed));
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 4);
        assertThat(((ComputationGraph) vgg.network()).outputSingle(x)).isEqualTo(standIn.outputSingle(x));
    }

    @Test
    void zooWeightsDownloadedFromAMirrorInitialiseTheZooModel() throws IOException {
        GraftModel lenet = zoo(true).init("lenet", 10, 7);
        Path made = home.resolve("made/lenet.zip");
        Files.createDirectories(made.getParent());
        ModelSerializer.writeModel(lenet.network(), made.toFile(), false);
        byte[] bytes = Files.readAllBytes(made);
        List<String> requests = new ArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            requests.add(ex.getRequestURI().getPath());
            ex.sendResponseHeaders(200, bytes.length);
            ex.getResponseBody().write(bytes);
            ex.close();
        });
        server.start();
        try {
            String mirror = "http://127.0.0.1:" + server.getAddress().getPort() + "/models/{file}";
            Zoo zoo = Zoo.builder().store(WeightStore.builder().home(GraftHome.at(home)).mirror(mirror).build())
                    .catalog(withStandIn("lenet", "mnist", WeightFile.adler32("lenet", "lenet_dl4j_mnist_inference.zip",
                            Checksums.adler32(made)))).build();

            ResolvedFile f = zoo.fetch("lenet", "mnist", null);
            GraftModel loaded = zoo.load("lenet", "mnist", null);

            assertThat(f.origin()).isEqualTo(ResolvedFile.Origin.DOWNLOADED);
            assertThat(requests).containsExactly("/models/lenet_dl4j_mnist_inference.zip");
            INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 1, 28, 28);
            assertThat(loaded.predict(x.mul(255))).isEqualTo(lenet.predict(x.mul(255)));
            assertThat(loaded.card().normalization()).isEqualTo(Normalization.scale(1 / 255.0));
        } finally {
            server.stop(0);
        }
    }

    /** DL4J's catalog with one variant's expected file replaced (a test seam for files that cannot be had here). */
    static Catalog withStandIn(String model, String variant, WeightFile file) {
        List<CatalogEntry> all = new ArrayList<>();
        for (CatalogEntry e : Catalog.dl4j().entries()) {
            if (e.name().equals(model)) {
                List<PretrainedVariant> vs = new ArrayList<>();
                for (PretrainedVariant v : e.variants()) {
                    vs.add(v.name().equals(variant) ? new PretrainedVariant(v.name(), file, v.originalUrl(), v.layout(),
                            v.inputShape(), v.normalization(), v.numClasses(), "test stand-in") : v);
                }
                e = new CatalogEntry(e.name(), e.architecture(), e.kind(), e.zooClass(), e.graph(), e.layout(),
                        e.inputShape(), e.description(), vs);
            }
            all.add(e);
        }
        return Catalog.of(all);
    }

    static ComputationGraph tinyGraph() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3).graphBuilder()
                .addInputs("in")
                .addLayer("h", new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "h")
                .setOutputs("out").build());
        g.init();
        return g;
    }
}
