package dev.graft.zoo.onnx;

import dev.graft.zoo.InputFiles;
import dev.graft.zoo.ModelArchive;
import dev.graft.zoo.ModelCard;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An imported ONNX model: the ONNX graph and its {@link ModelCard} (input shape NCHW, normalization, labels, source,
 * license, the sha256 of the ONNX bytes). Runs with ONNX Runtime ({@link OnnxRunner}); it has no DL4J network.
 *
 * <p>On disk it is a Graft model zip like {@link dev.graft.zoo.GraftModel}'s: the ONNX bytes as the entry
 * {@value ModelArchive#ONNX_ENTRY} and the card as {@value ModelArchive#CARD_ENTRY}, which records the sha256 of the
 * ONNX entry (checked on load); a readable copy of the card beside it.
 * <pre>{@code
 * OnnxModel m = OnnxImporter.builder(Path.of("resnet18.onnx")).build().importModel();
 * m.save(Path.of("resnet18.zip"));
 * INDArray logits = OnnxModel.load(Path.of("resnet18.zip")).predict(rawPixels, 2);
 * }</pre>
 */
public final class OnnxModel {
    private final OnnxGraph graph;
    private final ModelCard card;

    private OnnxModel(OnnxGraph graph, ModelCard card) {
        this.graph = Objects.requireNonNull(graph, "graph");
        this.card = Objects.requireNonNull(card, "card");
    }

    /**
     * Wraps a graph and its card.
     *
     * @throws IllegalArgumentException if the card's input shape does not fit the graph's input
     */
    public static OnnxModel of(OnnxGraph graph, ModelCard card) {
        requireCardFits(graph, card, "model '" + card.name() + "'");
        return new OnnxModel(graph, card);
    }

    /** The ONNX graph (whole, not cut). */
    public OnnxGraph graph() {
        return graph;
    }

    /** The model card. */
    public ModelCard card() {
        return card;
    }

    /**
     * Normalizes a raw batch as the card says and runs the whole graph.
     *
     * @param raw {@code [batch, ...inputShape]}, unnormalized, in the card's layout
     * @param threads ONNX Runtime intra-op threads
     * @return the graph's output
     * @throws IllegalArgumentException if the batch's shape differs from the card's
     */
    public INDArray predict(INDArray raw, int threads) {
        try (OnnxRunner r = OnnxRunner.open(graph, threads)) {
            return r.run(preprocess(raw));
        }
    }

    /**
     * Applies the card's normalization to a raw batch, checking its shape against the card.
     *
     * @throws IllegalArgumentException if the example shape differs from the card's input shape
     */
    public INDArray preprocess(INDArray raw) {
        checkInput(raw);
        return card.normalization().apply(raw, card.layout());
    }

    /**
     * Checks that a raw batch has the card's example shape.
     *
     * @throws IllegalArgumentException if it does not (the message gives both shapes)
     */
    public void checkInput(INDArray raw) {
        long[] expected = card.inputShape();
        long[] got = Arrays.copyOfRange(raw.shape(), 1, raw.rank());
        if (!Arrays.equals(got, expected)) {
            throw new IllegalArgumentException("model '" + card.name() + "' takes examples of shape "
                    + Arrays.toString(expected) + " (" + card.layout() + "), got " + Arrays.toString(got)
                    + " (batch shape " + Arrays.toString(raw.shape()) + "); resize the input to the card's shape");
        }
    }

    /**
     * Saves the model as a Graft model zip (ONNX bytes and card inside, temp file and atomic rename) with a readable
     * copy of the card beside it.
     *
     * @return the model as saved (its card now records the ONNX entry's sha256)
     */
    public OnnxModel save(Path zip) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(ModelArchive.ONNX_ENTRY, graph.bytes());
        ModelCard saved = ModelArchive.write(zip, entries, card);
        return new OnnxModel(graph, saved);
    }

    /**
     * True if {@code file} is a Graft zip holding an ONNX model (so {@link #load} rather than
     * {@link dev.graft.zoo.GraftModel#load} reads it). Only the zip's directory is read.
     */
    public static boolean isOnnxModelFile(Path file) {
        try (java.util.zip.ZipFile zf = new java.util.zip.ZipFile(file.toFile())) {
            return zf.getEntry(ModelArchive.ONNX_ENTRY) != null && zf.getEntry("configuration.json") == null;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Loads a model saved by {@link #save(Path)}: every entry's CRC and sha256 checked against the card inside.
     *
     * @throws java.io.FileNotFoundException if the file is missing
     * @throws IOException if the file is damaged, lacks its card or ONNX entry, or the card does not fit the graph;
     *     the message names the file and says what to do
     */
    public static OnnxModel load(Path zip) throws IOException {
        InputFiles.requireReadableFile(zip, "model file");
        ModelArchive archive = ModelArchive.read(zip);
        if (!archive.has(ModelArchive.ONNX_ENTRY)) {
            throw new IOException("model file " + zip + " holds no ONNX graph (no entry " + ModelArchive.ONNX_ENTRY
                    + "); it is a DL4J model — load it with GraftModel.load");
        }
        List<String> warnings = new ArrayList<>();
        ModelCard card = archive.card(warnings);
        if (card == null) {
            throw new IOException("model file " + zip + " has an ONNX entry but no model card; import the .onnx "
                    + "file again with 'graft import'");
        }
        OnnxGraph graph = OnnxGraph.parse(archive.entryBytes(ModelArchive.ONNX_ENTRY), zip.getFileName().toString());
        try {
            requireCardFits(graph, card, "model file " + zip);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        return new OnnxModel(graph, card);
    }

    /**
     * Checks that the card's input shape fits the graph's input: same rank once the batch dimension is added, and
     * equal wherever the graph fixes a dimension.
     *
     * @throws IllegalArgumentException saying both shapes
     */
    static void requireCardFits(OnnxGraph graph, ModelCard card, String what) {
        long[] in = graph.input().shape();
        long[] shape = card.inputShape();
        boolean ok = shape.length + 1 == in.length;
        for (int i = 0; ok && i < shape.length; i++) {
            ok = in[i + 1] < 0 || in[i + 1] == shape[i];
        }
        if (!ok) {
            throw new IllegalArgumentException(what + ": its card says input " + Arrays.toString(shape) + " "
                    + card.layout() + " but the ONNX graph's input '" + graph.input().name() + "' is "
                    + Arrays.toString(in).replace("-1", "?") + " (batch first); the card does not belong to this graph");
        }
    }

    @Override
    public String toString() {
        return "OnnxModel[" + card + "]";
    }
}
