package dev.graft.transfer;

import dev.graft.engine.Engine;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * One validated recipe for reshaping a pretrained network, for MultiLayerNetwork and ComputationGraph alike:
 * freeze through a layer, drop layers from the top, tweak a layer's width, add layers, replace the head.
 *
 * <pre>{@code
 * GraftModel planned = TransferPlan.builder()
 *     .freezeThrough("fc1").newClassifier(List.of("5", "6", "7", "8", "9")).build()
 *     .apply(base);
 * Cut cut = Cut.of(planned);   // the cut the plan recorded in planned.card().cut(): "fc1"
 * }</pre>
 *
 * <p>Layers are named as {@link LayerRef} resolves them (a name, or an index), with its one error message.
 *
 * <p>{@link #apply} checks the plan against the network before any surgery; every error names the layer
 * and lists the valid ones. The result is a new network: parameters of every layer whose shape did not
 * change are copied, new and resized layers (and the layers that read a resized one) are freshly
 * initialized, frozen layers are wrapped in DL4J's {@code FrozenLayer} with their regularization and
 * updater removed (so no L1/L2 can move them, DL4J #4250), and input sizes are recomputed from input types
 * through subsampling, batch-norm and flattening layers (DL4J #6389, #3302).
 */
public final class TransferPlan {

    private final String freezeThrough;
    private final int dropTop;
    private final Head head;
    private final Map<String, Integer> widths;
    private final List<NewLayer> added;
    private final long seed;
    private final boolean seedSet;
    private final IUpdater updater;
    private final WeightInit weightInit;
    private final List<String> labels;
    private final InputType inputType;

    private TransferPlan(Builder b) {
        this.freezeThrough = b.freezeThrough;
        this.dropTop = b.dropTop;
        this.head = b.head;
        this.widths = new LinkedHashMap<>(b.widths);
        this.added = List.copyOf(b.added);
        this.seed = b.seed;
        this.seedSet = b.seedSet;
        this.updater = b.updater;
        this.weightInit = b.weightInit;
        this.labels = b.labels == null ? null : List.copyOf(b.labels);
        this.inputType = b.inputType;
    }

    /** A new, empty plan builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this plan's steps, to vary it. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.freezeThrough = freezeThrough;
        b.dropTop = dropTop;
        b.head = head;
        b.widths.putAll(widths);
        b.added.addAll(added);
        b.seed = seed;
        b.seedSet = seedSet;
        b.updater = updater;
        b.weightInit = weightInit;
        b.labels = labels;
        b.inputType = inputType;
        return b;
    }

    /**
     * Checks the plan against a model without changing anything.
     *
     * @throws TransferPlanException naming the offending layer and the valid ones
     */
    public void check(GraftModel model) {
        apply(model, true);
    }

    /**
     * Applies the plan: a new model (the given one is not modified) with the same card, its labels replaced
     * if the plan sets labels. A new head of another width without labels leaves the card with none (outputs
     * unnamed): the old head's labels would name the wrong outputs.
     *
     * <p>The card of the result records the cut ({@link ModelCard#cut()}): the name of the layer or vertex the
     * plan froze through, as {@link LayerRef} resolved it (an index given to {@link Builder#freezeThrough(int)}
     * is recorded as the layer's name), or none when the plan freezes nothing. It is saved with the model;
     * {@code Cut.of(GraftModel)} reads it back.
     *
     * @throws TransferPlanException if the plan does not fit the network; nothing is changed then
     */
    public GraftModel apply(GraftModel model) {
        return apply(model, false);
    }

    private GraftModel apply(GraftModel model, boolean dryRun) {
        Objects.requireNonNull(model, "model");
        InputType type = inputType != null ? inputType : inputTypeFromCard(model.card());
        Model out;
        if (model.network() instanceof MultiLayerNetwork) {
            out = new MlnSurgery(this, (MultiLayerNetwork) model.network(), type, model.card().name()).run(dryRun);
        } else {
            out = new GraphSurgery(this, (ComputationGraph) model.network(), type, model.card().name()).run(dryRun);
        }
        if (dryRun) {
            return model;
        }
        ModelCard.Builder card = model.card().toBuilder();
        if (labels != null) {
            card.labels(labels);
        } else if (head != null && model.card().labels().size() != head.nOut()) {
            card.labels(List.of());
        }
        card.cut(freezeThrough == null ? null : LayerRef.resolve(model.network(), freezeThrough).name());
        return GraftModel.of(out, card.build());
    }

    /** The DL4J input type a model card describes, or null if the card has no input shape. */
    static InputType inputTypeFromCard(ModelCard card) {
        long[] s = card.inputShape();
        if (s == null || s.length == 0) {
            return null;
        }
        if (s.length == 1) {
            return InputType.feedForward(s[0]);
        }
        if (s.length == 3) {
            return card.layout() == InputLayout.NHWC ? InputType.convolutional(s[0], s[1], s[2], org.deeplearning4j.nn.conf.CNN2DFormat.NHWC)
                    : InputType.convolutional(s[1], s[2], s[0]);
        }
        if (s.length == 2) {
            return InputType.recurrent(s[0], s[1]);
        }
        return null;
    }

    String freezeThrough() {
        return freezeThrough;
    }

    int dropTop() {
        return dropTop;
    }

    Head head() {
        return head;
    }

    Map<String, Integer> widths() {
        return widths;
    }

    List<NewLayer> added() {
        return added;
    }

    long seed() {
        return seed;
    }

    boolean seedSet() {
        return seedSet;
    }

    IUpdater updater() {
        return updater;
    }

    WeightInit weightInit() {
        return weightInit;
    }

    /** The layers this plan adds on top, head last, each with its name (copies of the configurations). */
    List<NewLayer> newLayers(java.util.function.Predicate<String> taken) {
        List<NewLayer> out = new ArrayList<>();
        for (NewLayer n : added) {
            out.add(new NewLayer(n.name(), n.layer().clone()));
        }
        if (head != null) {
            String name = head.name();
            if (name == null) {
                name = "graft_output";
                int k = 1;
                while (taken.test(name) || isAdded(out, name)) {
                    name = "graft_output_" + (++k);
                }
            }
            OutputLayer ol = new OutputLayer.Builder(head.loss()).nOut(head.nOut()).activation(head.activation())
                    .weightInit(head.weightInit() != null ? head.weightInit() : weightInit).name(name).build();
            out.add(new NewLayer(name, ol));
        }
        return out;
    }

    private static boolean isAdded(List<NewLayer> layers, String name) {
        return layers.stream().anyMatch(nl -> nl.name().equals(name));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("TransferPlan[");
        if (freezeThrough != null) {
            sb.append("freeze through ").append(freezeThrough).append("; ");
        }
        if (dropTop > 0) {
            sb.append("drop top ").append(dropTop).append("; ");
        }
        widths.forEach((k, v) -> sb.append("width ").append(k).append("=").append(v).append("; "));
        added.forEach(a -> sb.append("add ").append(a.name()).append("; "));
        if (head != null) {
            sb.append("head ").append(head.nOut()).append(" ").append(head.activation()).append("/").append(head.loss());
        }
        return sb.append("]").toString();
    }

    /** A new output layer: width, activation, loss, optional name and weight init. */
    public record Head(int nOut, Activation activation, LossFunction loss, String name, WeightInit weightInit) {
    }

    /** A layer the plan adds on top of the kept network, by name. */
    public record NewLayer(String name, Layer layer) {
    }

    /** Collects the steps of a plan; {@link #build()} checks them for consistency. */
    public static final class Builder {
        private String freezeThrough;
        private int dropTop;
        private Head head;
        private final Map<String, Integer> widths = new LinkedHashMap<>();
        private final List<NewLayer> added = new ArrayList<>();
        private long seed = 12345;
        private boolean seedSet;
        private IUpdater updater = new Adam(1e-3);
        private WeightInit weightInit = WeightInit.XAVIER;
        private List<String> labels;
        private InputType inputType;

        private Builder() {
        }

        /**
         * Freezes this layer (a name or an index, resolved by {@link LayerRef}; in a graph, the vertex and all its
         * ancestors) and everything below it; all above train. {@link #apply} records it as the model's cut.
         */
        public Builder freezeThrough(String layer) {
            this.freezeThrough = Objects.requireNonNull(layer, "layer");
            return this;
        }

        /** Freezes layer {@code index} and everything below it (MultiLayerNetwork; for graphs, topological index). */
        public Builder freezeThrough(int index) {
            this.freezeThrough = Integer.toString(index);
            return this;
        }

        /** Freezes nothing: every layer trains (the default). */
        public Builder freezeNothing() {
            this.freezeThrough = null;
            return this;
        }

        /** Removes the top {@code n} layers (output first). */
        public Builder dropTop(int n) {
            this.dropTop = n;
            return this;
        }

        /**
         * Puts a new output layer on top. If {@link #dropTop} removed nothing, the current top layer is removed
         * first (so a Keras-imported head, a DenseLayer without a loss, is replaced by a real OutputLayer).
         */
        public Builder replaceHead(int nOut, Activation activation, LossFunction loss) {
            this.head = new Head(nOut, activation, loss, null, null);
            return this;
        }

        /** As {@link #replaceHead(int, Activation, LossFunction)}, naming the new layer and choosing its init. */
        public Builder replaceHead(String name, int nOut, Activation activation, LossFunction loss, WeightInit init) {
            this.head = new Head(nOut, activation, loss, name, init);
            return this;
        }

        /**
         * Makes the network a classifier of {@code labels}: the head is replaced by a softmax output layer of
         * {@code labels.size()} units trained with cross-entropy (MCXENT), and the card's labels become
         * {@code labels}, in output order. Short for
         * {@code replaceHead(labels.size(), Activation.SOFTMAX, LossFunction.MCXENT).labels(labels)}.
         *
         * @throws TransferPlanException if labels is null, has fewer than two entries, a blank or a repeated one
         */
        public Builder newClassifier(List<String> labels) {
            if (labels == null) {
                throw new TransferPlanException("newClassifier needs the class labels, got null; pass them in output order, "
                        + "e.g. List.of(\"cat\", \"dog\")");
            }
            if (labels.size() < 2) {
                throw new TransferPlanException("a classifier needs at least two classes, got " + labels.size() + ": " + labels);
            }
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (String l : labels) {
                if (l == null || l.isBlank()) {
                    throw new TransferPlanException("class labels must not be blank, got " + labels);
                }
                if (!seen.add(l)) {
                    throw new TransferPlanException("class label '" + l + "' appears twice in " + labels + "; give each class once");
                }
            }
            this.head = new Head(labels.size(), Activation.SOFTMAX, LossFunction.MCXENT, null, null);
            this.labels = List.copyOf(labels);
            return this;
        }

        /** Changes a trainable layer's width (nOut; the layer named as {@link LayerRef} resolves it); its readers get new input sizes. */
        public Builder tweakWidth(String layer, int nOut) {
            widths.put(Objects.requireNonNull(layer, "layer"), nOut);
            return this;
        }

        /** Adds a layer on top of the kept network (below the new head), in call order. */
        public Builder addLayer(String name, Layer layer) {
            added.add(new NewLayer(Objects.requireNonNull(name, "name"), Objects.requireNonNull(layer, "layer")));
            return this;
        }

        /** Adds a dense layer with the given width, activation and weight initialization. */
        public Builder addDense(String name, int nOut, Activation activation, WeightInit init) {
            return addLayer(name, new DenseLayer.Builder().nOut(nOut).activation(activation).weightInit(init).name(name).build());
        }

        /** Seed for the initialization of new and resized layers. */
        public Builder seed(long seed) {
            this.seed = seed;
            this.seedSet = true;
            return this;
        }

        /** Updater for new layers and for layers that were frozen and now train (default Adam 1e-3). */
        public Builder updater(IUpdater updater) {
            this.updater = Objects.requireNonNull(updater, "updater");
            return this;
        }

        /** Default weight initialization of new layers (default Xavier). */
        public Builder weightInit(WeightInit init) {
            this.weightInit = Objects.requireNonNull(init, "init");
            return this;
        }

        /** Class labels for the model card of the result (usually with {@link #replaceHead}). */
        public Builder labels(List<String> labels) {
            this.labels = labels;
            return this;
        }

        /** The network's input type, when the model card has no input shape. */
        public Builder inputType(InputType type) {
            this.inputType = type;
            return this;
        }

        /**
         * Checks the steps against each other.
         *
         * @throws TransferPlanException on a negative drop count, a non-positive width, a duplicate layer name,
         *                               or labels that do not match the new head's width
         */
        public TransferPlan build() {
            if (dropTop < 0) {
                throw new TransferPlanException("dropTop must be 0 or more, got " + dropTop);
            }
            if (head != null && head.nOut() <= 0) {
                throw new TransferPlanException("the new head needs a positive width, got nOut=" + head.nOut());
            }
            widths.forEach((k, v) -> {
                if (v <= 0) {
                    throw new TransferPlanException("layer '" + k + "' needs a positive width, got " + v);
                }
            });
            List<String> names = new ArrayList<>();
            for (NewLayer n : added) {
                if (names.contains(n.name()) || (head != null && n.name().equals(head.name()))) {
                    throw new TransferPlanException("the plan adds two layers named '" + n.name() + "'");
                }
                names.add(n.name());
            }
            if (labels != null && head != null && labels.size() != head.nOut()) {
                throw new TransferPlanException("the new head has " + head.nOut() + " outputs but " + labels.size()
                        + " labels were given: " + labels);
            }
            return new TransferPlan(this);
        }
    }
}
