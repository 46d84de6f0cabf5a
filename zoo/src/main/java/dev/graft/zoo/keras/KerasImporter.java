package dev.graft.zoo.keras;

import dev.graft.engine.Engine;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.zoo.Checksums;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import dev.graft.zoo.SourceKind;
import dev.graft.zoo.keras.adapters.GraftKerasLayers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.modelimport.keras.KerasLayer;
import org.deeplearning4j.nn.modelimport.keras.KerasModel;
import org.deeplearning4j.nn.modelimport.keras.KerasSequentialModel;
import org.deeplearning4j.nn.modelimport.keras.utils.KerasModelBuilder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Imports a Keras model file as a {@link GraftModel}: Keras 2 files through DL4J's own importer, Keras 3 files
 * ({@code .keras}, Keras-3-written {@code .h5}, JSON + {@code .weights.h5}) by translating their config and
 * weights into the Keras 2 form DL4J reads. Sequential models become a MultiLayerNetwork, functional ones a
 * ComputationGraph. A preflight runs first and names every layer that cannot be imported.
 * <pre>{@code
 * GraftModel m = KerasImporter.builder(Path.of("mobilenet.keras")).normalization(Normalization.scale(1 / 127.5))
 *     .build().importModel();
 * ParityReport p = ParityCheck.of(m, Path.of("mobilenet.npz"), 1e-4);   // outputs Keras wrote
 * }</pre>
 */
public final class KerasImporter {

    private final Path file;
    private final Path weights;
    private final String name;
    private final Normalization normalization;
    private final List<String> labels;

    private KerasImporter(Builder b) {
        this.file = b.file;
        this.weights = b.weights;
        this.name = b.name;
        this.normalization = b.normalization;
        this.labels = b.labels;
    }

    /** Starts an import of {@code file} (a {@code .keras}, {@code .h5} or JSON config). */
    public static Builder builder(Path file) {
        return new Builder(file);
    }

    /**
     * Checks the file without building anything: reads its config and lists every layer that cannot be imported.
     *
     * @throws KerasImportException if the file is not a readable Keras model
     */
    public PreflightReport preflight() throws KerasImportException {
        try (KerasSource src = KerasSource.open(file, weights)) {
            return preflight(src, src.format().isKeras3() ? Keras3Translator.translate(src.modelConfig()) : null);
        }
    }

    private PreflightReport preflight(KerasSource src, Keras3Translator.Translation t) throws KerasImportException {
        List<UnsupportedLayer> unsupported = new ArrayList<>();
        ObjectNode keras2;
        int major;
        String modelName;
        if (t != null) {
            unsupported.addAll(t.unsupported());
            keras2 = t.keras2Config();
            major = 2;
            modelName = t.modelName();
        } else {
            keras2 = src.modelConfig();
            major = majorVersion(src);
            modelName = src.modelConfig().path("config").path("name").asText(stem(file));
            // Keras 3 files get these in the translator: options DL4J reads past (go_backwards) and layers it
            // computes differently; the rank-dependent ones once DL4J's own check has passed (Keras2Checks)
            if (major >= 2) {
                unsupported.addAll(Keras2Checks.problems(keras2, false));
            } else { // Keras 1 (Theano dim ordering and all) keeps DL4J's reading, go_backwards aside
                for (JsonNode layer : KerasPreflight.layersOf(keras2)) {
                    String ignored = Keras3Adaptations.ignoredByDl4j(layer.path("config"));
                    if (ignored != null) {
                        unsupported.add(new UnsupportedLayer(layer.path("config").path("name").asText("?"),
                                layer.path("class_name").asText("?"), ignored));
                    }
                }
            }
        }
        List<UnsupportedLayer> dl4j = KerasPreflight.dl4jCheck(keras2, major, KerasPreflight.names(unsupported));
        unsupported.addAll(dl4j);
        if (t == null && major >= 2 && unsupported.isEmpty()) {
            unsupported.addAll(Keras2Checks.problems(keras2, true)); // all checks, with the ranks
        }
        if (t != null) {
            Set<String> reported = KerasPreflight.names(unsupported);
            t.unknownWeightLayouts().stream().filter(u -> !reported.contains(u.name())).forEach(unsupported::add);
        }
        // keep model order
        List<String> order = new ArrayList<>();
        KerasPreflight.layersOf(keras2).forEach(l -> order.add(l.path("config").path("name").asText()));
        unsupported.sort((a, b) -> Integer.compare(order.indexOf(a.name()), order.indexOf(b.name())));
        return new PreflightReport(src.file(), src.format(), src.kerasVersion(), modelName,
                KerasPreflight.layersOf(keras2).size(), unsupported);
    }

    /**
     * Runs the preflight, then imports the model with its weights and describes it in a model card
     * (source, input shape and layout, the normalization and labels given to the builder).
     *
     * @throws UnsupportedKerasModelException if any layer cannot be imported (all are named)
     * @throws KerasImportException if the file is damaged or DL4J cannot build the model
     */
    public GraftModel importModel() throws KerasImportException {
        try (KerasSource src = KerasSource.open(file, weights)) {
            Keras3Translator.Translation t = src.format().isKeras3()
                    ? Keras3Translator.translate(src.modelConfig()) : null;
            PreflightReport report = preflight(src, t);
            report.requireImportable();
            src.requireWeightsFile();
            KerasModel km = t != null ? buildKeras3(src, t) : buildKeras2(src);
            Model net = network(km);
            ModelCard card = card(src, report, km);
            requireRuns(net, card);
            return GraftModel.of(net, card);
        }
    }

    private KerasModel buildKeras3(KerasSource src, Keras3Translator.Translation t) throws KerasImportException {
        GraftKerasLayers.register();
        Map<String, Map<String, INDArray>> w = Keras3Weights.read(src, t.layers());
        KerasModel km;
        try (KerasModelBuilder b = new KerasModel().modelBuilder()) {
            ObjectNode json = t.keras2Config().deepCopy();
            Dl4jWorkarounds.replaceOrthogonalInitializers(json);
            moveNormalizationStatistics(json, w);
            b.modelJson(json.toString()).enforceTrainingConfig(false);
            km = t.sequential() ? b.buildSequential() : b.buildModel();
            for (Map.Entry<String, List<Keras3Adaptations.LayerFix>> e : t.fixes().entrySet()) {
                KerasLayer layer = km.getLayers().get(e.getKey());
                if (layer == null || layer.getLayer() == null) {
                    throw new KerasImportException("DL4J built no layer for '" + e.getKey() + "' of " + src.file()
                            + ", which Graft must adjust");
                }
                for (Keras3Adaptations.LayerFix fix : e.getValue()) {
                    fix.apply(layer.getLayer());
                }
            }
            for (Map.Entry<String, Map<String, INDArray>> e : w.entrySet()) {
                KerasLayer layer = km.getLayers().get(e.getKey());
                if (layer == null) {
                    throw new KerasImportException("DL4J dropped layer '" + e.getKey() + "' of " + src.file()
                            + " while building; its weights have nowhere to go");
                }
                layer.setWeights(new HashMap<>(e.getValue()));
            }
        } catch (KerasImportException e) {
            throw e;
        } catch (Exception e) {
            throw new KerasImportException("DL4J could not build the translated model of " + src.file() + ": "
                    + firstLine(e), e);
        }
        return km;
    }

    /**
     * A Keras Normalization layer's adapted mean and variance are weights; Graft's adapter takes them as fixed
     * config values ({@code graft_mean}, {@code graft_variance}), so they move from the weights into the config.
     */
    private static void moveNormalizationStatistics(ObjectNode json, Map<String, Map<String, INDArray>> w) {
        for (JsonNode layer : KerasPreflight.layersOf(json)) {
            if (!layer.path("class_name").asText().equals(GraftKerasLayers.NORMALIZATION)) {
                continue;
            }
            ObjectNode c = (ObjectNode) layer.path("config");
            Map<String, INDArray> stats = w.remove(c.path("name").asText());
            if (stats != null && !c.has("graft_mean")) {
                c.set("graft_mean", numbers(stats.get("mean")));
                c.set("graft_variance", numbers(stats.get("variance")));
            }
        }
    }

    private static JsonNode numbers(INDArray a) {
        ArrayNode n = KerasSource.JSON.createArrayNode();
        for (double v : a.castTo(DataType.DOUBLE).data().asDouble()) {
            n.add(v);
        }
        return n;
    }

    private KerasModel buildKeras2(KerasSource src) throws KerasImportException {
        boolean sequential = src.modelConfig().path("class_name").asText().equals("Sequential");
        try (KerasModelBuilder b = new KerasModel().modelBuilder()) {
            if (src.format() == KerasFormat.KERAS2_H5) {
                b.modelHdf5Filename(src.file().toString());
            } else {
                b.modelJsonFilename(src.file().toString()).weightsHdf5FilenameNoRoot(src.weightsFile().toString());
            }
            // DL4J's own weights path, with the config it read minus orthogonal initializers (Dl4jWorkarounds)
            JsonNode json = KerasSource.JSON.readTree(b.getModelJson());
            Dl4jWorkarounds.replaceOrthogonalInitializers(json);
            b.modelJson(json.toString()).enforceTrainingConfig(false);
            return sequential ? b.buildSequential() : b.buildModel();
        } catch (Exception e) {
            throw new KerasImportException("DL4J's Keras importer could not read " + src.file() + ": " + firstLine(e), e);
        }
    }

    private Model network(KerasModel km) throws KerasImportException {
        Dl4jWorkarounds.afterBuild(km);
        Model net;
        try {
            net = km instanceof KerasSequentialModel ? ((KerasSequentialModel) km).getMultiLayerNetwork(true)
                    : km.getComputationGraph(true);
        } catch (Exception e) {
            throw new KerasImportException("DL4J could not assemble the network of " + file + ": " + firstLine(e), e);
        }
        requireWeightShapes(km, net);
        requireFiniteWeights(net);
        return net;
    }

    /**
     * No parameter is NaN or infinite: such a network imports and predicts NaN for every input (a model trained
     * into divergence, or a damaged file). Names the first layer and parameter found, with the count.
     *
     * @throws KerasImportException naming the file, the layer, the parameter and how many values are not finite
     */
    private void requireFiniteWeights(Model net) throws KerasImportException {
        INDArray all = net.params();
        if (all == null || all.isEmpty() || !(all.isNaN().any() || all.isInfinite().any())) {
            return;
        }
        org.deeplearning4j.nn.api.Layer[] layers = net instanceof ComputationGraph ? ((ComputationGraph) net).getLayers()
                : ((org.deeplearning4j.nn.multilayer.MultiLayerNetwork) net).getLayers();
        for (org.deeplearning4j.nn.api.Layer l : layers) {
            for (Map.Entry<String, INDArray> e : l.paramTable().entrySet()) {
                INDArray bad = e.getValue().isNaN().castTo(DataType.INT32).addi(
                        e.getValue().isInfinite().castTo(DataType.INT32));
                long n = bad.sumNumber().longValue();
                if (n > 0) {
                    throw new KerasImportException("weight '" + e.getKey() + "' of layer '"
                            + l.conf().getLayer().getLayerName() + "' in " + file + " holds " + n + " NaN or "
                            + "infinite value(s) of " + e.getValue().length() + "; the network would predict NaN. "
                            + "The model diverged in training or the file is damaged: save it again from a good "
                            + "checkpoint");
                }
            }
        }
        throw new KerasImportException(file + " holds NaN or infinite weights; the network would predict NaN");
    }

    /**
     * Every weight DL4J took from the file has the shape of the parameter it went into. DL4J copies a weight into a
     * parameter of another shape when the element counts agree (a Dense kernel stored {@code [out, in]} imported
     * transposed, silently wrong: tools/import-fuzz/REPORT.md); Keras 2 files go through DL4J's weight reading
     * only, so this is where their weight layout is checked. Size-1 axes are ignored ({@code [C]} vs
     * {@code [1, C]}). Only layer classes whose DL4J importer holds the weights in the parameter's layout are
     * checked ({@link #FINAL_LAYOUT}; DL4J's Conv1D, for one, permutes its kernel later, while copying).
     *
     * @throws KerasImportException naming the layer, the weight and both shapes
     */
    /** Keras classes whose DL4J importer keeps converted weights in the layout of the DL4J parameter. */
    private static final Set<String> FINAL_LAYOUT = Set.of("Dense", "Conv2D", "DepthwiseConv2D", "SeparableConv2D",
            "BatchNormalization", "Embedding", "LSTM", "SimpleRNN");

    private void requireWeightShapes(KerasModel km, Model net) throws KerasImportException {
        Map<String, org.deeplearning4j.nn.api.Layer> byName = new HashMap<>();
        if (net instanceof ComputationGraph) {
            for (org.deeplearning4j.nn.api.Layer l : ((ComputationGraph) net).getLayers()) {
                byName.put(l.conf().getLayer().getLayerName(), l);
            }
        } else if (net instanceof org.deeplearning4j.nn.multilayer.MultiLayerNetwork) {
            for (org.deeplearning4j.nn.api.Layer l : ((org.deeplearning4j.nn.multilayer.MultiLayerNetwork) net)
                    .getLayers()) {
                byName.put(l.conf().getLayer().getLayerName(), l);
            }
        }
        for (KerasLayer kl : km.getLayersOrdered()) {
            Map<String, INDArray> w = kl.getWeights();
            org.deeplearning4j.nn.api.Layer target = byName.get(kl.getLayerName());
            if (w == null || w.isEmpty() || target == null || !FINAL_LAYOUT.contains(kl.getClassName())) {
                continue;
            }
            Map<String, INDArray> params = target.paramTable();
            for (Map.Entry<String, INDArray> e : w.entrySet()) {
                INDArray p = params == null ? null : params.get(e.getKey());
                if (p == null || e.getValue() == null) {
                    continue;
                }
                if (!Arrays.equals(squeezed(p.shape()), squeezed(e.getValue().shape()))) {
                    throw new KerasImportException("weight '" + e.getKey() + "' of layer '" + kl.getLayerName() + "' ("
                            + kl.getClassName() + ") in " + file + " has shape " + Arrays.toString(e.getValue().shape())
                            + " in DL4J's layout where the layer's parameter is " + Arrays.toString(p.shape())
                            + "; DL4J would copy it by element count and compute something else. The weights "
                            + "were saved with another layout or do not belong to this config");
                }
            }
        }
    }

    private static long[] squeezed(long[] shape) {
        return Arrays.stream(shape).filter(d -> d != 1).toArray();
    }

    /**
     * Runs a batch of two zero inputs of the card's shape through the built network. DL4J builds some networks
     * that cannot run at all (a layer sized for another input, a workspace it leaves closed): refused here, with
     * DL4J's reason, instead of saved and failing later in featurize or predict. Skipped when the input shape has
     * a variable dimension.
     *
     * @throws KerasImportException naming the file, the input shape and DL4J's error
     */
    private void requireRuns(Model net, ModelCard card) throws KerasImportException {
        long[] in = card.inputShape();
        if (in.length == 0) {
            return;
        }
        long[] batch = new long[in.length + 1];
        batch[0] = 2;
        System.arraycopy(in, 0, batch, 1, in.length);
        INDArray x = Nd4j.zeros(DataType.FLOAT, batch);
        try {
            if (net instanceof ComputationGraph g) {
                if (g.getNumInputArrays() != 1) {
                    return; // the card describes the first input only
                }
                g.output(false, x);
            } else {
                ((org.deeplearning4j.nn.multilayer.MultiLayerNetwork) net).output(x, false);
            }
        } catch (RuntimeException e) {
            throw new KerasImportException("DL4J built a network from " + file + " that cannot run an input of shape "
                    + Arrays.toString(in) + " (" + card.layout() + "): " + firstLine(e) + "; nothing was "
                    + "imported -- cut the model before the layer named there, or report it to Graft's maintainers", e);
        }
    }

    private ModelCard card(KerasSource src, PreflightReport report, KerasModel km) throws KerasImportException {
        ModelCard.Builder c = ModelCard.builder(name != null ? name : report.modelName())
                .architecture("keras-" + src.modelConfig().path("class_name").asText().toLowerCase(Locale.ROOT)
                        + " '" + report.modelName() + "' (" + report.layerCount() + " layers)")
                .source(src.format().isKeras3() ? SourceKind.KERAS3 : SourceKind.KERAS2)
                .normalization(normalization).labels(labels);
        String sha;
        try {
            sha = Checksums.sha256(src.file());
        } catch (IOException e) {
            throw new KerasImportException("cannot read " + src.file() + ": " + e.getMessage(), e);
        }
        c.origin(src.file().getFileName() + " (" + src.format() + ", Keras " + src.kerasVersion() + ", sha256 " + sha
                + ")");
        List<String> inputs = km.getInputLayerNames();
        InputType in = km.getOutputTypes().get(inputs.get(0));
        setInput(c, in);
        StringBuilder notes = new StringBuilder("imported by Graft from " + src.format());
        if (src.format().isKeras3()) {
            notes.append(" via translation to the Keras 2 form DL4J reads");
        }
        if (inputs.size() > 1) {
            notes.append("; the model has ").append(inputs.size()).append(" inputs ").append(inputs)
                    .append(", the card describes the first");
        }
        c.notes(notes.toString());
        try {
            return c.build();
        } catch (IllegalArgumentException e) {
            throw new KerasImportException("cannot describe the input of " + src.file() + ": " + e.getMessage(), e);
        }
    }

    /** The card's input shape and layout, from the input type DL4J inferred. */
    static void setInput(ModelCard.Builder c, InputType in) {
        if (in instanceof InputType.InputTypeConvolutional) {
            InputType.InputTypeConvolutional t = (InputType.InputTypeConvolutional) in;
            if (t.getFormat() == CNN2DFormat.NHWC) {
                c.input(InputLayout.NHWC, positive(t.getHeight(), t.getWidth(), t.getChannels()));
            } else {
                c.input(InputLayout.NCHW, positive(t.getChannels(), t.getHeight(), t.getWidth()));
            }
        } else if (in instanceof InputType.InputTypeRecurrent) {
            InputType.InputTypeRecurrent t = (InputType.InputTypeRecurrent) in;
            if (t.getFormat() == RNNFormat.NWC) {
                c.input(InputLayout.NWC, positive(t.getTimeSeriesLength(), t.getSize()));
            } else {
                c.input(InputLayout.NCW, positive(t.getSize(), t.getTimeSeriesLength()));
            }
        } else if (in instanceof InputType.InputTypeFeedForward) {
            c.input(InputLayout.FLAT, positive(((InputType.InputTypeFeedForward) in).getSize()));
        }
    }

    /** The shape, or no shape at all when a dimension is variable (e.g. sequence length). */
    private static long[] positive(long... dims) {
        for (long d : dims) {
            if (d <= 0) {
                return new long[0];
            }
        }
        return dims;
    }

    private static int majorVersion(KerasSource src) {
        String v = src.kerasVersion();
        return !v.isEmpty() && Character.isDigit(v.charAt(0)) ? Character.getNumericValue(v.charAt(0)) : 2;
    }

    private static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.indexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    /** Builds a {@link KerasImporter}; {@link #build()} checks the values. */
    public static final class Builder {
        private final Path file;
        private Path weights;
        private String name;
        private Normalization normalization = Normalization.identity();
        private List<String> labels = List.of();

        private Builder(Path file) {
            this.file = file;
        }

        /** The weights file, when the model file is a JSON config. */
        public Builder weights(Path weights) {
            this.weights = weights;
            return this;
        }

        /** The model card's name (default: the Keras model's name). */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Preprocessing the model expects, recorded in its card (default: none). */
        public Builder normalization(Normalization normalization) {
            this.normalization = Objects.requireNonNull(normalization, "normalization");
            return this;
        }

        /** Output class labels, recorded in the card. */
        public Builder labels(List<String> labels) {
            this.labels = List.copyOf(labels);
            return this;
        }

        /**
         * Checks and builds the importer.
         *
         * @throws IllegalArgumentException if no file was given or the name is blank
         */
        public KerasImporter build() {
            if (file == null) {
                throw new IllegalArgumentException("a Keras import needs a file (.keras, .h5 or .json)");
            }
            if (name != null && name.isBlank()) {
                throw new IllegalArgumentException("the model name must not be blank");
            }
            return new KerasImporter(this);
        }
    }
}
