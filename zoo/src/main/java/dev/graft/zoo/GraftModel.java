package dev.graft.zoo;

import dev.graft.engine.Engine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import dev.graft.zoo.inspect.NetworkShapes;
import dev.graft.zoo.layers.AxisKeepingMergeVertex;
import dev.graft.zoo.onnx.OnnxGraph;
import dev.graft.zoo.onnx.OnnxRunner;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A DL4J network together with its {@link ModelCard}: the unit Graft saves, loads and predicts with.
 *
 * <p>On disk a Graft model is one file: a DL4J ModelSerializer zip with the card as an extra entry
 * ({@value #CARD_ENTRY}); the card records the sha256 of every other entry, checked on load, so the file can be
 * copied, renamed or served alone. A readable copy of the card is written beside it ({@code m.card.json}).
 * <pre>{@code
 * GraftModel m = GraftModel.of(net, card);
 * m.save(Path.of("digits.zip"));
 * INDArray probs = GraftModel.load(Path.of("digits.zip")).predict(rawPixels);
 * }</pre>
 */
public final class GraftModel implements AutoCloseable {

    /** Name of the zip entry holding the model card in a Graft model file. */
    public static final String CARD_ENTRY = ModelArchive.CARD_ENTRY;

    private final Model network;
    private final ModelCard card;
    private final List<String> warnings;
    private final boolean cardInferred;
    /** The frozen part below the network, run by ONNX Runtime; null for a plain DL4J model. */
    private final OnnxGraph onnxBase;
    private volatile OnnxRunner onnxRunner;

    private GraftModel(Model network, ModelCard card) {
        this(network, card, List.of(), false, null);
    }

    private GraftModel(Model network, ModelCard card, List<String> warnings, boolean cardInferred) {
        this(network, card, warnings, cardInferred, null);
    }

    private GraftModel(Model network, ModelCard card, List<String> warnings, boolean cardInferred, OnnxGraph onnxBase) {
        if (!(network instanceof MultiLayerNetwork) && !(network instanceof ComputationGraph)) {
            throw new IllegalArgumentException("a Graft model wraps a MultiLayerNetwork or a ComputationGraph, got "
                    + (network == null ? "null" : network.getClass().getName()));
        }
        this.network = network;
        this.card = Objects.requireNonNull(card, "card");
        this.warnings = List.copyOf(warnings);
        this.cardInferred = cardInferred;
        this.onnxBase = onnxBase;
        Engine.attachHelpers(network); // oneDNN helpers, fed dense inputs (DenseInputHelpers)
        AxisKeepingMergeVertex.keepAxes(network); // DL4J's MergeVertex.clone() forgets its axis
    }

    /** Wraps a network and its card. */
    public static GraftModel of(Model network, ModelCard card) {
        return new GraftModel(network, card);
    }

    /**
     * A model whose frozen part is an ONNX graph run by ONNX Runtime and whose top is a DL4J network: raw input is
     * normalized as the card says, run through {@code base} (one input, one output: an {@link OnnxGraph#cut} of an
     * imported ONNX model), and its output fed to {@code head}. Saved in one zip: the head's ModelSerializer entries,
     * the base as {@value ModelArchive#ONNX_ENTRY} (bytes unchanged), the card.
     *
     * @param card describes the raw input (e.g. NCHW [3, 224, 224]) and the head's labels
     */
    public static GraftModel withOnnxBase(OnnxGraph base, Model head, ModelCard card) {
        Objects.requireNonNull(base, "base");
        requireCardFits(head, headCard(card), "model '" + card.name() + "'");
        return new GraftModel(head, card, List.of(), false, base);
    }

    /** The frozen ONNX part below {@link #network()}, when this model has one ({@link #withOnnxBase}). */
    public java.util.Optional<OnnxGraph> onnxBase() {
        return java.util.Optional.ofNullable(onnxBase);
    }

    /** The card as the head sees it: the input shape is the base's output, not the raw input; not checked. */
    private static ModelCard headCard(ModelCard card) {
        return card.toBuilder().input(InputLayout.FLAT).build();
    }

    /**
     * Releases the ONNX Runtime session of the frozen ONNX part, if {@link #predict} opened one (native memory the
     * size of the part's weights); a later {@code predict} opens a new one. Nothing to release for a DL4J-only
     * model. Idempotent.
     */
    @Override
    public void close() {
        OnnxRunner r;
        synchronized (this) {
            r = onnxRunner;
            onnxRunner = null;
        }
        if (r != null) {
            r.close();
        }
    }

    private OnnxRunner onnxRunner() {
        OnnxRunner r = onnxRunner;
        if (r == null) {
            synchronized (this) {
                if (onnxRunner == null) {
                    onnxRunner = OnnxRunner.open(onnxBase, Math.max(1, Engine.startThreads()));
                }
                r = onnxRunner;
            }
        }
        return r;
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
        return new GraftModel(network, newCard, List.of(), false, onnxBase);
    }

    /**
     * Normalizes raw input as the card says and runs the network in inference mode.
     *
     * @param raw a batch, {@code [batch, ...inputShape]} in the card's layout, unnormalized
     * @return the network's (first) output (for a model with an {@link #onnxBase()}: the network's output on the
     *     base's output)
     */
    public INDArray predict(INDArray raw) {
        INDArray x = preprocess(raw);
        if (onnxBase != null) {
            x = onnxRunner().run(x);
        }
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
     * Saves the network (with updater state) to {@code zip}, with the card inside it as the entry
     * {@value #CARD_ENTRY} and a readable copy beside it ({@code m.card.json}). The card records the sha256 of every
     * other entry of the zip (not of the file, so a copy under another name still checks). Written to a temp file
     * and renamed, so a crash never leaves a half-written model.
     *
     * @return the model as saved (its card now carries the entries' sha256)
     * @throws IllegalArgumentException if the card does not fit the network (label count vs outputs, input shape vs
     *     first layer)
     * @throws IOException if the file cannot be written
     */
    public GraftModel save(Path zip) throws IOException {
        requireCardFits(network, onnxBase != null ? headCard(card) : card, "cannot save model '" + card.name() + "'"
                + (card.origin() != null ? " (from " + card.origin().replaceFirst(" \\(.*", "") + ")" : "") + " to " + zip);
        Path dir = zip.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path raw = Files.createTempFile(dir, zip.getFileName().toString(), ".dl4j.tmp");
        Path tmp = Files.createTempFile(dir, zip.getFileName().toString(), ".tmp");
        try {
            ModelSerializer.writeModel(network, raw.toFile(), true);
            java.util.Map<String, byte[]> extra = onnxBase == null ? java.util.Map.of()
                    : java.util.Map.of(ModelArchive.ONNX_ENTRY, onnxBase.bytes());
            ModelCard saved = ModelArchive.repackWithCard(raw, tmp, card, extra);
            Files.move(tmp, zip, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            saved.write(ModelCard.besides(zip));
            return new GraftModel(network, saved, List.of(), false, onnxBase);
        } finally {
            Files.deleteIfExists(raw);
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Loads a model file. Every entry of the zip is read with its CRC checked. Then, by what the file holds:
     * <ul>
     *   <li>a Graft zip: the card inside ({@value #CARD_ENTRY}); every entry must match the sha256 the card records
     *       (the file's name does not matter: a renamed copy without its sidecar loads the same);</li>
     *   <li>an older Graft zip with only the sidecar card ({@code m.card.json}): the whole file's sha256 is checked
     *       against the card's;</li>
     *   <li>a plain DL4J ModelSerializer zip: a card is inferred from the network (input size from the first layer,
     *       no normalization, outputs unnamed) and {@link #warnings()} says what was assumed.</li>
     * </ul>
     * Then the card is checked against the network: one label per output, the input shape the first layer takes.
     *
     * @throws java.io.FileNotFoundException if the file is missing or a folder
     * @throws java.nio.file.AccessDeniedException if it cannot be read
     * @throws IOException if it is not a zip, an entry is damaged (CRC, truncation) or fails its checksum, a Graft
     *     zip lacks its card, the card is invalid or does not fit the network, or DL4J cannot read the network;
     *     every message names the file (and the entry) and says what to do
     */
    public static GraftModel load(Path zip) throws IOException {
        InputFiles.requireReadableFile(zip, "model file");
        ModelArchive archive = ModelArchive.read(zip);
        List<String> warnings = new ArrayList<>();
        ModelCard card = archive.card(warnings);
        Model net = readNetwork(zip);
        boolean inferred = card == null;
        if (inferred) {
            card = inferCard(net, zip, warnings);
        }
        OnnxGraph base = null;
        if (archive.has(ModelArchive.ONNX_ENTRY)) {
            base = OnnxGraph.parse(archive.entryBytes(ModelArchive.ONNX_ENTRY), zip.getFileName() + " (frozen ONNX part)");
        }
        try {
            requireCardFits(net, base != null ? headCard(card) : card, "model file " + zip);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        return new GraftModel(net, card, warnings, inferred, base);
    }

    /** True if {@link #load(Path)} found no card (a plain DL4J zip) and inferred this one from the network. */
    public boolean cardInferred() {
        return cardInferred;
    }

    /**
     * For a model whose card was inferred: the same model with the input shape the user states, checked against the
     * network's first layer; {@link #warnings()} then says this shape was used.
     *
     * @throws IllegalStateException if the model has a card of its own (its card says the shape)
     * @throws IllegalArgumentException if the first layer cannot take that shape
     */
    public GraftModel withStatedInput(Path file, InputLayout layout, long... shape) {
        if (!cardInferred) {
            throw new IllegalStateException("model file " + file + " has a model card (input " + Arrays.toString(card.inputShape())
                    + " " + card.layout() + "); --input-shape is only for plain DL4J zips without one");
        }
        ModelCard stated = card.toBuilder().input(layout, shape).build();
        requireCardFits(network, stated, "model file " + file + " with --input-shape " + Arrays.toString(shape) + " " + layout);
        long outputs = NetworkShapes.outputSize(network);
        return new GraftModel(network, stated, List.of(file + " has no model card (a plain DL4J zip): using input "
                + Arrays.toString(shape) + " " + layout + " as stated, no input normalization, "
                + (outputs > 0 ? outputs + " unnamed outputs" : "unnamed outputs")), true);
    }

    /**
     * What loading assumed or noticed, one line each (e.g. the card inferred for a plain DL4J zip); empty for a model
     * that was not loaded from a file or loaded with nothing to say. The CLI prints them as {@code warning:} lines.
     */
    public List<String> warnings() {
        return warnings;
    }

    /** The size of the network's output (nOut of its output layer), or -1 when the configuration does not say. */
    public long outputSize() {
        return NetworkShapes.outputSize(network);
    }

    /**
     * Checks a card against a network: as many labels as outputs (when the card has labels), and an input shape the
     * first layer can take (a dense layer's inputs, a convolution's or recurrent layer's channels).
     *
     * @param what names the model in the message, e.g. {@code "model file m.zip"}
     * @throws IllegalArgumentException saying what disagrees and what to do
     */
    public static void requireCardFits(Model network, ModelCard card, String what) {
        long outputs = NetworkShapes.outputSize(network);
        List<String> labels = card.labels();
        if (!labels.isEmpty() && outputs > 0 && labels.size() != outputs) {
            throw new IllegalArgumentException(what + ": its card names " + labels.size() + " labels ("
                    + abbreviate(labels) + ") but the network has " + outputs
                    + " outputs; the card does not belong to this network — give exactly one label per output");
        }
        long[] shape = card.inputShape();
        NetworkShapes.FirstLayer first = NetworkShapes.firstLayer(network);
        if (shape.length == 0 || first == null) {
            return;
        }
        if (card.layout() == InputLayout.FLAT) {
            org.deeplearning4j.nn.conf.inputs.InputType implied = NetworkShapes.impliedInputType(network);
            long takes = implied == null ? -1 : implied.arrayElementsPerExample();
            if (implied != null && implied.getType() != org.deeplearning4j.nn.conf.inputs.InputType.Type.RNN
                    && takes > 0 && takes != card.inputSize()) {
                throw new IllegalArgumentException(what + ": its card says input " + Arrays.toString(shape)
                        + " (" + card.inputSize() + " values) but the network's first layer takes " + takes
                        + "; the card does not belong to this network — fix the card's inputShape");
            }
        } else if (first.preProcessor() == null && first.layer() instanceof FeedForwardLayer ff && ff.getNIn() > 0
                && (first.layer() instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer
                    || first.layer() instanceof org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer
                    || first.layer() instanceof org.deeplearning4j.nn.conf.layers.Convolution1DLayer)
                && shape[card.layout().channelAxis()] != ff.getNIn()) {
            throw new IllegalArgumentException(what + ": its card says input " + Arrays.toString(shape) + " "
                    + card.layout() + " (" + shape[card.layout().channelAxis()] + " channels) but the network's first layer takes "
                    + ff.getNIn() + " channels; the card does not belong to this network — fix the card's inputShape/layout");
        }
    }

    /** A card for a network saved without one: the input shape the first layer implies, no normalization, no labels. */
    private static ModelCard inferCard(Model net, Path zip, List<String> warnings) {
        String stem = zip.getFileName().toString().replaceFirst("\\.zip$", "");
        ModelCard.Builder b = ModelCard.builder(stem).source(SourceKind.DL4J_ZIP).architecture("unknown");
        org.deeplearning4j.nn.conf.inputs.InputType implied = NetworkShapes.impliedInputType(net);
        String input;
        if (implied != null && implied.getType() != org.deeplearning4j.nn.conf.inputs.InputType.Type.RNN) {
            long n = implied.arrayElementsPerExample();
            b.input(InputLayout.FLAT, n);
            input = "flat input of " + n + " values (from the first layer)";
        } else {
            input = "no input shape (the first layer does not say; inputs are not checked)";
        }
        long outputs = NetworkShapes.outputSize(net);
        warnings.add(zip + " has no model card (a plain DL4J zip): assumed " + input + ", no input normalization, "
                + (outputs > 0 ? outputs + " unnamed outputs" : "unnamed outputs")
                + "; to state them, give --input-shape SHAPE [--layout L] on the command line (e.g. --input-shape 3,224,224), "
                + "save it with Graft, or write " + ModelCard.besides(zip).getFileName() + " beside it");
        return b.build();
    }

    private static String abbreviate(List<String> l) {
        return l.size() <= 6 ? String.join(", ", l) : String.join(", ", l.subList(0, 6)) + ", ...";
    }

    /** Reads a DL4J ModelSerializer zip as a MultiLayerNetwork or ComputationGraph, whichever it holds. */
    public static Model readNetwork(Path zip) throws IOException {
        boolean graph;
        try (ZipFile zf = new ZipFile(zip.toFile())) {
            ZipEntry conf = zf.getEntry("configuration.json");
            if (conf == null && zf.getEntry(ModelArchive.ONNX_ENTRY) != null) {
                throw new IOException(zip + " is an imported ONNX model (entry " + ModelArchive.ONNX_ENTRY + ", no DL4J "
                        + "network); load it with OnnxModel.load, or give it to a command that takes ONNX models "
                        + "(inspect, import --verify, featurize, finetune)");
            }
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
        } catch (RuntimeException | IOException e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new IOException("model file " + zip + " holds a network DL4J cannot read (" + m
                    + "); the file is damaged or not a DL4J model — copy or save it again", e);
        }
    }

    @Override
    public String toString() {
        return "GraftModel[" + card + (onnxBase != null ? ", frozen ONNX base " + onnxBase.source() : "") + "]";
    }
}
