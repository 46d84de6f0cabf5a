package dev.graft.zoo.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * The input shape of every layer of a Keras 3 Sequential config, worked out from the first layer's
 * {@code batch_shape}. A {@code .keras} file records each layer's input shape ({@code build_config}); a Keras-3-written
 * {@code .h5} does not, and without it an Embedding's sequence length and a Dense layer's input rank are unknown
 * (DL4J then built an Embedding + Flatten + Dense with the wrong Dense size and crashed the JVM in a native matrix
 * product). Shapes are Keras shapes: batch first ({@code null}), channels last; an unknown dimension is
 * {@code null}, and after a layer this class does not know, the shape is unknown ({@code null}) for the rest.
 */
final class SequentialShapes {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private SequentialShapes() {
    }

    /** One entry per layer: its input shape, or null when it cannot be told. */
    static List<ArrayNode> inputShapes(JsonNode layers) {
        List<ArrayNode> out = new ArrayList<>();
        ArrayNode shape = null;
        for (JsonNode layer : layers) {
            JsonNode c = layer.path("config");
            String cls = layer.path("class_name").asText();
            if (cls.equals("InputLayer")) {
                JsonNode b = c.has("batch_shape") ? c.get("batch_shape") : c.get("batch_input_shape");
                shape = b != null && b.isArray() ? ((ArrayNode) b).deepCopy() : null;
                out.add(shape);
                continue;
            }
            if (shape == null && c.path("batch_shape").isArray()) {
                shape = ((ArrayNode) c.get("batch_shape")).deepCopy();
            }
            out.add(shape == null ? null : shape.deepCopy());
            shape = shape == null ? null : outputShape(cls, c, shape);
        }
        return out;
    }

    /** The output shape of one layer given its input shape, or null when not known. */
    static ArrayNode outputShape(String cls, JsonNode c, ArrayNode in) {
        int rank = in.size();
        switch (cls) {
            case "Embedding":
                return with(in, NODES.numberNode(c.path("output_dim").asInt()));
            case "Dense":
                return replaceLast(in, c.path("units").asInt());
            case "Conv1D": case "Conv2D": case "Conv3D": case "SeparableConv1D": case "SeparableConv2D":
            case "Conv2DTranspose": case "Conv1DTranspose": case "Conv3DTranspose":
                return spatialUnknown(replaceLast(in, c.path("filters").asInt()));
            case "DepthwiseConv2D": case "DepthwiseConv1D":
                return spatialUnknown(in.get(rank - 1).isNumber()
                        ? replaceLast(in, in.get(rank - 1).asInt() * c.path("depth_multiplier").asInt(1))
                        : in.deepCopy());
            case "MaxPooling1D": case "MaxPooling2D": case "MaxPooling3D": case "AveragePooling1D":
            case "AveragePooling2D": case "AveragePooling3D": case "ZeroPadding1D": case "ZeroPadding2D":
            case "ZeroPadding3D": case "Cropping1D": case "Cropping2D": case "Cropping3D": case "UpSampling1D":
            case "UpSampling2D": case "UpSampling3D":
                return spatialUnknown(in.deepCopy());
            case "GlobalAveragePooling1D": case "GlobalAveragePooling2D": case "GlobalAveragePooling3D":
            case "GlobalMaxPooling1D": case "GlobalMaxPooling2D": case "GlobalMaxPooling3D":
                return c.path("keepdims").asBoolean(false) ? spatialOnes(in) : pooled(in);
            case "Flatten":
                return flattened(in);
            case "Reshape": {
                ArrayNode r = NODES.arrayNode().addNull();
                c.path("target_shape").forEach(d -> r.add(d.deepCopy()));
                return r;
            }
            case "RepeatVector":
                return NODES.arrayNode().addNull().add(c.path("n").asInt()).add(in.get(rank - 1).deepCopy());
            case "LSTM": case "GRU": case "SimpleRNN": {
                int units = c.path("units").asInt();
                return c.path("return_sequences").asBoolean(false) ? replaceLast(in, units)
                        : NODES.arrayNode().addNull().add(units);
            }
            case "Activation": case "Dropout": case "SpatialDropout1D": case "SpatialDropout2D":
            case "SpatialDropout3D": case "GaussianNoise": case "GaussianDropout": case "AlphaDropout":
            case "BatchNormalization": case "LayerNormalization": case "ReLU": case "LeakyReLU": case "ELU":
            case "PReLU": case "Softmax": case "ThresholdedReLU": case "Masking": case "Rescaling":
            case "Normalization": case "RandomFlip": case "RandomRotation": case "RandomZoom":
            case "RandomTranslation": case "RandomContrast": case "RandomBrightness": case "ActivityRegularization":
                return in.deepCopy();
            default:
                return null;
        }
    }

    private static ArrayNode with(ArrayNode in, JsonNode last) {
        ArrayNode r = in.deepCopy();
        r.add(last);
        return r;
    }

    private static ArrayNode replaceLast(ArrayNode in, int last) {
        ArrayNode r = in.deepCopy();
        r.set(r.size() - 1, NODES.numberNode(last));
        return r;
    }

    /** Batch and channels kept, spatial dimensions unknown. */
    private static ArrayNode spatialUnknown(ArrayNode s) {
        for (int i = 1; i < s.size() - 1; i++) {
            s.set(i, NODES.nullNode());
        }
        return s;
    }

    private static ArrayNode spatialOnes(ArrayNode in) {
        ArrayNode s = in.deepCopy();
        for (int i = 1; i < s.size() - 1; i++) {
            s.set(i, NODES.numberNode(1));
        }
        return s;
    }

    private static ArrayNode pooled(ArrayNode in) {
        return NODES.arrayNode().addNull().add(in.get(in.size() - 1).deepCopy());
    }

    private static ArrayNode flattened(ArrayNode in) {
        long n = 1;
        for (int i = 1; i < in.size(); i++) {
            if (!in.get(i).isNumber()) {
                return NODES.arrayNode().addNull().addNull();
            }
            n *= in.get(i).asLong();
        }
        return NODES.arrayNode().addNull().add(n);
    }
}
