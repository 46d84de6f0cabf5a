package dev.graft.zoo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import dev.graft.zoo.layers.AxisKeepingMergeVertex;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A DL4J network together with its {@link ModelCard}: the unit Graft saves, loads and predicts with.
 *
 * <p>On disk a Graft model is a DL4J ModelSerializer zip plus the card as JSON beside it
 * ({@code m.zip} + {@code m.card.json}); the card records the zip's sha256, checked on load.
 * <pre>{@code
 * GraftModel m = GraftModel.of(net, card);
 * m.save(Path.of("digits.zip"));
 * INDArray probs = GraftModel.load(Path.of("digits.zip")).predict(rawPixels);
 * }</pre>
 */
public final class GraftModel {
    static {
        Engine.configure(); // DL4J's native layer helpers on before any network is built
    }

    private final Model network;
    private final ModelCard card;

    private GraftModel(Model network, ModelCard card) {
        if (!(network instanceof MultiLayerNetwork) && !(network instanceof ComputationGraph)) {
            throw new IllegalArgumentException("a Graft model wraps a MultiLayerNetwork or a ComputationGraph, got "
                    + (network == null ? "null" : network.getClass().getName()));
        }
        this.network = network;
        this.card = Objects.requireNonNull(card, "card");
        Engine.attachHelpers(network); // oneDNN helpers, fed dense inputs (DenseInputHelpers)
        AxisKeepingMergeVertex.keepAxes(network); // DL4J's MergeVertex.clone() forgets its axis
    }

    /** Wraps a network and its card. */
    public static GraftModel of(Model network, ModelCard card) {
        return new GraftModel(network, card);
    }

    /** The DL4J network (a {@link MultiLayerNetwork} or a {@link ComputationGraph}). */
    public Model network() {
        return network;
    }

    /** The network as a MultiLayerNetwork. */
    public MultiLayerNetwork multiLayerNetwork() {
        if (!(network instanceof MultiLayerNetwork)) {
            throw new IllegalStateException("model '" + card.name() + "' is a ComputationGraph, not a MultiLayerNetwork");
        }
        return (MultiLayerNetwork) network;
    }

    /** True if the network is a ComputationGraph. */
    public boolean isGraph() {
        return network instanceof ComputationGraph;
    }

    /** The model card. */
    public ModelCard card() {
        return card;
    }

    /** The same network with another card. */
    public GraftModel withCard(ModelCard newCard) {
        return new GraftModel(network, newCard);
    }

    /**
     * Normalizes raw input as the card says and runs the network in inference mode.
     *
     * @param raw a batch, {@code [batch, ...inputShape]} in the card's layout, unnormalized
     * @return the network's (first) output
     */
    public INDArray predict(INDArray raw) {
        INDArray x = preprocess(raw);
        if (network instanceof MultiLayerNetwork) {
            return ((MultiLayerNetwork) network).output(x, false);
        }
        return ((ComputationGraph) network).outputSingle(false, x);
    }

    /** Applies the card's normalization to a raw batch, checking its shape against the card. */
    public INDArray preprocess(INDArray raw) {
        long[] expected = card.inputShape();
        if (expected.length > 0) {
            long[] got = Arrays.copyOfRange(raw.shape(), 1, raw.rank());
            if (!Arrays.equals(got, expected)) {
                throw new IllegalArgumentException("model '" + card.name() + "' takes examples of shape "
                        + Arrays.toString(expected) + " (" + card.layout() + "), got " + Arrays.toString(got)
                        + " (batch shape " + Arrays.toString(raw.shape()) + ")");
            }
        }
        return card.normalization().apply(raw, card.layout());
    }

    /**
     * Saves the network (with updater state) to {@code zip} and the card, with the zip's sha256, beside it.
     * Both are written to temp files and renamed, so a crash never leaves a half-written model.
     *
     * @return the model as saved (its card now carries the sha256)
     */
    public GraftModel save(Path zip) throws IOException {
        Path dir = zip.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, zip.getFileName().toString(), ".tmp");
        try {
            ModelSerializer.writeModel(network, tmp.toFile(), true);
            String sha = Checksums.sha256(tmp);
            Files.move(tmp, zip, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            ModelCard saved = card.toBuilder().sha256(zip.getFileName().toString(), sha).build();
            saved.write(ModelCard.besides(zip));
            return new GraftModel(network, saved);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Loads a Graft model: the zip, and the card beside it. The zip's sha256 is checked against the card.
     * A plain DL4J ModelSerializer zip without a card loads with a minimal card (source {@link SourceKind#DL4J_ZIP}).
     *
     * @throws IOException if the file is missing, unreadable, not a DL4J model, or fails its checksum
     */
    public static GraftModel load(Path zip) throws IOException {
        if (!Files.isRegularFile(zip)) {
            throw new java.io.FileNotFoundException("model file " + zip + " does not exist");
        }
        Path cardFile = ModelCard.besides(zip);
        ModelCard card;
        if (Files.isRegularFile(cardFile)) {
            card = ModelCard.read(cardFile);
            String expected = card.sha256().get(zip.getFileName().toString());
            if (expected != null) {
                String actual = Checksums.sha256(zip);
                if (!expected.equals(actual)) {
                    throw new IOException("checksum error: " + zip + " does not match its model card " + cardFile
                            + " (expected sha256 " + expected + ", actual sha256 " + actual
                            + "); the file was changed or damaged after it was saved");
                }
            }
        } else {
            String stem = zip.getFileName().toString().replaceFirst("\\.zip$", "");
            card = ModelCard.builder(stem).source(SourceKind.DL4J_ZIP).architecture("unknown")
                    .sha256(zip.getFileName().toString(), Checksums.sha256(zip)).build();
        }
        return new GraftModel(readNetwork(zip), card);
    }

    /** Reads a DL4J ModelSerializer zip as a MultiLayerNetwork or ComputationGraph, whichever it holds. */
    public static Model readNetwork(Path zip) throws IOException {
        boolean graph;
        try (ZipFile zf = new ZipFile(zip.toFile())) {
            ZipEntry conf = zf.getEntry("configuration.json");
            if (conf == null) {
                throw new IOException(zip + " is a zip but not a DL4J model (no configuration.json inside)");
            }
            try (InputStream in = zf.getInputStream(conf)) {
                String json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                graph = json.contains("\"vertices\"");
            }
        } catch (java.util.zip.ZipException e) {
            throw new IOException(zip + " is not a zip file (" + e.getMessage() + "); expected a DL4J/Graft model zip", e);
        }
        try {
            return graph ? ModelSerializer.restoreComputationGraph(zip.toFile(), true)
                    : ModelSerializer.restoreMultiLayerNetwork(zip.toFile(), true);
        } catch (RuntimeException e) {
            throw new IOException("could not read DL4J model " + zip + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "GraftModel[" + card + "]";
    }
}
