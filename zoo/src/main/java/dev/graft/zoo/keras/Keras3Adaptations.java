package dev.graft.zoo.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.zoo.keras.adapters.GraftKerasLayers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.nd4j.linalg.api.ndarray.INDArray;
import java.util.Set;
import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.nd4j.linalg.activations.IActivation;

/**
 * Where a Keras 3 layer needs more than a renamed config to come out right in DL4J 1.0.0-M2.1: a Graft adapter class
 * ({@link GraftKerasLayers}), a change to the built DL4J layer ({@link LayerFix}), or a refusal naming the layer and
 * the option. Every case here stands for a wrong result that DL4J's importer gave without complaint (docs/
 * keras-import.md lists them with the fixture that shows each).
 */
final class Keras3Adaptations {
    /** Keras layers that are the identity at inference. */
    static final Set<String> IDENTITY_AT_INFERENCE = Set.of("RandomFlip", "RandomRotation", "RandomZoom",
            "RandomTranslation", "RandomContrast", "RandomBrightness", "ActivityRegularization");

    /** Keras 3 ops (module {@code keras.src.ops...}) with two tensors that DL4J's merge layers compute. */
    private static final Set<String> MERGE_OPS = Set.of("Add", "Subtract", "Multiply", "Maximum", "Minimum");

    /** Class names of the Keras 3 operations that users write as Python arithmetic on tensors. */
    private static final Set<String> OP_CLASSES = Set.of("Add", "Subtract", "Multiply", "Divide", "TrueDivide",
            "Maximum", "Minimum", "Power", "Negative", "Matmul");

    /** Merge layers that need inputs of one shape in DL4J (its ElementWiseVertex does not broadcast). */
    private static final Set<String> ELEMENTWISE = Set.of("Add", "Subtract", "Multiply", "Maximum", "Minimum",
            "Average");

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Keras3Adaptations() {
    }

    /** A change to a DL4J layer configuration, made after DL4J's importer built it and before the network is. */
    interface LayerFix {
        /**
         * Changes {@code layer} in place.
         *
         * @throws KerasImportException if the layer is not of the kind the fix expects
         */
        void apply(Layer layer) throws KerasImportException;
    }

    /**
     * What to do with one layer.
     *
     * @param dl4jClass the class name DL4J's importer should see instead of the Keras one, or null to keep it
     * @param problem why the layer cannot be imported, or null
     * @param fixes changes to the built DL4J layer
     * @param swapInputs whether the layer's two inputs must be given to DL4J in the other order
     * @param weights how the layer's weights (Keras 2 names) change for the DL4J layer, or null
     */
    record Adaptation(String dl4jClass, String problem, List<LayerFix> fixes, boolean swapInputs,
                      UnaryOperator<Map<String, INDArray>> weights) {
        Adaptation(String dl4jClass, String problem, List<LayerFix> fixes) {
            this(dl4jClass, problem, fixes, false, null);
        }

        Adaptation(String dl4jClass, String problem, List<LayerFix> fixes, boolean swapInputs) {
            this(dl4jClass, problem, fixes, swapInputs, null);
        }

        static Adaptation refuse(String problem) {
            return new Adaptation(null, problem, List.of());
        }
    }

    /**
     * Decides how {@code layer} (its raw Keras 3 JSON) is imported; may rewrite {@code inner}, the cleaned config
     * DL4J will read.
     */
    static Adaptation adapt(String cls, JsonNode layer, ObjectNode inner) {
        String module = layer.path("module").asText("");
        if (isOpNode(cls, module, layer)) {
            return opNode(cls, module.isEmpty() ? "keras.src.ops" : module, layer, inner);
        }
        List<LayerFix> fixes = new ArrayList<>();
        for (String key : new String[] {"activation", "recurrent_activation"}) {
            JsonNode v = inner.get(key);
            if (v == null || v.isNull()) {
                continue;
            }
            if (!v.isTextual()) {
                return Adaptation.refuse(key + " is a serialized function (" + shorten(v) + "), not a built-in "
                        + "Keras activation; use one of: " + KerasActivations.supportedNames());
            }
            if (!KerasActivations.supported(v.asText())) {
                return Adaptation.refuse(key + " '" + v.asText() + "' has no DL4J equivalent in Graft; use one of: "
                        + KerasActivations.supportedNames());
            }
            KerasActivations.Mapped m = KerasActivations.map(v.asText());
            inner.put(key, m.dl4jName());
            if (m.override() != null) {
                fixes.add(activationFix(key, v.asText(), m.override()));
            }
        }
        String unsupportedOption = unsupportedOption(cls, layer, inner);
        if (unsupportedOption != null) {
            return Adaptation.refuse(unsupportedOption);
        }
        if (IDENTITY_AT_INFERENCE.contains(cls)) {
            return new Adaptation(GraftKerasLayers.IDENTITY, null, fixes);
        }
        switch (cls) {
            case "Rescaling":
                return rescaling(inner, fixes);
            case "Normalization":
                return normalization(layer, inner, fixes);
            case "BatchNormalization":
                // DL4J's importer fails on center=False / scale=False (a null beta / gamma); Graft gives it
                // beta = 0 / gamma = 1 (Keras3Weights), which is what Keras computes without them
                inner.put("center", true);
                inner.put("scale", true);
                break;
            case "Dense": {
                int rank = inputRank(layer);
                if (rank == 4) {
                    return denseAsPointwiseConvolution(inner, fixes);
                }
                if (rank > 4) {
                    return Adaptation.refuse("Dense on a rank-" + rank + " input (Keras applies it to the last axis "
                            + "of every position) is not supported; put a Flatten or GlobalAveragePooling before it");
                }
                if (rank == 3) {
                    return new Adaptation(GraftKerasLayers.DENSE_ON_SEQUENCE, null, fixes);
                }
                break;
            }
            case "GlobalAveragePooling2D":
            case "GlobalMaxPooling2D":
                if (inner.path("keepdims").asBoolean(false)) {
                    inner.put("graft_pooling", cls.startsWith("GlobalMax") ? "max" : "avg");
                    return new Adaptation(GraftKerasLayers.GLOBAL_POOLING_KEEPDIMS, null, fixes);
                }
                break;
            case "LayerNormalization": {
                JsonNode axis = inner.get("axis");
                int rank = inputRank(layer);
                boolean last = axis == null || (axis.isInt() && (axis.asInt() == -1 || axis.asInt() == rank - 1))
                        || (axis.isArray() && axis.size() == 1
                            && (axis.get(0).asInt() == -1 || axis.get(0).asInt() == rank - 1));
                if (!last || inner.path("rms_scaling").asBoolean(false)) {
                    return Adaptation.refuse("LayerNormalization over axis " + axis + (last ? " with rms_scaling"
                            : "") + " is not supported; only the last (channel) axis, without rms_scaling");
                }
                return new Adaptation(GraftKerasLayers.LAYER_NORMALIZATION, null, fixes);
            }
            case "LayerScale":
                return new Adaptation(GraftKerasLayers.LAYER_SCALE, null, fixes);
            case "Reshape": {
                // Reshape((C,)) of a [1, 1, C] map (MobileNet's top) is a Flatten; DL4J's reshape preprocessor
                // gets the NHWC gradient's layout wrong on the way back ([N, 1, C, 1] for [N, C, 1, 1]), its
                // flatten does not
                JsonNode in = inputShape(layer);
                JsonNode target = inner.path("target_shape");
                if (in != null && in.size() == 4 && in.get(1).asInt(-1) == 1 && in.get(2).asInt(-1) == 1
                        && target.isArray() && target.size() == 1 && target.get(0).asInt() == in.get(3).asInt(-2)) {
                    return new Adaptation("Flatten", null, fixes);
                }
                break;
            }
            case "Concatenate": {
                // DL4J keeps Keras' axis -1 as the merge axis: the forward pass works, the backward pass indexes
                // the shape with -1 and fails (NASNet and DenseNet fine-tuned above a concat); give it the index
                int axis = inner.path("axis").asInt(-1);
                int rank = inputRank(layer);
                if (rank > 0 && axis != -1 && axis != rank - 1) {
                    return Adaptation.refuse("Concatenate along axis " + axis + " of rank-" + rank + " inputs is "
                            + "not supported: DL4J concatenates the last (channel) axis only (measured: the "
                            + "concatenation lost)");
                }
                if (axis < 0 && rank > 0) {
                    inner.put("axis", rank + axis);
                }
                break;
            }
            case "Conv2D":
                if (inner.path("groups").asInt(1) != 1) {
                    return groupedConvolution(layer, inner, fixes);
                }
                break;
            case "DepthwiseConv2D": {
                int channels = inputChannels(layer);
                if (channels > 0) {
                    inner.put("graft_in_channels", channels);
                    return new Adaptation(GraftKerasLayers.DEPTHWISE_CONV2D, null, fixes);
                }
                break; // DL4J's own importer finds the channels from the layers before
            }
            case "LSTM":
            case "SimpleRNN":
                // DL4J's recurrent layers always have a bias; use_bias=False imports as zeros (Keras3Weights)
                inner.put("use_bias", true);
                break;
            case "Bidirectional": {
                JsonNode rnn = inner.path("layer").path("config");
                if (inner.path("merge_mode").asText("concat").equals("concat")
                        && rnn.path("return_sequences").asBoolean(false)) {
                    return Adaptation.refuse("Bidirectional(merge_mode='concat', return_sequences=True): DL4J "
                            + "1.0.0-M2.1 sizes the layer after it wrong (measured: a Flatten + Dense crashed); use "
                            + "merge_mode 'sum', 'ave' or 'mul', or return_sequences=False");
                }
                for (String key : new String[] {"activation", "recurrent_activation"}) {
                    String a = rnn.path(key).asText("tanh");
                    if (!KerasActivations.supported(a) || KerasActivations.map(a).override() != null) {
                        return Adaptation.refuse("Bidirectional around a layer with " + key + " '" + a + "' is not "
                                + "supported; DL4J's importer maps only its own activations there");
                    }
                }
                if (!rnn.path("use_bias").asBoolean(true) && inner.path("layer").isObject()) {
                    // DL4J's LSTM always has a bias; Graft gives it zeros (Keras3Weights)
                    ((ObjectNode) inner.path("layer").path("config")).put("use_bias", true);
                }
                break;
            }
            case "PReLU":
                return Adaptation.refuse("DL4J 1.0.0-M2.1's PReLU does not reproduce Keras (measured on a Dense -> "
                        + "PReLU model: positive inputs came out as 0); use ReLU or LeakyReLU, or cut the model "
                        + "before it");
            case "Masking":
                return Adaptation.refuse("Masking: DL4J's import does not carry Keras masks to every layer after it "
                        + "(measured: a Masking -> LSTM model failed with a ClassCastException); remove the Masking "
                        + "layer (same weights) and trim padding yourself");
            case "UpSampling2D":
                return Adaptation.refuse("DL4J 1.0.0-M2.1's UpSampling2D on channels-last images returns the wrong "
                        + "shape (measured: [N, 2, 5, 3] for Keras' [N, 5, 5, 2]); cut the model before it");
            case "Embedding":
                if (inner.path("mask_zero").asBoolean(false)) {
                    return Adaptation.refuse("mask_zero=True: DL4J's import does not carry Keras masks, so padded "
                            + "steps would be computed as data; save the model with mask_zero=False (same weights) "
                            + "and trim padding yourself, or use a model without masking");
                }
                break;
            default:
                break;
        }
        if (ELEMENTWISE.contains(cls)) {
            List<JsonNode> tensors = tensorArgs(layer);
            String mismatch = shapeMismatch(tensors);
            if (mismatch != null) {
                return broadcast(cls, tensors, mismatch, fixes);
            }
        }
        return new Adaptation(null, null, fixes);
    }

    /**
     * An option DL4J 1.0.0-M2.1's Keras importer reads past without using, in Keras 2 and Keras 3 configs alike
     * ({@code go_backwards}: no DL4J recurrent importer looks at it), or null. The Keras 2 path checks this too.
     */
    static String ignoredByDl4j(JsonNode layerConfig) {
        if (layerConfig.path("go_backwards").asBoolean(false)) {
            return "go_backwards=True is not supported: DL4J's import runs the sequence forwards (measured: "
                    + "outputs off by 0.2); reverse the input instead, or use Bidirectional";
        }
        return null;
    }

    /**
     * Options DL4J 1.0.0-M2.1 imports without complaint and computes differently from Keras (each found by a
     * generated model whose --verify failed), or null.
     */
    private static String unsupportedOption(String cls, JsonNode layer, ObjectNode inner) {
        if (inner.path("data_format").asText("channels_last").equals("channels_first")) {
            return "data_format='channels_first' is not supported (Keras 3 on CPU writes channels_last); save the "
                    + "model with channels_last layers";
        }
        String ignored = ignoredByDl4j(inner);
        if (ignored != null) {
            return ignored;
        }
        if (cls.endsWith("Transpose") && inner.hasNonNull("output_padding")) {
            return "output_padding=" + inner.get("output_padding") + " is not supported: DL4J's transposed "
                    + "convolution ignores it (measured: output [N, 7, 7, C] for Keras' [N, 8, 8, C]); save the model "
                    + "without output_padding, or cut it before this layer";
        }
        int rank = inputRank(layer);
        if (cls.equals("BatchNormalization")) {
            JsonNode axis = inner.get("axis");
            int a = axis == null ? -1 : axis.isArray() && axis.size() == 1 ? axis.get(0).asInt() : axis.asInt(-1);
            if (axis != null && axis.isArray() && axis.size() != 1 || (a != -1 && (rank == 0 || a != rank - 1))) {
                return "BatchNormalization over axis " + axis + " is not supported: DL4J normalizes the channel "
                        + "(last) axis only (measured: outputs off by 1.6)";
            }
        }
        if (cls.equals("Softmax")) {
            JsonNode axis = inner.get("axis");
            int a = axis == null ? -1 : axis.isArray() && axis.size() == 1 ? axis.get(0).asInt() : axis.asInt(-1);
            if (a != -1 && (rank == 0 || a != rank - 1)) {
                return "Softmax over axis " + axis + " is not supported: DL4J's softmax runs over the last axis "
                        + "only (measured: outputs off by 0.24)";
            }
        }
        if (cls.equals("ZeroPadding1D") || cls.equals("Cropping1D")) {
            return "DL4J 1.0.0-M2.1's " + cls + " on channels-last sequences pads or crops the wrong axis "
                    + "(measured: [N, 5, 7] for Keras' [N, 9, 3]); cut the model before it";
        }
        if (cls.equals("UpSampling1D")) {
            return "DL4J 1.0.0-M2.1's UpSampling1D on channels-last sequences repeats the wrong axis (measured: "
                    + "outputs off by 1.9); cut the model before it";
        }
        return null;
    }

    /**
     * Why a layer of a Keras 1/2 file, read by DL4J's own importer, cannot be imported, or null. The same measured
     * DL4J miscomputations as for Keras 3 files, minus what Graft's translation repairs there (a Keras 2 file is not
     * translated): each of these imported without complaint and computed something else (tools/import-fuzz/
     * REPORT.md, make_keras2_cases.py). {@code layer} carries {@code build_config.input_shape} of the rank DL4J
     * inferred for the layer's input (batch included), or none when it could not be inferred; checks that need
     * the rank are skipped then.
     */
    static String keras2Problem(String cls, JsonNode layer, ObjectNode config) {
        int rank = inputRank(layer);
        boolean rankDependent = cls.equals("BatchNormalization") || cls.equals("Softmax");
        if (rank > 0 || !rankDependent) {
            String p = unsupportedOption(cls, layer, config);
            if (p != null) {
                return p;
            }
        }
        String resave = "; Graft imports it from a Keras 3 file: load the model in Keras 3 (keras.models.load_model)"
                + " and save it as .keras";
        switch (cls) {
            case "PReLU":
                return "DL4J 1.0.0-M2.1's PReLU does not reproduce Keras (measured on a Keras 2 Dense -> PReLU "
                        + "file: outputs off by 0.58); use ReLU or LeakyReLU, or cut the model before it";
            case "UpSampling2D":
                return "DL4J 1.0.0-M2.1's UpSampling2D on channels-last images repeats the wrong axes (measured on a "
                        + "Keras 2 file: outputs off by 1.7); cut the model before it";
            case "BatchNormalization":
                // scale=False (Keras 2's InceptionV3) imports right; center=False failed with a null-pointer error
                if (!config.path("center").asBoolean(true)) {
                    return "BatchNormalization(center=False): DL4J's Keras 2 importer needs beta (it failed with a "
                            + "null-pointer error)" + resave;
                }
                return null;
            case "LSTM":
            case "SimpleRNN":
                if (!config.path("use_bias").asBoolean(true)) {
                    return "use_bias=False: DL4J's Keras 2 importer needs a bias (\"does not contain parameter "
                            + "bias\")" + resave;
                }
                return null;
            case "TimeDistributed":
                return "TimeDistributed: DL4J 1.0.0-M2.1's Keras 2 importer folds the time steps into the batch "
                        + "(measured: output [12, 2] for Keras' [3, 4, 2], a Flatten after it too); for "
                        + "TimeDistributed(Dense), apply the Dense to the sequence directly and save the model with "
                        + "Keras 3 (Graft imports Dense on sequences from Keras 3 files), or cut the model before it";
            case "GlobalAveragePooling2D":
            case "GlobalMaxPooling2D":
                if (config.path("keepdims").asBoolean(false)) {
                    return "keepdims=True: DL4J's Keras 2 importer drops it (the layer after it then gets a flat "
                            + "input: measured on MobileNet, \"Expected CNN input\")" + resave;
                }
                return null;
            case "Masking":
                return "Masking: DL4J's import does not carry Keras masks to every layer after it, so masked steps "
                        + "would be computed as data; remove the Masking layer (same weights) and trim padding "
                        + "yourself";
            case "Embedding":
                if (config.path("mask_zero").asBoolean(false)) {
                    return "mask_zero=True: DL4J's import does not carry Keras masks, so padded steps would be "
                            + "computed as data; save the model with mask_zero=False (same weights)";
                }
                return null;
            case "Conv2D":
            case "Conv1D":
                if (config.path("groups").asInt(1) != 1) {
                    return "groups=" + config.path("groups").asInt() + ": DL4J's Keras 2 importer ignores groups "
                            + "(measured: outputs off by 2.5)" + resave;
                }
                return null;
            case "Dense":
                if (rank > 2) {
                    return "Dense on a rank-" + rank + " input: DL4J's Keras 2 importer applies it to the flattened "
                            + "positions (measured: output [15, 3] for Keras' [3, 5, 3], [3, 4] for [3, 3, 3, 4])"
                            + resave;
                }
                return null;
            case "Concatenate": {
                int axis = config.path("axis").asInt(-1);
                if (rank > 0 && axis != -1 && axis != rank - 1) {
                    return "Concatenate along axis " + axis + " of rank-" + rank + " inputs is not supported: DL4J "
                            + "concatenates the last (channel) axis only";
                }
                return null;
            }
            default:
                return null;
        }
    }

    private static Adaptation rescaling(ObjectNode inner, List<LayerFix> fixes) {
        Double scale = scalar(inner.get("scale"));
        Double offset = scalar(inner.get("offset"));
        if (scale == null || offset == null) {
            return Adaptation.refuse("Rescaling with per-channel scale or offset (" + shorten(inner.get("scale"))
                    + ", " + shorten(inner.get("offset")) + ") is not supported; only scalars are");
        }
        inner.put("graft_scale", scale);
        inner.put("graft_offset", offset);
        return new Adaptation(GraftKerasLayers.SCALAR_AFFINE, null, fixes);
    }

    private static Adaptation normalization(JsonNode layer, ObjectNode inner, List<LayerFix> fixes) {
        if (inner.path("invert").asBoolean(false)) {
            return Adaptation.refuse("Normalization(invert=True) is not supported");
        }
        JsonNode axis = inner.get("axis");
        int rank = inputRank(layer);
        boolean lastAxis = axis == null || axis.isNull()
                || (axis.isInt() && (axis.asInt() == -1 || axis.asInt() == rank - 1))
                || (axis.isArray() && axis.size() == 1
                    && (axis.get(0).asInt() == -1 || axis.get(0).asInt() == rank - 1));
        if (!lastAxis) {
            return Adaptation.refuse("Normalization over axis " + axis + " is not supported; only the last "
                    + "(channel) axis is");
        }
        if (inner.hasNonNull("mean") && inner.hasNonNull("variance")) {
            inner.set("graft_mean", inner.get("mean").deepCopy());
            inner.set("graft_variance", inner.get("variance").deepCopy());
        } // else KerasImporter fills them from the adapted weights
        return new Adaptation(GraftKerasLayers.NORMALIZATION, null, fixes);
    }

    /**
     * Whether a layer entry is a Keras 3 operation node rather than a layer: its module is {@code keras.src.ops...}
     * ({@code .keras} files), or, where the module is not recorded (Keras-3-written {@code .h5}), it has an
     * operation's class name and is called with two positional arguments ({@code [x, 3.0]}), where the merge layer
     * of the same name takes one list ({@code [[a, b]]}).
     */
    static boolean isOpNode(String cls, String module, JsonNode layer) {
        if (module.startsWith("keras.src.ops")) {
            return true;
        }
        JsonNode nodes = layer.path("inbound_nodes");
        if (module.isEmpty() && OP_CLASSES.contains(cls) && nodes.size() > 0 && nodes.get(0).isObject()
                && nodes.get(0).path("args").size() >= 2) {
            return true;
        }
        // a layer's config always carries trainable and dtype (keras Layer.get_config); an operation's holds its
        // name and arguments only: keras.ops.softmax / concatenate / average written to .h5 look like the layers of
        // the same name otherwise
        JsonNode config = layer.path("config");
        return module.isEmpty() && config.isObject() && !config.has("trainable") && !config.has("dtype")
                && !cls.equals("InputLayer");
    }

    /** A Keras 3 op node ({@code x + 3.0}, {@code keras.ops.multiply(a, b)}, ...). */
    private static Adaptation opNode(String cls, String module, JsonNode layer, ObjectNode inner) {
        JsonNode nodes = layer.path("inbound_nodes");
        if (nodes.size() != 1) {
            return Adaptation.refuse("the operation is applied " + nodes.size() + " times (shared), which DL4J "
                    + "graphs cannot express");
        }
        JsonNode node = nodes.get(0);
        if (node.path("kwargs").size() > 0) {
            return Adaptation.refuse("Keras 3 operation " + cls + " (" + module + ") with keyword arguments "
                    + shorten(node.path("kwargs")) + " is not supported");
        }
        List<JsonNode> args = new ArrayList<>();
        node.path("args").forEach(args::add);
        List<JsonNode> tensors = tensorArgs(layer);
        if (cls.equals("Softmax") && args.size() == 1 && tensors.size() == 1) {
            // keras.ops.softmax(x) over the last axis is the Softmax layer; another axis is refused with the layer
            JsonNode axis = inner.has("axis") ? inner.get("axis") : node.path("kwargs").path("axis");
            int rank = tensors.get(0).path("config").path("shape").size();
            int a = axis.isMissingNode() || axis.isNull() ? -1 : axis.asInt(-1);
            if (a == -1 || a == rank - 1) {
                inner.put("axis", -1);
                return new Adaptation("Softmax", null, List.of());
            }
            return Adaptation.refuse("keras.ops.softmax over axis " + a + " is not supported: DL4J's softmax runs "
                    + "over the last axis only");
        }
        if (args.size() == 2 && tensors.size() == 1) {
            boolean constantFirst = !isTensor(args.get(0));
            Double c = scalar(args.get(constantFirst ? 0 : 1));
            if (c == null) {
                return Adaptation.refuse("Keras 3 operation " + cls + " with a non-scalar constant ("
                        + shorten(args.get(constantFirst ? 0 : 1)) + ") is not supported");
            }
            double[] affine = affine(cls, c, constantFirst);
            if (affine == null) {
                return Adaptation.refuse("Keras 3 operation " + cls + (constantFirst ? " of a constant and a tensor"
                        : " of a tensor and a constant") + " is not supported; supported with a scalar constant: "
                        + "Add, Subtract, Multiply, and Divide by a constant");
            }
            inner.put("graft_scale", affine[0]);
            inner.put("graft_offset", affine[1]);
            return new Adaptation(GraftKerasLayers.SCALAR_AFFINE, null, List.of());
        }
        if (args.size() == 2 && tensors.size() == 2 && MERGE_OPS.contains(cls)) {
            String mismatch = shapeMismatch(tensors);
            if (mismatch != null) {
                return broadcast(cls, tensors, mismatch, List.of());
            }
            return new Adaptation(cls, null, List.of()); // the Keras merge layer of the same name
        }
        return Adaptation.refuse("Keras 3 operation " + cls + " (" + module + ", " + args.size() + " arguments) has "
                + "no DL4J equivalent in Graft; express it with Keras layers, or cut the model before it");
    }

    /**
     * A merge of two tensors of different shapes: an image batch times a per-channel gate ({@code [H, W, C]} and
     * {@code [1, 1, C]}, either order) is Graft's broadcast multiply; anything else is refused.
     */
    private static Adaptation broadcast(String cls, List<JsonNode> tensors, String mismatch, List<LayerFix> fixes) {
        if (cls.equals("Multiply") && tensors.size() == 2) {
            JsonNode a = tensors.get(0).path("config").path("shape");
            JsonNode b = tensors.get(1).path("config").path("shape");
            if (isGateOf(b, a)) {
                return new Adaptation(GraftKerasLayers.BROADCAST_MULTIPLY, null, fixes, false);
            }
            if (isGateOf(a, b)) {
                return new Adaptation(GraftKerasLayers.BROADCAST_MULTIPLY, null, fixes, true);
            }
        }
        return Adaptation.refuse("broadcasting " + cls + " of inputs with shapes " + mismatch + " is not supported "
                + "(DL4J's merge needs equal shapes; Graft broadcasts only Multiply of [H, W, C] by [1, 1, C])");
    }

    /** Whether {@code gate} is {@code [batch, 1, 1, C]} for {@code image} {@code [batch, H, W, C]}. */
    private static boolean isGateOf(JsonNode gate, JsonNode image) {
        return gate.size() == 4 && image.size() == 4 && gate.get(1).asInt(-1) == 1 && gate.get(2).asInt(-1) == 1
                && gate.get(3).asInt(-1) > 0 && gate.get(3).asInt() == image.get(3).asInt(-2);
    }

    /**
     * A Dense on an image batch {@code [N, H, W, C]} (ConvNeXt's pointwise layers) applies its kernel at every
     * position: a 1x1 convolution with the same kernel, {@code [C, units]} read as {@code [1, 1, C, units]}.
     */
    private static Adaptation denseAsPointwiseConvolution(ObjectNode inner, List<LayerFix> fixes) {
        inner.put("filters", inner.path("units").asInt());
        inner.remove("units");
        inner.set("kernel_size", NODES.arrayNode().add(1).add(1));
        inner.set("strides", NODES.arrayNode().add(1).add(1));
        inner.set("dilation_rate", NODES.arrayNode().add(1).add(1));
        inner.put("padding", "valid");
        inner.put("data_format", "channels_last");
        inner.put("groups", 1);
        return new Adaptation("Conv2D", null, fixes, false, w -> {
            INDArray k = w.get("kernel");
            if (k != null && k.rank() == 2) {
                w.put("kernel", k.reshape('c', 1, 1, k.size(0), k.size(1)));
            }
            return w;
        });
    }

    /**
     * A Conv2D with {@code groups} equal to its input channels is a depthwise convolution with
     * {@code depth_multiplier = filters / groups}: its kernel {@code [kh, kw, 1, F]} read as {@code [kh, kw, C, M]}
     * (output channel {@code c*M + m} belongs to group {@code c}) is exactly the depthwise kernel
     * ({@link Keras3Weights} reshapes it). Other groupings (ResNeXt) have no DL4J layer.
     */
    private static Adaptation groupedConvolution(JsonNode layer, ObjectNode inner, List<LayerFix> fixes) {
        int groups = inner.path("groups").asInt();
        int filters = inner.path("filters").asInt();
        int channels = inputChannels(layer);
        if (channels != groups || filters % groups != 0) {
            return Adaptation.refuse("grouped convolution (groups=" + groups + ", " + channels + " input channels) "
                    + "has no DL4J equivalent; only groups equal to the input channels (depthwise) is imported");
        }
        inner.put("depth_multiplier", filters / groups);
        for (String part : new String[] {"initializer", "regularizer", "constraint"}) {
            if (inner.has("kernel_" + part)) {
                inner.set("depthwise_" + part, inner.get("kernel_" + part));
            }
        }
        inner.remove("groups");
        inner.remove("filters");
        inner.put("graft_in_channels", channels);
        return new Adaptation(GraftKerasLayers.DEPTHWISE_CONV2D, null, fixes);
    }

    /** {@code [scale, offset]} of {@code x op c} (or {@code c op x}), or null when it is not affine in x. */
    private static double[] affine(String op, double c, boolean constantFirst) {
        switch (op) {
            case "Add":
                return new double[] {1, c};
            case "Subtract":
                return constantFirst ? new double[] {-1, c} : new double[] {1, -c};
            case "Multiply":
                return new double[] {c, 0};
            case "Divide":
            case "TrueDivide":
                return constantFirst || c == 0 ? null : new double[] {1 / c, 0};
            default:
                return null;
        }
    }

    private static LayerFix activationFix(String key, String kerasName, Supplier<IActivation> fn) {
        return l -> {
            Layer target = l instanceof BaseWrapperLayer ? ((BaseWrapperLayer) l).getUnderlying() : l;
            if (key.equals("recurrent_activation")) {
                if (!(target instanceof LSTM)) {
                    throw new KerasImportException("recurrent_activation '" + kerasName + "' is supported on LSTM "
                            + "layers only, found DL4J " + target.getClass().getSimpleName());
                }
                ((LSTM) target).setGateActivationFn(fn.get());
            } else if (target instanceof ActivationLayer) {
                ((ActivationLayer) target).setActivationFn(fn.get());
            } else if (target instanceof BaseLayer) {
                ((BaseLayer) target).setActivationFn(fn.get());
            } else {
                throw new KerasImportException("activation '" + kerasName + "' cannot be set on DL4J "
                        + target.getClass().getSimpleName());
            }
        };
    }

    /** Rank of the layer's (first) input, batch dimension included; 0 when not recorded. */
    static int inputRank(JsonNode layer) {
        JsonNode s = inputShape(layer);
        return s == null ? 0 : s.size();
    }

    /**
     * The layer's (first) input shape, batch first: its {@code build_config} ({@code .keras} files) or the shape of
     * its first input tensor (functional {@code .h5} files record no build config); null when neither is there.
     */
    static JsonNode inputShape(JsonNode layer) {
        JsonNode s = layer.path("build_config").path("input_shape");
        if (s.isArray() && s.size() > 0 && !s.get(0).isArray()) {
            return s;
        }
        List<JsonNode> t = tensorArgs(layer);
        JsonNode shape = t.isEmpty() ? null : t.get(0).path("config").path("shape");
        return shape != null && shape.isArray() ? shape : null;
    }

    /** The channels (last axis) of a 4-d input, or -1. */
    private static int inputChannels(JsonNode layer) {
        JsonNode s = inputShape(layer);
        return s != null && s.size() == 4 ? s.get(3).asInt(-1) : -1;
    }

    /** The Keras tensors among a layer's call arguments (first call), in order. */
    static List<JsonNode> tensorArgs(JsonNode layer) {
        List<JsonNode> out = new ArrayList<>();
        JsonNode nodes = layer.path("inbound_nodes");
        if (nodes.size() > 0) {
            collect(nodes.get(0).path("args"), out);
        }
        return out;
    }

    private static void collect(JsonNode n, List<JsonNode> out) {
        if (isTensor(n)) {
            out.add(n);
        } else if (n.isArray()) {
            n.forEach(x -> collect(x, out));
        }
    }

    private static boolean isTensor(JsonNode n) {
        return n.isObject() && n.path("class_name").asText().equals("__keras_tensor__");
    }

    /** "a and b" when the tensors' shapes (batch excluded) differ, else null. */
    private static String shapeMismatch(List<JsonNode> tensors) {
        String first = null;
        for (JsonNode t : tensors) {
            JsonNode shape = t.path("config").path("shape");
            if (!shape.isArray()) {
                return null;
            }
            ArrayNode rest = ((ArrayNode) shape).deepCopy();
            if (rest.size() > 0) {
                rest.remove(0);
            }
            String s = rest.toString();
            if (first == null) {
                first = s;
            } else if (!first.equals(s)) {
                return first + " and " + s;
            }
        }
        return null;
    }

    /** A number, a one-element list, a list of equal numbers, or a serialized NumPy scalar; else null. */
    static Double scalar(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isNumber()) {
            return n.asDouble();
        }
        if (n.isObject() && n.path("class_name").asText().equals("__numpy__")) {
            return scalar(n.path("config").path("value"));
        }
        if (n.isArray() && n.size() > 0) {
            Double first = scalar(n.get(0));
            for (JsonNode x : n) {
                Double v = scalar(x);
                if (v == null || first == null || v.doubleValue() != first.doubleValue()) {
                    return null;
                }
            }
            return first;
        }
        return null;
    }

    private static String shorten(JsonNode n) {
        String s = String.valueOf(n);
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }
}
